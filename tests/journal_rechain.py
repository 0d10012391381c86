#!/usr/bin/env python3
"""journal_rechain.py DIR FROM [OLD NEW]: rewrite a tenant's journal as an
attacker who knows the format would. The line at seq FROM is edited (its
actor OLD, default "tester", becomes NEW, default "mallor"), and every line
from it on is
re-hashed and re-chained, so the chain is consistent again; the head's hash
is made to match. Only plain (open) segments are rewritten. The tests use
it to show that plain verify cannot see such a rewrite and that an anchor
kept elsewhere (verify --anchor) does."""
import glob
import hashlib
import json
import os
import re
import sys

d, start = sys.argv[1], int(sys.argv[2])
old, new = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ("tester", "mallor")
old = b'"actor":"' + old.encode() + b'"'
new = b'"actor":"' + new.encode() + b'"'
prev = None
for path in sorted(glob.glob(os.path.join(d, "[0-9]" * 6 + ".ndjson"))):
    out = []
    for raw in open(path, "rb").read().split(b"\n")[:-1]:
        seq = json.loads(raw)["seq"]
        if seq >= start:
            body = raw[: raw.rindex(b',"hash":"')]
            if seq == start:
                body = body.replace(old, new, 1)
            i = body.rindex(b',"prev":"')
            body = body[:i] + b',"prev":"' + prev + b'"'
            raw = body + b',"hash":"' + hashlib.sha256(body).hexdigest().encode() + b'"}'
        prev = raw[raw.rindex(b',"hash":"') + 9 : -2]
        out.append(raw)
    open(path, "wb").write(b"\n".join(out) + b"\n")
head = os.path.join(d, "head")
s = open(head).read()
open(head, "w").write(re.sub(r"hash=[0-9a-f]{64}", "hash=" + prev.decode(), s))
