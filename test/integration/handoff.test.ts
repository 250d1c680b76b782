/**
 * Nothing a client sends after its handshake is lost before the server's user has the socket:
 * frames in the same TCP read as the upgrade request (http's `head`, or what the transport read
 * after the 101), and frames that arrive while the connection waits in the pending queue, reach
 * listeners attached after nextPendingConnection() or in the handleUpgrade callback, in order.
 * Runs on the native transport and on net.Socket (QWS_TRANSPORT=node).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { createServer as createHttp } from 'node:http';
import { WebSocketServer, type WebSocket } from '../../src/index';
import { upgradeRequest } from '../helpers/server';
import { afterUpgradeResponse, frame, type FrameReader } from '../helpers/rawPeer';
import { until as untilFor } from '../helpers/wait';

const until = (cond: () => boolean, what: string, ms = 5000): Promise<void> => untilFor(cond, ms, () => what);

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Masked text frames m0..m(n-1). */
function texts(n: number, prefix = 'm'): Buffer[] {
  return Array.from({ length: n }, (_, i) => frame(1, `${prefix}${i}`, { mask: true }));
}

/** Sends the upgrade request and `after` in ONE write; resolves with a reader of the frames after the 101. */
async function upgradeWith(port: number, after: Buffer[], path = '/'): Promise<{ socket: Socket; reader: FrameReader }> {
  const socket = connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  socket.on('error', () => {});
  socket.write(Buffer.concat([Buffer.from(upgradeRequest(port, {}, path)), ...after]));
  return { socket, reader: (await afterUpgradeResponse(socket)).reader };
}

function collect(ws: WebSocket): string[] {
  const got: string[] = [];
  ws.on('textMessageReceived', (m) => got.push(m));
  return got;
}

describe('server hand-off: nothing sent after the handshake is lost', () => {
  it('listen(): frames in the same write as the upgrade request reach listeners attached in newConnection', async () => {
    const server = new WebSocketServer('handoff');
    const seen: string[][] = [];
    server.on('newConnection', () => {
      const ws = server.nextPendingConnection()!;
      seen.push(collect(ws));
    });
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    cleanups.push(() => server.close());
    await upgradeWith(server.serverPort(), texts(20));
    await until(() => seen.length === 1 && seen[0].length === 20, 'the 20 early messages');
    expect(seen[0]).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });

  it('attach(): the http upgrade head reaches listeners attached in newConnection', async () => {
    const http = createHttp((_req, res) => res.end('plain'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => http.close(r)));
    const wss = new WebSocketServer('attached');
    wss.attach(http, { path: '/ws' });
    cleanups.push(() => wss.close());
    const seen: string[][] = [];
    wss.on('newConnection', () => seen.push(collect(wss.nextPendingConnection()!)));
    await upgradeWith((http.address() as { port: number }).port, texts(5), '/ws');
    await until(() => seen.length === 1 && seen[0].length === 5, 'the 5 early messages');
    expect(seen[0]).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('handleUpgrade(cb): the head reaches listeners attached in the callback', async () => {
    const http = createHttp();
    const wss = new WebSocketServer('fw');
    const seen: string[][] = [];
    http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => seen.push(collect(ws))));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => http.close(r)));
    cleanups.push(() => wss.close());
    const { reader } = await upgradeWith((http.address() as { port: number }).port, texts(3));
    await until(() => seen.length === 1 && seen[0].length === 3, 'the 3 early messages');
    expect(seen[0]).toEqual(['m0', 'm1', 'm2']);
    expect(reader.closed).toBe(false);
  });

  it('frames that arrive while the connection waits in the pending queue are delivered after nextPendingConnection, in order', async () => {
    const server = new WebSocketServer('queue');
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    cleanups.push(() => server.close());
    const { socket, reader } = await upgradeWith(server.serverPort(), texts(3, 'a'));
    await until(() => server.hasPendingConnections(), 'queued');
    socket.write(Buffer.concat(texts(3, 'b')));
    // a ping now: the session answers it while the connection waits (the pong proves these bytes were read)
    socket.write(frame(9, 'p', { mask: true }));
    const pong = await reader.next();
    expect(pong?.opcode).toBe(10);
    const ws = server.nextPendingConnection()!;
    const got = collect(ws);
    ws.on('textMessageReceived', (m) => ws.sendTextMessage(`re:${m}`));
    await until(() => got.length === 6, 'the 6 held messages');
    expect(got).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2']);
    // and later ones come after them
    socket.write(frame(1, 'late', { mask: true }));
    await until(() => got.length === 7, 'the late message');
    expect(got[6]).toBe('late');
    expect((await reader.next())?.payload.toString()).toBe('re:a0');
  });

  it('a connection flooded while it waits stops being read past the held bound, and delivers everything once taken', { timeout: 60000 }, async () => {
    const server = new WebSocketServer('flood');
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    cleanups.push(() => server.close());
    const { socket } = await upgradeWith(server.serverPort(), []);
    await until(() => server.hasPendingConnections(), 'queued');
    // 32 MiB in 64 KiB messages: more than the held bound plus what the kernel buffers
    const n = 512;
    const payload = (i: number): Buffer => Buffer.alloc(65536, i & 0xff);
    for (let i = 0; i < n; i++) socket.write(frame(2, payload(i), { mask: true }));
    await new Promise((r) => setTimeout(r, 500));
    // the server stopped reading: the client still holds unsent bytes
    expect(socket.writableLength).toBeGreaterThan(0);
    const ws = server.nextPendingConnection()!;
    const got: Buffer[] = [];
    ws.on('binaryMessageReceived', (m) => got.push(m));
    await until(() => got.length === n, `${n} messages`, 30000);
    for (let i = 0; i < n; i++) expect(got[i].equals(payload(i)), `message ${i}`).toBe(true);
  });

  it('a peer close held in the queue comes after the held messages: messages, then disconnected', async () => {
    const server = new WebSocketServer('queue-close');
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    cleanups.push(() => server.close());
    const { socket, reader } = await upgradeWith(server.serverPort(), texts(2));
    await until(() => server.hasPendingConnections(), 'queued');
    const ws = server.nextPendingConnection()!;
    const order: string[] = [];
    ws.on('textMessageReceived', (m) => order.push(m));
    ws.on('disconnected', () => order.push('disconnected'));
    await until(() => order.length === 2, 'the 2 messages');
    socket.write(frame(8, Buffer.from([0x03, 0xe8]), { mask: true }));
    await until(() => order.length === 3, 'disconnected');
    expect(order).toEqual(['m0', 'm1', 'disconnected']);
    expect(ws.closeCode()).toBe(1000);
    expect((await reader.next())?.opcode).toBe(8);
  });
});
