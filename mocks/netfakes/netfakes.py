#!/usr/bin/env python3
"""Loopback stand-ins for the demo's network checks (.ci/demo), all on
127.0.15.x so that no packet leaves the machine:

  127.0.15.2:53     a DNS server (UDP) that knows only mcr.demo.test
  127.0.15.3:3128   an HTTP proxy that answers every CONNECT with 403
  127.0.15.60:6443  a listener: an address something already holds

Runs until stdin reaches end of file (the demo keeps a pipe open), then exits.
"""
import socket
import struct
import sys
import threading

KNOWN = {"mcr.demo.test": "127.0.15.20"}


def dns_answer(q):
    if len(q) < 12:
        return None
    qid, _flags, qd = struct.unpack(">HHH", q[:6])
    i, labels = 12, []
    while i < len(q) and q[i] != 0:
        n = q[i]
        labels.append(q[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += n + 1
    question = q[12:i + 5]
    name = ".".join(labels).lower()
    ip = KNOWN.get(name)
    flags = 0x8180 if ip else 0x8183  # response, RD, RA; NXDOMAIN when unknown
    head = struct.pack(">HHHHHH", qid, flags, 1, 1 if ip else 0, 0, 0)
    body = question
    if ip:
        body += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(ip)
    return head + body


def dns():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.15.2", 53))
    while True:
        q, peer = s.recvfrom(4096)
        a = dns_answer(q)
        if a:
            s.sendto(a, peer)


def proxy_client(c):
    with c:
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 8192:
            chunk = c.recv(1024)
            if not chunk:
                return
            data += chunk
        c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")


def serve(addr, handler):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handler, args=(c,), daemon=True).start()


for target, args in [
    (dns, ()),
    (serve, (("127.0.15.3", 3128), proxy_client)),
    (serve, (("127.0.15.60", 6443), lambda c: c.close())),
]:
    threading.Thread(target=target, args=args, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
