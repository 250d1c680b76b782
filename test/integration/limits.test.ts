/**
 * Our defaults that bound one peer (issue #14, README "Limits and defaults"), each at its edge:
 * exactly at the limit passes, one byte over fails. Incoming frame and message sizes (1009 at the
 * header), the cap on unsent bytes checked at send time (1008, unsent bytes freed; a lone larger
 * message still goes out), bytesToWrite() exactness and the drained signal, and the pending
 * queue (handleUpgrade with a callback; closed connections leave the queue).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { WebSocket, WebSocketServer, SslMode, CloseCode, SocketState, InvalidArgumentError } from '../../src/index';
import { echoServer } from '../helpers/server';
import { frame, rawClient, rawServer, type FrameReader } from '../helpers/rawPeer';
import { until } from '../helpers/wait';
import { openSocket } from '../helpers/client';

const MiB = 1024 * 1024;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function echo(setup?: (s: WebSocketServer) => void): Promise<Awaited<ReturnType<typeof echoServer>>> {
  const e = await echoServer(setup);
  cleanups.push(() => e.server.close());
  return e;
}

const openClient = (url: string, setup?: (c: WebSocket) => void): Promise<WebSocket> => openSocket(url, cleanups, setup);

/** A raw client (upgraded) and the server-side WebSocket it got. */
async function rawPair(setup?: (s: WebSocketServer) => void): Promise<{ ws: WebSocket; reader: FrameReader; socket: import('node:net').Socket }> {
  const { port, sockets } = await echo(setup);
  const { socket, reader } = await rawClient(port);
  cleanups.push(() => socket.destroy());
  await until(() => sockets.length === 1, 5000, () => 'server connection');
  return { ws: sockets[0], reader, socket };
}

async function closeCodeOf(reader: FrameReader): Promise<number> {
  for (;;) {
    const f = await reader.next(10000);
    if (f === null) throw new Error('closed without a close frame');
    if (f.opcode === 8) return f.payload.readUInt16BE(0);
  }
}

describe('defaults', () => {
  it('client and server sockets: 64 MiB frames and messages, 16 MiB unsent, watermarks 1 MiB / 256 KiB', async () => {
    const c = new WebSocket();
    expect([c.maxAllowedIncomingFrameSize(), c.maxAllowedIncomingMessageSize(), c.maxBufferedBytes()]).toEqual([64 * MiB, 64 * MiB, 16 * MiB]);
    expect([c.writeHighWatermark(), c.writeLowWatermark()]).toEqual([MiB, 256 * 1024]);
    const s = new WebSocketServer('d', SslMode.NonSecureMode);
    expect([s.maxAllowedIncomingFrameSize(), s.maxAllowedIncomingMessageSize(), s.maxBufferedBytes()]).toEqual([64 * MiB, 64 * MiB, 16 * MiB]);
    const { ws } = await rawPair();
    expect([ws.maxAllowedIncomingFrameSize(), ws.maxBufferedBytes()]).toEqual([64 * MiB, 16 * MiB]);
  });

  it('a default server takes a 64 MiB frame and refuses 64 MiB + 1 at the header', async () => {
    const { ws, socket, reader } = await rawPair();
    const got = new Promise<Buffer>((r) => ws.once('binaryMessageReceived', r));
    socket.write(frame(2, Buffer.alloc(64 * MiB, 5), { mask: true }));
    const m = await got;
    expect(m.length).toBe(64 * MiB);
    expect(m[64 * MiB - 1]).toBe(5);
    // the echo comes back (64 MiB is over the 16 MiB cap, but it goes out alone)
    let echoed = 0;
    while (echoed < 64 * MiB) echoed += (await reader.next(20000))!.payload.length;
    expect(echoed).toBe(64 * MiB);
    // only the header of a 64 MiB + 1 frame: refused before any payload
    socket.write(Buffer.from([0x82, 0x80 | 127, 0, 0, 0, 0, 0x04, 0, 0, 1, 0, 0, 0, 0]));
    expect(await closeCodeOf(reader)).toBe(1009);
  });
});

