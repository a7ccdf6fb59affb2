#!/usr/bin/env python3
"""One TLS connection kept alive across a server's certificate reload.

usage: tls_client.py PORT CA_FILE GATE_FILE
Sends GET /healthz, prints "first STATUS CN", waits (up to 20 s) until GATE_FILE
exists, sends a second GET on the same connection, prints "second STATUS".
"""
import os
import socket
import ssl
import sys
import time

port, cafile, gate = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
raw = socket.create_connection(("127.0.0.1", port), timeout=10)
conn = ctx.wrap_socket(raw, server_hostname="localhost")


def get():
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return "closed"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        body += conn.recv(4096)
    return head.split(b" ")[1].decode()


cn = dict(x[0] for x in conn.getpeercert()["subject"])["commonName"]
print("first", get(), cn, flush=True)
deadline = time.monotonic() + 20
while not os.path.exists(gate) and time.monotonic() < deadline:
    time.sleep(0.01)
print("second", get(), flush=True)
