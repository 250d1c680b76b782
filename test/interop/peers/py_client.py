"""Client on Python's `websockets` (Debian python3-websockets) for interop tests against our server.

Usage: py_client.py URL MODE
  echo          sends text (exact UTF-8 byte sizes, multibyte) and binary messages of several sizes,
                checks every echo, pings, then closes with code 4000 and reason 'py done ✓'
  server-close  sends 'close-me', then waits for the server to close and reports its code/reason

Prints one JSON line with what it saw; the test asserts on it.
"""
import asyncio
import json
import sys

import websockets

SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20]
# 1-, 2-, 3- and 4-byte UTF-8 sequences, so that frame and chunk boundaries fall inside characters
PATTERN = "aé€😀"


def text_of(n):
    """A string whose UTF-8 encoding is exactly n bytes, full of multibyte characters."""
    out = []
    size = 0
    i = 0
    while True:
        ch = PATTERN[i % len(PATTERN)]
        b = len(ch.encode("utf-8"))
        if size + b > n:
            break
        out.append(ch)
        size += b
        i += 1
    out.append("x" * (n - size))
    return "".join(out)


def bytes_of(n):
    return bytes((i * 7 + n) & 0xFF for i in range(n))


async def echo(url):
    results = []
    async with websockets.connect(url, max_size=None, compression=None) as ws:
        for n in SIZES:
            text = text_of(n)
            await ws.send(text)
            got = await ws.recv()
            results.append({"kind": "text", "size": n, "ok": isinstance(got, str) and got == text,
                            "got_bytes": len(got.encode("utf-8")) if isinstance(got, str) else -1})
            data = bytes_of(n)
            await ws.send(data)
            got = await ws.recv()
            results.append({"kind": "binary", "size": n, "ok": isinstance(got, bytes) and got == data,
                            "got_bytes": len(got) if isinstance(got, bytes) else -1})
        waiter = await ws.ping(b"py-ping")
        await asyncio.wait_for(waiter, 5)
        pong_ok = True
        await ws.close(code=4000, reason="py done ✓")
        print(json.dumps({"results": results, "pong_ok": pong_ok,
                          "close_code": ws.close_code, "close_reason": ws.close_reason}), flush=True)


async def server_close(url):
    async with websockets.connect(url, max_size=None, compression=None) as ws:
        await ws.send("close-me")
        got = []
        try:
            while True:
                got.append(await ws.recv())
        except websockets.ConnectionClosed:
            pass
        print(json.dumps({"received": got, "close_code": ws.close_code, "close_reason": ws.close_reason}),
              flush=True)


if __name__ == "__main__":
    url, mode = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "echo"
    asyncio.run(echo(url) if mode == "echo" else server_close(url))