describe('incoming size limits at the edge', () => {
  it('frame: exactly maxAllowedIncomingFrameSize passes, one byte more → 1009', async () => {
    const { ws, socket, reader } = await rawPair((s) => s.setMaxAllowedIncomingFrameSize(1000));
    socket.write(frame(2, Buffer.alloc(1000, 1), { mask: true }));
    expect((await reader.next())!.payload.length).toBe(1000);
    socket.write(frame(2, Buffer.alloc(1001, 1), { mask: true }));
    expect(await closeCodeOf(reader)).toBe(1009);
    expect(ws.closeCode()).toBe(CloseCode.CloseCodeTooMuchData);
  });

  it('message: exactly maxAllowedIncomingMessageSize in fragments passes, one byte more → 1009 at that header', async () => {
    const { socket, reader } = await rawPair((s) => s.setMaxAllowedIncomingMessageSize(3000));
    const piece = Buffer.alloc(1000, 2);
    socket.write(Buffer.concat([frame(2, piece, { mask: true, fin: false }), frame(0, piece, { mask: true, fin: false }), frame(0, piece, { mask: true })]));
    expect((await reader.next())!.payload.length).toBe(3000);
    socket.write(Buffer.concat([frame(2, piece, { mask: true, fin: false }), frame(0, piece, { mask: true, fin: false })]));
    // the header of the last fragment (1001 bytes) is refused before its payload arrives
    socket.write(Buffer.from([0x80, 0x80 | 126, 0x03, 0xe9, 0, 0, 0, 0]));
    expect(await closeCodeOf(reader)).toBe(1009);
  });

  it('the client side too, and raising the limit back lets bigger frames in', async () => {
    const { port, close } = await rawServer((socket) => {
      socket.write(frame(2, Buffer.alloc(2000, 3)));
    });
    cleanups.push(close);
    const c = await openClient(`ws://127.0.0.1:${port}/`, (w) => w.setMaxAllowedIncomingFrameSize(1999));
    await until(() => c.state() !== SocketState.ConnectedState, 5000, () => 'client fails');
    expect(c.closeCode()).toBe(CloseCode.CloseCodeTooMuchData);
    let got: Promise<unknown[]> | null = null;
    await openClient(`ws://127.0.0.1:${port}/`, (w) => {
      w.setMaxAllowedIncomingFrameSize(1999);
      w.setMaxAllowedIncomingFrameSize(2000);
      got = once(w, 'binaryMessageReceived'); // the frame comes with the 101
    });
    expect(((await got!)[0] as Buffer).length).toBe(2000);
  });
});

describe('messages in many pieces', () => {
  it('200,000 one-byte frames, and one 1 MiB frame in 64-byte writes, arrive intact', async () => {
    const { ws, socket } = await rawPair();
    const got: Buffer[] = [];
    ws.on('binaryMessageReceived', (m) => got.push(Buffer.from(m)));
    const n = 200_000;
    const frames = Buffer.concat(Array.from({ length: n }, (_, i) => frame(i === 0 ? 2 : 0, Buffer.from([i & 0xff]), { mask: true, fin: i === n - 1 })));
    socket.write(frames);
    const big = Buffer.alloc(MiB);
    for (let i = 0; i < MiB; i++) big[i] = (i * 7) & 0xff;
    const wire = frame(2, big, { mask: true });
    for (let off = 0; off < wire.length; off += 64) {
      socket.write(wire.subarray(off, off + 64));
      if ((off & 0xffff) === 0) await new Promise((r) => setImmediate(r)); // separate socket reads
    }
    await until(() => got.length === 2, 20000, () => `messages ${got.length}`);
    expect(got[0].length).toBe(n);
    for (let i = 0; i < n; i += 997) expect(got[0][i]).toBe(i & 0xff);
    expect(got[1].equals(big)).toBe(true);
  });
});

