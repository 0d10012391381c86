#!/usr/bin/python3
"""tests/smtp_sink.py - an SMTP server on loopback for the notification
tests (aiosmtpd, Debian python3-aiosmtpd): every message it accepts is
saved whole as DIR/N.eml (N counting from 1) with its envelope in
DIR/N.env (MAIL FROM, then one RCPT TO a line).

  smtp_sink.py DIR PORTFILE [--port P] [--reject ADDR]...

It listens on 127.0.0.1, on port P (0, the default: a free one) and
writes the port to PORTFILE once it accepts connections. A recipient
given with --reject is refused with 550 (a permanent failure). It runs
until SIGTERM."""
import argparse
import asyncio
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, d, reject):
        self.dir = d
        self.reject = {a.lower() for a in reject}
        self.n = len([f for f in os.listdir(d) if f.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.dir, str(self.n))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".env", "w") as f:
            f.write(envelope.mail_from + "\n")
            for r in envelope.rcpt_tos:
                f.write(r + "\n")
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK saved"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("portfile")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--reject", action="append", default=[])
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    port = a.port
    if port == 0:
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    c = Controller(Sink(a.dir, a.reject), hostname="127.0.0.1", port=port)
    c.start()
    with open(a.portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(a.portfile + ".tmp", a.portfile)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    c.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
