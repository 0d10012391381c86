#!/usr/bin/env python3
"""journal_rechain.py DIR FROM [OLD NEW]: rewrite a tenant's journal as an
attacker who knows the format would. The line at seq FROM is edited (its
actor OLD, default "tester", becomes NEW, default "mallor"), and every line
from it on is
re-hashed and re-chained, so the chain is consistent again; the head's hash
is made to match. Only plain (open) segments are rewritten. The tests use
it to show that plain verify cannot see such a rewrite and that an anchor
kept elsewhere (verify --anchor) does."""
import hashlib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from journal_format import Before, expand, is_short, segments  # noqa: E402

d, start = sys.argv[1], int(sys.argv[2])
old, new = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ("tester", "mallor")
old = b'"actor":"' + old.encode() + b'"'
new = b'"actor":"' + new.encode() + b'"'
prev = None
for path in segments(d):
    out = []
    before = Before()
    for raw in open(path, "rb").read().split(b"\n")[:-1]:
        full = expand(raw, before)
        seq = json.loads(full)["seq"]
        if seq >= start:
            body = full[: full.rindex(b',"hash":"')]
            if seq == start:
                body = body.replace(old, new, 1)
                raw = raw.replace(old, new, 1)
            i = body.rindex(b',"prev":"')
            body = body[:i] + b',"prev":"' + prev + b'"'
            h = hashlib.sha256(body).hexdigest().encode()
            # a short line holds no prev: only its hash changes
            raw = raw[:-66] + h + b'"}' if is_short(raw) else body + b',"hash":"' + h + b'"}'
        prev = raw[-66:-2]
        out.append(raw)
    open(path, "wb").write(b"\n".join(out) + b"\n")
head = os.path.join(d, "head")
s = open(head).read()
open(head, "w").write(re.sub(r"hash=[0-9a-f]{64}", "hash=" + prev.decode(), s))
