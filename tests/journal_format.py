#!/usr/bin/env python3
"""journal_format.py DIR: print the lines of a tenant's journal (its plain
segments, in order) as full envelopes, the short lines of clock events
(format 2, lib/store/journal_line.c) expanded from the line before them.
Written apart from the C reader, from the format as armms-journal(1)
describes it, so the tests read the journal through an oracle of their
own. journal_rechain.py uses expand() too."""
import glob
import os
import re
import sys

HEAD = b'{"kind":"ClockEvent","v":1,'
SHORT = re.compile(rb'^\{"seq":([1-9][0-9]*),"src_id":([0-9]+),"src_i":([0-9]+),"src_n":([0-9]+),"actor":')


def is_short(line):
    return SHORT.match(line) is not None


class Before:
    """What a short line takes from the line before it in its segment."""

    def __init__(self):
        self.hash = None
        self.tenant = None

    def full(self, line):
        self.hash = line[-66:-2]
        m = re.search(rb',"tenant_id":.*?(?=,"aggregate_type":)', line)
        self.tenant = m.group(0) if m else None


def expand(line, before):
    """The full line of a segment line (bytes, no newline); before is the
    Before of its segment, and is moved on."""
    m = SHORT.match(line)
    if not m:
        before.full(line)
        return line
    assert before.hash and before.tenant, "a short line with no full line before it"
    seq, src_id, src_i, src_n = m.groups()
    body = line[: -len(b',"hash":"') - 66]  # up to the "ce" object's close
    i = body.index(b',"ce":{"clock_event_id":"', m.end())
    actor, ce = body[m.end() : i], body[i + len(b',"ce":{') : -1]
    cid = ce[len(b'"clock_event_id":"') :][:26]
    recv = ce[ce.rindex(b',"received_at":') + len(b',"received_at":') :]
    full = (
        b'{"seq":' + seq + b',"event_id":"' + cid + b'","event_type":"ClockEventRecorded","version":1'
        + before.tenant + b',"aggregate_type":"clock_event","aggregate_id":"' + cid
        + b'","occurred_at":' + recv + b',"actor":' + actor + b',"payload":' + HEAD + ce
        + b'},"src":"tk","src_id":' + src_id + b',"src_i":' + src_i + b',"src_n":' + src_n
        + b',"prev":"' + before.hash + b'","hash":"' + line[-66:-2] + b'"}'
    )
    before.hash = line[-66:-2]
    return full


def segments(d):
    return sorted(glob.glob(os.path.join(d, "[0-9]" * 6 + ".ndjson")))


if __name__ == "__main__":
    out = sys.stdout.buffer
    for path in segments(sys.argv[1]):
        before = Before()
        with open(path, "rb") as f:
            data = f.read()
        for raw in data.split(b"\n")[:-1]:
            out.write(expand(raw, before) + b"\n")
        if data and not data.endswith(b"\n"):
            out.write(data.rsplit(b"\n", 1)[-1])  # a torn tail, as cat shows it
