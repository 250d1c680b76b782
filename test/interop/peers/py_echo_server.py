"""Echo server on Python's `websockets` (Debian python3-websockets), for interop tests.
Prints 'PORT <n>' once listening; echoes text and binary; closes with the client's code."""
import asyncio
import sys

import websockets


async def echo(ws, path=None):
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass


async def main():
    async with websockets.serve(echo, "127.0.0.1", 0, max_size=None, compression=None) as server:
        port = list(server.sockets)[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
