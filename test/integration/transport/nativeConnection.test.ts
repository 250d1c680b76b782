/**
 * The native transport (src/transport/native, native/io): sockets are taken over from Node
 * after the handshake, on the server (listen and attach) and the client side. Under
 * QWS_TRANSPORT=node (or without the addon) the same exchanges run on net.Socket and the
 * takeover checks are skipped with the reason the transport gives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { fstatSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { createServer as createHttp } from 'node:http';
import { WebSocket, WebSocketServer } from '../../../src/index';
import { echoServer, upgradeRequest } from '../../helpers/server';
import { FrameReader, frame, rawClient } from '../../helpers/rawPeer';
import { nativeConnectionsOnPort, nativeTransportStatus, newReadBuffer } from '../../../src/transport/native/nativeIo';
import { IoEvent } from '../../../src/codec/constants';

const native = nativeTransportStatus() === 'native';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A frame reader for what follows the server's 101 response. */
function afterResponse(socket: Socket): Promise<FrameReader> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      if (!head.toString('latin1', 0, 12).startsWith('HTTP/1.1 101')) reject(new Error('upgrade refused'));
      else resolve(new FrameReader(socket, head.subarray(end + 4)));
    };
    socket.on('data', onData);
  });
}

describe('native transport', () => {
  it('is used where the addon has it, or says why not', () => {
    if (process.env.QWS_TRANSPORT === 'node') expect(nativeTransportStatus()).toBe('disabled by QWS_TRANSPORT=node');
    // vitest's thread pool (the emulated runs) puts this on a worker thread; scripts/native-echo-check.cjs covers the main thread there
    else if (!isMainThread) expect(nativeTransportStatus()).toMatch(/main thread only/);
    else if (process.platform === 'linux' && process.env.QWS_NO_NATIVE !== '1') expect(nativeTransportStatus()).toBe('native');
    else expect(nativeTransportStatus()).not.toBe('');
  });

  it.runIf(native)('takes the server side over: Node holds no socket for it, the echo works', async () => {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    const { socket, reader } = await rawClient(port);
    cleanups.push(() => socket.destroy());
    await until(() => sockets.length === 1 && nativeConnectionsOnPort(port) === 1, 'the takeover');
    socket.write(frame(1, 'over native', { mask: true }));
    expect((await reader.next())?.payload.toString()).toBe('over native');
    expect(sockets[0].peerPort()).toBe(socket.localPort);
    expect(sockets[0].localPort()).toBe(port);
    expect(sockets[0].peerAddress()).toBe('127.0.0.1');
  });

  it.runIf(native)('listen() on an IP address: the addon listens and accepts (no net.Server), requests are checked, the echo works', async () => {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    type Handle = { address?: () => unknown; getConnections?: unknown };
    const handles = (process as unknown as { _getActiveHandles(): Handle[] })._getActiveHandles();
    const netServers = handles.filter((h) => typeof h.getConnections === 'function' && (h.address?.() as { port?: number } | null)?.port === port);
    expect(netServers).toEqual([]);
    const { socket, reader } = await rawClient(port);
    cleanups.push(() => socket.destroy());
    await until(() => sockets.length === 1, 'the connection');
    socket.write(frame(1, 'accepted natively', { mask: true }));
    expect((await reader.next())?.payload.toString()).toBe('accepted natively');
    // a refused request is answered from the native side too
    const refused = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      s.on('close', () => resolve(got));
      s.write(upgradeRequest(port, { 'Sec-WebSocket-Version': '8' }));
    });
    expect(refused.startsWith('HTTP/1.1 400')).toBe(true);
    expect(refused).toContain('Sec-WebSocket-Version: 13');
    // Qt's socketDescriptor(): the listening socket's descriptor
    const fd = server.socketDescriptor();
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(fstatSync(fd).isSocket()).toBe(true);
  });

  it('the 101 carries a non-ASCII server name as UTF-8, as socket.write(string) does', async () => {
    const { server, port } = await echoServer((s) => s.setServerName('sérvér ✓'));
    cleanups.push(() => server.close());
    const { socket, response } = await rawClient(port);
    cleanups.push(() => socket.destroy());
    expect(Buffer.from(response, 'latin1').toString('utf8')).toContain('\r\nServer: sérvér ✓');
  });

  it('frames sent in the same write as the upgrade request are not lost in the takeover', async () => {
    const { server, port } = await echoServer();
    cleanups.push(() => server.close());
    const socket: Socket = connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    // pings: the session answers them before any application listener exists
    const pings = Array.from({ length: 50 }, (_, i) => frame(9, Buffer.alloc(60 + i, i), { mask: true }));
    socket.write(Buffer.concat([Buffer.from(upgradeRequest(port)), ...pings]));
    const reader = await afterResponse(socket);
    for (let i = 0; i < 50; i++) {
      const f = await reader.next();
      expect(f?.opcode).toBe(10);
      expect(f?.payload.length).toBe(60 + i);
      expect(f?.payload.every((b) => b === i)).toBe(true);
    }
  });

  it('messages spanning many reads, and many messages in one read, arrive whole and in order', async () => {
    const { server, port } = await echoServer();
    cleanups.push(() => server.close());
    const { socket, reader } = await rawClient(port);
    cleanups.push(() => socket.destroy());
    // 1 MiB in 64 KiB fragments (more than the 512 KiB shared read buffer), then 2,000 small
    // messages in one write (more records than one batch holds)
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const frags: Buffer[] = [];
    for (let off = 0; off < big.length; off += 65536) {
      frags.push(frame(off === 0 ? 2 : 0, big.subarray(off, off + 65536), { mask: true, fin: off + 65536 >= big.length }));
    }
    socket.write(Buffer.concat(frags));
    const small = Array.from({ length: 2000 }, (_, i) => frame(1, `s${i}`, { mask: true }));
    socket.write(Buffer.concat(small));
    // the echo comes back in outgoingFrameSize (512 KiB) frames
    const parts: Buffer[] = [];
    for (let f = await reader.next(10000); f !== null; f = f.fin ? null : await reader.next(10000)) parts.push(f.payload);
    expect(Buffer.concat(parts).equals(big)).toBe(true);
    for (let i = 0; i < 2000; i++) expect((await reader.next())?.payload.toString()).toBe(`s${i}`);
  });

  it('binary messages a handler keeps stay intact while later reads fill and replace the read buffer', async () => {
    const server = new WebSocketServer('keeper');
    const kept: Buffer[] = [];
    server.on('newConnection', () => {
      const ws = server.nextPendingConnection()!;
      ws.on('binaryMessageReceived', (m) => kept.push(m));
    });
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    cleanups.push(() => server.close());
    const { socket } = await rawClient(server.serverPort());
    cleanups.push(() => socket.destroy());
    // 3,000 × 1 KiB, each filled with its own pattern: about 6 shared read buffers' worth
    const n = 3000;
    const pattern = (i: number): Buffer => Buffer.alloc(1024, `${i}:`);
    for (let i = 0; i < n; i += 100) {
      socket.write(Buffer.concat(Array.from({ length: 100 }, (_, j) => frame(2, pattern(i + j), { mask: true }))));
    }
    await until(() => kept.length === n, `${n} messages`, 10000);
    for (let i = 0; i < n; i++) expect(kept[i].equals(pattern(i)), `message ${i}`).toBe(true);
  });

  it('small messages sent over many ticks to a peer that does not read arrive intact and in order (queued bytes are copied before their batch bytes are reused)', async () => {
    const server = new WebSocketServer('writer');
    // everything may wait unsent at once: no 1008 for it
    server.setMaxBufferedBytes(64 * 1024 * 1024);
    let sender: WebSocket | null = null;
    server.on('newConnection', () => {
      sender = server.nextPendingConnection();
    });
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    cleanups.push(() => server.close());
    const { socket, reader } = await rawClient(server.serverPort());
    cleanups.push(() => socket.destroy());
    socket.pause();
    await until(() => sender !== null, 'the server side');
    // 24,000 × 1,000 B (more than loopback's socket buffers take), 200 per tick, each its own pattern
    const n = 24000;
    const pattern = (i: number): Buffer => Buffer.alloc(1000, `${i}.`);
    let most = 0;
    for (let i = 0; i < n; i += 200) {
      for (let j = i; j < i + 200; j++) (sender as unknown as WebSocket).sendBinaryMessage(pattern(j));
      await new Promise((r) => setImmediate(r));
      most = Math.max(most, (sender as unknown as WebSocket).bytesToWrite());
    }
    // the kernel stopped taking bytes: later writes were queued (copied) while the batch moved on
    expect(most).toBeGreaterThan(0);
    socket.resume();
    for (let i = 0; i < n; i++) {
      const f = await reader.next(10000);
      if (!f?.payload.equals(pattern(i))) expect.fail(`message ${i} differs: ${f?.opcode} ${f?.payload.length} ${f?.payload.subarray(0, 16).toString()}`);
    }
  });

  it('publish keeps each subscriber\'s order with its own sends and its close (frames collected for one native write)', async () => {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    const peers = await Promise.all([rawClient(port), rawClient(port), rawClient(port)]);
    for (const p of peers) cleanups.push(() => p.socket.destroy());
    await until(() => sockets.length === 3, 'three connections');
    for (const ws of sockets) ws.subscribe('t');
    expect(server.publish('t', 'a')).toBe(3);
    sockets[0].sendTextMessage('own');
    expect(server.publish('t', 'b')).toBe(3);
    sockets[1].close(1000, 'bye');
    expect(server.publish('t', Buffer.from('c'))).toBe(2);
    const seen = async (i: number): Promise<string[]> => {
      const out: string[] = [];
      for (;;) {
        const f = await peers[i].reader.next();
        if (f === null) return out;
        out.push(f.opcode === 8 ? `close:${f.payload.readUInt16BE(0)}` : f.payload.toString());
        if (out.length === (i === 1 ? 3 : 3 + (i === 0 ? 1 : 0))) return out;
      }
    };
    expect(await seen(0)).toEqual(['a', 'own', 'b', 'c']);
    expect(await seen(1)).toEqual(['a', 'b', 'close:1000']);
    expect(await seen(2)).toEqual(['a', 'b', 'c']);
  });

  it.runIf(native)('a publish collected for a socket that closes before it is written never reaches the connection that reuses its id', async () => {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    const a = await rawClient(port);
    cleanups.push(() => a.socket.destroy());
    await until(() => sockets.length === 1, 'the connection');
    sockets[0].subscribe('t');
    // from the check phase: the collected publish is written in the next loop iteration, A's id
    // is released in this one's close phase, and B is accepted (taking that id) in between
    const b = await new Promise<Socket>((resolve) =>
      setImmediate(() => {
        expect(server.publish('t', 'for A only')).toBe(1);
        sockets[0].abort();
        const s = connect(port, '127.0.0.1');
        s.write(upgradeRequest(port));
        resolve(s);
      }),
    );
    cleanups.push(() => b.destroy());
    const reader = await afterResponse(b);
    b.write(frame(1, 'first for B', { mask: true }));
    expect((await reader.next())?.payload.toString()).toBe('first for B');
  });

  it.runIf(native)('takes over sockets upgraded by an application http server (attach)', async () => {
    const http = createHttp((_req, res) => res.end('plain'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    const wss = new WebSocketServer('attached');
    wss.attach(http, { path: '/ws' });
    const got: string[] = [];
    wss.on('newConnection', () => {
      const ws = wss.nextPendingConnection()!;
      ws.on('textMessageReceived', (m) => ws.sendTextMessage(`re:${m}`));
    });
    cleanups.push(() => new Promise((r) => http.close(r)));
    cleanups.push(() => wss.close());
    const client = new WebSocket();
    cleanups.push(() => client.abort());
    client.on('textMessageReceived', (m) => got.push(m));
    client.open(`ws://127.0.0.1:${port}/ws`);
    await until(() => client.isValid(), 'connected');
    client.sendTextMessage('hello');
    await until(() => got.length === 1, 'the reply');
    expect(got).toEqual(['re:hello']);
    // both sides are native: the server's connection (local port = the http port) and the
    // client's (remote port = the http port)
    expect(nativeConnectionsOnPort(port)).toBe(1);
    // the http server still counts it, as Node counts an upgraded socket
    const conns = await new Promise<number>((r, j) => http.getConnections((e, n) => (e ? j(e) : r(n))));
    expect(conns).toBe(1);
  });

  it("an http server's close() waits for its upgraded WebSocket connections, as Node does for upgraded sockets", async () => {
    const http = createHttp();
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    const wss = new WebSocketServer('attached');
    wss.attach(http);
    cleanups.push(() => wss.close());
    const taken: WebSocket[] = [];
    wss.on('newConnection', () => taken.push(wss.nextPendingConnection()!));
    const client = new WebSocket();
    cleanups.push(() => client.abort());
    client.open(`ws://127.0.0.1:${port}/`);
    await until(() => client.isValid() && taken.length === 1, 'connected');
    const count = (): Promise<number> => new Promise((r, j) => http.getConnections((e, n) => (e ? j(e) : r(n))));
    expect(await count()).toBe(1);
    let closed = false;
    http.close(() => (closed = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(closed).toBe(false);
    // the connection still works while the server waits for it
    const echoed = new Promise<string>((r) => client.once('textMessageReceived', r));
    taken[0].on('textMessageReceived', (m) => taken[0].sendTextMessage(m));
    client.sendTextMessage('still here');
    expect(await echoed).toBe('still here');
    client.close();
    await until(() => closed, 'the http server closed after its last connection');
    expect(await count()).toBe(0);
  });

  it('a peer that resets mid-connection: disconnected, with RemoteHostClosedError', async () => {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    const { socket } = await rawClient(port);
    await until(() => sockets.length === 1, 'the connection');
    const ws = sockets[0];
    let disconnected = false;
    ws.on('disconnected', () => (disconnected = true));
    socket.resetAndDestroy();
    await until(() => disconnected, 'disconnected');
    expect(ws.closeCode()).toBe(1006);
    expect(ws.errorString()).toMatch(/Connection lost|closed the connection/);
  });
});

describe('a one-frame message split across reads', () => {
  const pattern = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

  it('arrives intact, held where it was read on the native transport, and stays intact after later reads', async () => {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    const { socket } = await rawClient(port);
    cleanups.push(() => socket.destroy());
    await until(() => sockets.length === 1, 'the connection');
    const got: Buffer[] = [];
    sockets[0].on('binaryMessageReceived', (m) => got.push(m));
    const sent = [0, 1, 2].map((seed) => pattern(100_000, seed));
    for (const payload of sent) {
      const wire = frame(0x2, payload, { mask: true });
      // four writes, far enough apart to be four reads
      for (let at = 0; at < wire.length; at += 30_000) {
        socket.write(wire.subarray(at, at + 30_000));
        await pause();
      }
    }
    await until(() => got.length === 3, 'three messages');
    // the first one's bytes were not read over by the reads that came after it
    got.forEach((m, i) => expect(m.equals(sent[i])).toBe(true));
    if (native) expect(got[0].buffer.byteLength).toBe(IoEvent.READ_BUFFER_SIZE);
  });

  it('two connections whose reads interleave: each message arrives intact', async () => {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    const peers = [await rawClient(port), await rawClient(port)];
    for (const p of peers) cleanups.push(() => p.socket.destroy());
    await until(() => sockets.length === 2, 'two connections');
    const got: Buffer[][] = [[], []];
    sockets.forEach((s, i) => s.on('binaryMessageReceived', (m) => got[i].push(m)));
    const sent = [pattern(60_000, 3), pattern(60_000, 5)];
    const wires = sent.map((p) => frame(0x2, p, { mask: true }));
    for (const half of [0, 1]) {
      for (let i = 0; i < 2; i++) {
        peers[i].socket.write(wires[i].subarray(half * 30_000, half === 0 ? 30_000 : undefined));
        await pause();
      }
    }
    await until(() => got[0].length === 1 && got[1].length === 1, 'both messages');
    expect(got[0][0].equals(sent[0])).toBe(true);
    expect(got[1][0].equals(sent[1])).toBe(true);
  });

  /** `count` connections to an echo server, each collecting its binary messages. */
  async function peersOf(count: number): Promise<{ peers: Array<Awaited<ReturnType<typeof rawClient>>>; sockets: WebSocket[]; got: Buffer[][] }> {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    const peers = [];
    for (let i = 0; i < count; i++) {
      const p = await rawClient(port);
      cleanups.push(() => p.socket.destroy());
      peers.push(p);
    }
    await until(() => sockets.length === count, `${count} connections`);
    const got: Buffer[][] = sockets.map(() => []);
    sockets.forEach((s, i) => s.on('binaryMessageReceived', (m) => got[i].push(m)));
    return { peers, sockets, got };
  }

  /** Writes each wire in pieces of `piece` bytes, round robin over the connections, a read each. */
  async function interleaved(peers: Array<{ socket: Socket }>, wires: Buffer[], piece: number): Promise<void> {
    for (let at = 0; wires.some((w) => at < w.length); at += piece) {
      for (let i = 0; i < peers.length; i++) {
        if (at >= wires[i].length) continue;
        peers[i].socket.write(wires[i].subarray(at, at + piece));
        await pause();
      }
    }
  }

  it('connections whose reads interleave: each message is held where it was read (the room after its first piece kept for it) and stays intact', async () => {
    const { peers, got } = await peersOf(3);
    // reads start at the beginning of a buffer with room for all of it (no new buffer between)
    const read = native ? newReadBuffer() : null;
    const sent = [pattern(70_000, 1), pattern(70_000, 2), pattern(70_000, 3)];
    await interleaved(peers, sent.map((p) => frame(0x2, p, { mask: true })), 20_000);
    await until(() => got.every((g) => g.length === 1), 'three messages');
    // and a second round after them: later reads go after the first messages, not over them
    const again = [pattern(50_000, 4), pattern(50_000, 5), pattern(50_000, 6)];
    await interleaved(peers, again.map((p) => frame(0x2, p, { mask: true })), 15_000);
    await until(() => got.every((g) => g.length === 2), 'six messages');
    got.forEach((g, i) => {
      expect(g[0].equals(sent[i])).toBe(true);
      expect(g[1].equals(again[i])).toBe(true);
    });
    // views of the read buffer, not copies
    if (native) for (const g of got) for (const m of g) expect(m.buffer === read!.buffer).toBe(true);
  });

  it('a new read buffer between the pieces of held messages: the room kept for them is dropped, each message is copied out intact', async () => {
    const { peers, got } = await peersOf(3);
    if (native) newReadBuffer();
    const sent = [pattern(80_000, 7), pattern(80_000, 8), pattern(150_000, 9)];
    const wires = sent.map((p) => frame(0x2, p, { mask: true }));
    for (const i of [0, 1]) {
      peers[i].socket.write(wires[i].subarray(0, 30_000));
      await pause();
    }
    // (as when another connection's read finds the buffer full: its SLAB replaces it)
    if (native) newReadBuffer();
    // reads from the start of the new buffer, over where the old one had room kept
    peers[2].socket.write(wires[2]);
    await until(() => got[2].length === 1, 'the third message');
    for (const i of [0, 1]) {
      peers[i].socket.write(wires[i].subarray(30_000));
      await pause();
    }
    await until(() => got.every((g) => g.length === 1), 'all messages');
    got.forEach((g, i) => expect(g[0].equals(sent[i])).toBe(true));
  });

  it('connections closed while the room after a held piece is kept for them: the next connections are held in place too', async () => {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    if (native) newReadBuffer();
    // more connections of each kind than reservations can be open at once: one that closes must
    // give its own up
    for (let i = 0; i < 70; i++) {
      const { socket } = await rawClient(port);
      await until(() => sockets.length === i + 1, 'the connection');
      let disconnected = false;
      sockets[i].on('disconnected', () => (disconnected = true));
      socket.write(frame(0x2, pattern(3_000, i), { mask: true }).subarray(0, 1_500));
      await pause();
      // closed by the server (the socket closes with the room kept) or by the peer (its read ends)
      if (i % 2 === 0) sockets[i].abort();
      else socket.destroy();
      await until(() => disconnected, 'closed');
      socket.destroy();
    }
    const more = await peersOf(2);
    const sent = [pattern(20_000, 9), pattern(20_000, 10)];
    await interleaved(more.peers, sent.map((p) => frame(0x2, p, { mask: true })), 5_000);
    await until(() => more.got.every((g) => g.length === 1), 'both messages');
    more.got.forEach((g, i) => expect(g[0].equals(sent[i])).toBe(true));
    if (native) for (const g of more.got) expect(g[0].buffer.byteLength).toBe(IoEvent.READ_BUFFER_SIZE);
  });
});