describe('unsent bytes: the cap at send time', () => {
  it('a synchronous loop reaching exactly the cap is sent; one byte more fails with 1008 and frees every unsent byte', async () => {
    const { ws, reader } = await rawPair((s) => s.setMaxBufferedBytes(1000));
    const p = Buffer.alloc(98, 7); // + 2 header bytes = 100 bytes each on the wire
    for (let i = 0; i < 10; i++) expect(ws.sendBinaryMessage(p)).toBe(98);
    expect(ws.bytesToWrite()).toBe(1000);
    for (let i = 0; i < 10; i++) expect((await reader.next())!.payload.length).toBe(98);
    await until(() => ws.bytesToWrite() === 0, 5000, () => 'drained');
    for (let i = 0; i < 10; i++) ws.sendBinaryMessage(p);
    expect(ws.sendBinaryMessage(Buffer.alloc(1))).toBe(0);
    expect(ws.closeCode()).toBe(CloseCode.CloseCodePolicyViolated);
    expect(ws.state()).toBe(SocketState.ClosingState);
    expect(ws.sendBinaryMessage(p)).toBe(0);
    // the ten unsent messages were dropped: the close frame is the next thing on the wire
    const f = (await reader.next())!;
    expect([f.opcode, f.payload.readUInt16BE(0)]).toEqual([8, 1008]);
  });

  it('one message larger than the cap goes out when nothing waits; the cap then applies on top of it', async () => {
    const { ws, reader } = await rawPair((s) => s.setMaxBufferedBytes(1000));
    expect(ws.sendBinaryMessage(Buffer.alloc(5000, 1))).toBe(5000);
    expect(ws.sendBinaryMessage(Buffer.alloc(98, 2))).toBe(98);
    expect((await reader.next())!.payload.length).toBe(5000);
    expect((await reader.next())!.payload.length).toBe(98);
    expect(ws.state()).toBe(SocketState.ConnectedState);
  });

  it('text counts its UTF-8 bytes; the client side (masked frames) is capped too', async () => {
    const { port } = await echo();
    const c = await openClient(`ws://127.0.0.1:${port}/`, (w) => w.setMaxBufferedBytes(1000));
    const t = 'é'.repeat(47); // 94 bytes + 6 header bytes (masked) = 100
    for (let i = 0; i < 10; i++) expect(c.sendTextMessage(t)).toBe(94);
    expect(c.bytesToWrite()).toBe(1000);
    const closing = once(c, 'disconnected');
    expect(c.sendTextMessage('x')).toBe(0);
    expect(c.closeCode()).toBe(CloseCode.CloseCodePolicyViolated);
    await closing;
  });

  it('default cap: a synchronous loop of 1 MiB sends stops after 15 (16 MiB), client side as well', async () => {
    const { ws } = await rawPair();
    let accepted = 0;
    for (let i = 0; i < 100; i++) if (ws.sendBinaryMessage(Buffer.alloc(MiB)) > 0) accepted++;
    expect(accepted).toBe(15); // 15 x (1 MiB + 10 header bytes) <= 16 MiB < 16 x
    expect(ws.closeCode()).toBe(CloseCode.CloseCodePolicyViolated);
    const { port } = await echo();
    const c = await openClient(`ws://127.0.0.1:${port}/`);
    let sent = 0;
    for (let i = 0; i < 100; i++) if (c.sendBinaryMessage(Buffer.alloc(MiB)) > 0) sent++;
    expect(sent).toBe(15);
    expect(c.bytesToWrite()).toBeLessThan(MiB);
  });

  it('0 lifts the cap; the pause policy keeps the connection open', async () => {
    const { ws } = await rawPair((s) => s.setMaxBufferedBytes(0));
    for (let i = 0; i < 40; i++) expect(ws.sendBinaryMessage(Buffer.alloc(MiB))).toBe(MiB);
    expect(ws.bytesToWrite()).toBeGreaterThan(40 * MiB);
    const b = await rawPair((s) => s.setMaxBufferedBytes(1000, 'pause'));
    for (let i = 0; i < 20; i++) expect(b.ws.sendBinaryMessage(Buffer.alloc(98))).toBe(98);
    expect(b.ws.state()).toBe(SocketState.ConnectedState);
    expect(() => b.ws.setMaxBufferedBytes(-1)).toThrow(InvalidArgumentError);
  });

  it('a peer that floods pings and never reads is failed once the pongs exceed the cap', async () => {
    const { ws, socket } = await rawPair((s) => s.setMaxBufferedBytes(64 * 1024));
    socket.pause();
    const ping = frame(9, Buffer.alloc(125), { mask: true });
    const burst = Buffer.concat(Array.from({ length: 1000 }, () => ping));
    for (let i = 0; i < 200 && ws.state() === SocketState.ConnectedState; i++) {
      socket.write(burst);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(ws.closeCode()).toBe(CloseCode.CloseCodePolicyViolated);
  });
});

describe('bytesToWrite() and drained', () => {
  it('bytesToWrite() counts exactly the frame bytes queued, and falls to 0 once written', async () => {
    const { ws } = await rawPair();
    ws.sendBinaryMessage(Buffer.alloc(100));
    expect(ws.bytesToWrite()).toBe(102);
    ws.sendTextMessage('abc');
    expect(ws.bytesToWrite()).toBe(107);
    ws.sendBinaryMessage(Buffer.alloc(70000));
    expect(ws.bytesToWrite()).toBe(107 + 70010);
    await until(() => ws.bytesToWrite() === 0, 5000, () => `bytesToWrite ${ws.bytesToWrite()}`);
  });

  it('drained fires once when a slow reader brings unsent bytes to the low mark after the high mark', async () => {
    const { ws, socket } = await rawPair((s) => s.setMaxBufferedBytes(0));
    ws.setWriteWatermarks(512 * 1024, 64 * 1024);
    expect(() => ws.setWriteWatermarks(10, 11)).toThrow(InvalidArgumentError);
    let drained = 0;
    let atDrain = -1;
    ws.on('drained', () => {
      drained++;
      atDrain = ws.bytesToWrite();
    });
    socket.pause();
    ws.sendBinaryMessage(Buffer.alloc(100));
    await new Promise((r) => setTimeout(r, 50));
    expect(drained).toBe(0); // never above the high mark
    // more than the kernel's loopback buffers hold, so some stays with us while the peer is paused
    for (let i = 0; i < 32; i++) ws.sendBinaryMessage(Buffer.alloc(MiB));
    expect(ws.bytesToWrite()).toBeGreaterThan(512 * 1024);
    await new Promise((r) => setTimeout(r, 100));
    expect(drained).toBe(0); // the peer reads nothing yet
    socket.resume();
    await until(() => drained > 0, 5000, () => 'drained');
    expect(atDrain).toBeLessThanOrEqual(64 * 1024);
    await until(() => ws.bytesToWrite() === 0, 5000, () => 'all written');
    expect(drained).toBe(1);
  });
});

describe('pending queue', () => {
  it('handleUpgrade with a callback hands the connection over: not queued, not counted', async () => {
    const http = createServer();
    const wss = new WebSocketServer('fw');
    wss.setMaxPendingConnections(1);
    const handed: WebSocket[] = [];
    let newConnection = 0;
    wss.on('newConnection', () => newConnection++);
    http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => handed.push(ws)));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => http.close(r)));
    cleanups.push(() => wss.close());
    const port = (http.address() as { port: number }).port;
    const clients = await Promise.all([1, 2, 3].map(() => openClient(`ws://127.0.0.1:${port}/`)));
    await until(() => handed.length === 3, 5000, () => `handed ${handed.length}`);
    expect(wss.hasPendingConnections()).toBe(false);
    expect(newConnection).toBe(0);
    for (const c of clients) c.abort();
  });

  it('a queued connection that closes leaves the queue at once, and a full queue accepts again', async () => {
    const server = new WebSocketServer('q');
    server.setMaxPendingConnections(1);
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    cleanups.push(() => server.close());
    const url = `ws://127.0.0.1:${server.serverPort()}/`;
    const first = await openClient(url);
    await until(() => server.hasPendingConnections(), 5000, () => 'queued');
    // the queue is full: the next client waits unaccepted
    const second = new WebSocket();
    cleanups.push(() => second.abort());
    second.open(url);
    await new Promise((r) => setTimeout(r, 100));
    expect(second.state()).not.toBe(SocketState.ConnectedState);
    first.abort();
    await until(() => second.state() === SocketState.ConnectedState, 5000, () => 'second accepted after the first left');
    const ws = server.nextPendingConnection();
    expect(ws).not.toBeNull();
    expect(ws!.state()).toBe(SocketState.ConnectedState);
    expect(server.nextPendingConnection()).toBeNull();
  });
});

describe('examples/backpressure.mjs', () => {
  it('runs: 64 MiB streamed with the drained pattern, unsent bytes never above the high mark + one chunk', async () => {
    const { execFile } = await import('node:child_process');
    const script = new URL('../../examples/backpressure.mjs', import.meta.url).pathname;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [script], { timeout: 60000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))));
    expect(out).toContain('client: received 64 MiB');
    const m = /waited for drained (\d+) times, most unsent at once ([\d.]+) MiB/.exec(out);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![2])).toBeLessThanOrEqual(1 + 64 / 1024 + 0.01);
  }, 70000);
});
