#!/usr/bin/env python3
"""Drive a CHR's (or the stand-in's) serial console over the container's console.sock.

    console.py SOCKET DEADLINE_S CMD...

Logs in as admin with the empty password (`admin+ct`: no colours, no terminal probing), answers
the first-login license question with `n` and skips the empty-password nag with Ctrl-C, then runs
each CMD at the `] > ` prompt and fails if one prints anything (RouterOS prints nothing when an
`add` succeeds). Prints `login-prompt-after <s>` (seconds since it connected) and, per command,
`ok: CMD`. Exit 0 on success, 1 with the console's tail on stderr otherwise. Standard library only.
"""
import re
import socket
import sys
import time

ANSI = re.compile(rb"\x1b(\[[0-9;?]*[A-Za-z]|[c78=>])")


class Console:
    def __init__(self, path, deadline):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.s.settimeout(0.5)
        self.buf = b""
        self.deadline = deadline
        self.last_rx = time.monotonic()

    def send(self, data):
        self.s.sendall(data)

    def clean(self):
        return ANSI.sub(b"", self.buf).replace(b"\r", b"")

    def wait(self, needles, poke=None, quiet=20.0):
        """Read until one of needles appears in what arrived since the last wait; return it.
        With poke, send it after `quiet` seconds without output (a prompt printed before we
        connected is not printed again by itself)."""
        start = len(self.buf)
        while time.monotonic() < self.deadline:
            seen = ANSI.sub(b"", self.buf[start:]).replace(b"\r", b"")
            for n in needles:
                if n in seen:
                    return n
            try:
                d = self.s.recv(4096)
                if not d:
                    raise SystemExit("console closed")
                self.buf += d
                self.last_rx = time.monotonic()
            except socket.timeout:
                if poke is not None and time.monotonic() - self.last_rx > quiet:
                    self.send(poke)
                    self.last_rx = time.monotonic()
        raise TimeoutError("waiting for %r" % (needles,))

    def tail(self):
        return self.clean()[-1500:].decode("utf-8", "replace")


def main():
    path, budget, cmds = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    t0 = time.monotonic()
    c = Console(path, t0 + budget)
    try:
        c.wait([b"Login: "], poke=b"\r")
        print("login-prompt-after %.1f" % (time.monotonic() - t0), flush=True)
        c.send(b"admin+ct\r")
        c.wait([b"Password: "])
        c.send(b"\r")
        while True:
            got = c.wait([b"[Y/n]", b"new password>", b"] > ", b"Login failed"])
            if got == b"[Y/n]":
                c.send(b"n\r")
            elif got == b"new password>":
                c.send(b"\x03")
            elif got == b"Login failed":
                raise SystemExit("login as admin with the empty password was refused")
            else:
                break
        for cmd in cmds:
            mark = len(c.buf)
            c.send(cmd.encode() + b"\r")
            c.wait([b"] > "])
            out = ANSI.sub(b"", c.buf[mark:]).replace(b"\r", b"").decode("utf-8", "replace")
            # What the router printed: the lines between the echoed command and the next prompt.
            lines = [l for l in out.split("\n")[1:-1] if l.strip()]
            if lines:
                raise SystemExit("%s printed: %s" % (cmd, " / ".join(lines)))
            print("ok: %s" % cmd, flush=True)
        c.send(b"/quit\r")
    except (TimeoutError, SystemExit, OSError) as e:
        print("console.py: %s\n--- console tail ---\n%s" % (e, c.tail()), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
