#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# vici-hostile.py SOCKET MODEFILE — a VICI socket that is not charon: for
# each connection it reads the mode from MODEFILE (so one onshid can meet
# every mode in turn) and misbehaves that way. Written from strongSwan's
# published wire format (a 32-bit big-endian length, a type byte, ...),
# not from onshi's codec.
#   broken   answers the first request with a segment whose message holds
#            an element type that does not exist (9)
#   huge     answers with a length field of 2 GiB
#   silent   reads and never answers
#   close    closes the connection at once
#   partial  answers with half a segment, then nothing
#   unknown  answers every request with CMD_UNKNOWN / EVENT_UNKNOWN
import os
import socket
import struct
import sys
import threading

path, modefile = sys.argv[1], sys.argv[2]


def read_segment(conn):
    head = b""
    while len(head) < 4:
        chunk = conn.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    (n,) = struct.unpack(">I", head)
    body = b""
    while len(body) < n:
        chunk = conn.recv(n - len(body))
        if not chunk:
            return None
        body += chunk
    return body


def segment(payload):
    return struct.pack(">I", len(payload)) + payload


def serve(conn):
    with open(modefile) as f:
        mode = f.read().strip()
    try:
        if mode == "close":
            return
        while True:
            req = read_segment(conn)
            if req is None:
                return
            if mode == "silent":
                continue
            if mode == "broken":
                # CMD_RESPONSE, then element type 9
                conn.sendall(segment(bytes([1, 9, 0, 0])))
            elif mode == "huge":
                conn.sendall(struct.pack(">I", 0x7FFFFFFF) + bytes([1]))
            elif mode == "partial":
                conn.sendall(struct.pack(">I", 40) + bytes([1, 3, 7]))
            elif mode == "unknown":
                # a registration (type 3) gets EVENT_UNKNOWN (6), a
                # command CMD_UNKNOWN (2)
                conn.sendall(segment(bytes([6 if req[0] == 3 else 2])))
    except OSError:
        pass
    finally:
        conn.close()


if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
