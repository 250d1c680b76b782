"""Client on Python's `websockets` for interop tests: connects to argv[1], sends text and binary
messages of several sizes, checks the echoes, then closes with code 4000 and reason 'py done'.
Prints one JSON line with what it saw."""
import asyncio
import json
import sys

import websockets


async def main(url):
    sizes = [0, 1, 125, 126, 65535, 65536, 1 << 20]
    ok = 0
    async with websockets.connect(url, max_size=None, compression=None) as ws:
        for n in sizes:
            text = "é" * (n // 2)
            await ws.send(text)
            if await ws.recv() == text:
                ok += 1
            data = bytes((i * 7) & 0xFF for i in range(n))
            await ws.send(data)
            if await ws.recv() == data:
                ok += 1
        pong = await ws.ping(b"py-ping")
        await asyncio.wait_for(pong, 5)
        await ws.close(code=4000, reason="py done")
        print(json.dumps({"ok": ok, "expected": 2 * len(sizes), "close_code": ws.close_code}), flush=True)


asyncio.run(main(sys.argv[1]))
