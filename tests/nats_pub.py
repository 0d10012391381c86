"""tests/nats_pub.py - a publisher that is not armms-journal, for the broker
tests (tests/44-broker-pay.bats): it speaks the NATS protocol itself, so a
test can send what armms-journal never sends.

  nats_pub.py URL publish FILE [SUBJECT]
      each journal line of FILE published as it is on
      armms.<tenant_id>.<event_type> (or SUBJECT), headers Nats-Msg-Id,
      Armms-Seq and Armms-Hash taken from the line; waits for each
      JetStream ack (a duplicate's too)
  nats_pub.py - forge [--seal] [--new-id] [--keep-hash] STATEMENT
      a journal line on stdin changed by the Python STATEMENT (the event is
      ev, its payload p), its line hash made again (unless --keep-hash)
      the way the journal makes it: the SHA-256 of the bytes before
      ',"hash":'; --seal makes the snapshot's checksum again too (sha256:
      of its canonical JSON without the checksum), --new-id gives the event
      a new event_id. The line on stdout.
"""
import hashlib, json, socket, sys, uuid

url, mode = sys.argv[1], sys.argv[2]
if mode == 'forge':
    args = sys.argv[3:]
    flags = [a for a in args if a.startswith('--')]
    stmt = ' '.join(a for a in args if not a.startswith('--'))
    ev = json.loads(sys.stdin.buffer.readline())
    p = ev['payload']
    exec(stmt)
    if '--seal' in flags:
        snap = p.get('after', p)
        body = {k: v for k, v in snap.items() if k != 'checksum'}
        canon = json.dumps(body, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
        snap['checksum'] = 'sha256:' + hashlib.sha256(canon.encode()).hexdigest()
    if '--new-id' in flags:
        ev['event_id'] = 'forged-' + uuid.uuid4().hex
    h = ev.pop('hash')
    pre = json.dumps(ev, separators=(',', ':'), ensure_ascii=False)[:-1]
    if '--keep-hash' not in flags:
        h = hashlib.sha256(pre.encode()).hexdigest()
    sys.stdout.write(pre + ',"hash":"' + h + '"}\n')
    sys.exit(0)
host, port = url.split('://')[1].rsplit(':', 1)
s = socket.create_connection((host, int(port)), timeout=5)
f = s.makefile('rb')
f.readline()
s.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\nSUB _INBOX.t 1\r\n')
def reply():
    while True:
        l = f.readline()
        if l.startswith(b'PING'):
            s.sendall(b'PONG\r\n'); continue
        if l.startswith(b'MSG') or l.startswith(b'HMSG'):
            p = l.split()
            n = int(p[-1])
            d = f.read(n + 2)[:-2]
            if l.startswith(b'HMSG'):
                h = int(p[-2]); hd, d = d[:h], d[h:]
                if b' 503' in hd.split(b'\r\n')[0]: sys.exit('no responders')
            return d
        if l.startswith(b'-ERR'): sys.exit(l.decode())
if mode == 'request':
    body = sys.argv[4].encode()
    s.sendall(b'PUB %s _INBOX.t %d\r\n%s\r\n' % (sys.argv[3].encode(), len(body), body))
    print(reply().decode())
else:
    for line in open(sys.argv[3], 'rb'):
        line = line.rstrip(b'\n')
        if not line: continue
        ev = json.loads(line)
        subj = (sys.argv[4] if len(sys.argv) > 4 else 'armms.%s.%s' % (ev['tenant_id'], ev['event_type'])).encode()
        hdr = b'NATS/1.0\r\nNats-Msg-Id: %s\r\nArmms-Seq: %d\r\nArmms-Hash: %s\r\n\r\n' % (
            ev['event_id'].encode(), ev['seq'], ev['hash'].encode())
        s.sendall(b'HPUB %s _INBOX.t %d %d\r\n%s%s\r\n' % (subj, len(hdr), len(hdr) + len(line), hdr, line))
        r = json.loads(reply())
        if 'error' in r: sys.exit(json.dumps(r))
