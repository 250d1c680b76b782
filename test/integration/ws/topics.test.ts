/**
 * Topics on the ws face (an addition to ws, issue #16): subscribe/unsubscribe/isSubscribed/
 * subscriptions on server-side sockets, `wss.publish` (local recipients counted) and
 * `ws.publish` (all but the sender), ws's data types with `binary` and `compress`, call order with
 * direct sends, a closed socket leaving its topics, and the write cap on a subscriber that does
 * not read. The registry and framing are the core's (core/topics), shared with the Qt face.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket, type WebSocketServer } from '../../../src/ws/index';
import { InvalidArgumentError, InvalidStateError } from '../../../src/errors';
import { rawClient } from '../../helpers/rawPeer';
import { until } from '../../helpers/wait';
import { cleanup, faceClient, faceServer, useCleanups, withClients } from './helpers';

useCleanups();

describe('topics on the ws face', () => {
  it('publishes to subscribers only, counting them; ws.publish skips the sender; unsubscribe and membership', async () => {
    const { wss, sockets, clients } = await withClients(3);
    expect(sockets[0].subscribe('room')).toBe(true);
    expect(sockets[0].subscribe('room')).toBe(false);
    expect(sockets[1].subscribe('room')).toBe(true);
    sockets[1].subscribe('other');
    expect(sockets[1].subscriptions()).toEqual(['room', 'other']);
    expect(sockets[2].isSubscribed('room')).toBe(false);

    expect(wss.publish('room', 'hello')).toBe(2);
    expect(wss.publish('room', Buffer.from([0xca, 0xfe]))).toBe(2);
    expect(wss.publish('room', 'as bytes', { binary: true })).toBe(2);
    expect(wss.publish('room', new Uint8Array([1, 2]).buffer)).toBe(2);
    expect(sockets[0].publish('room', 'not to me')).toBe(1);
    expect(sockets[1].unsubscribe('room')).toBe(true);
    expect(sockets[1].unsubscribe('room')).toBe(false);
    expect(sockets[1].isSubscribed('room')).toBe(false);
    expect(wss.publish('room', 'last')).toBe(1);
    expect(wss.publish('nobody', 'x')).toBe(0);

    const ascii = Buffer.from('as bytes').toString('hex');
    await until(() => clients[0].got.length === 5 && clients[1].got.length === 5, 3000, () => JSON.stringify(clients.map((c) => c.got)));
    expect(clients[0].got).toEqual(['hello', 'bin:cafe', `bin:${ascii}`, 'bin:0102', 'last']);
    expect(clients[1].got).toEqual(['hello', 'bin:cafe', `bin:${ascii}`, 'bin:0102', 'not to me']);
    expect(clients[2].got).toEqual([]);
  });

  it('publishes and direct sends reach a socket in call order; a subscribe applies to the next publish', async () => {
    const { wss, sockets, clients } = await withClients(1);
    const ws = sockets[0];
    expect(wss.publish('t', 'before')).toBe(0);
    ws.subscribe('t');
    ws.send('a');
    wss.publish('t', 'b');
    ws.send('c');
    wss.publish('t', Buffer.alloc(200 * 1024, 7)); // several frames (the outgoing frame size)
    ws.send('d');
    ws.unsubscribe('t');
    wss.publish('t', 'after');
    ws.send('e');
    await until(() => clients[0].got.length === 6, 3000, () => JSON.stringify(clients[0].got.map((g) => g.slice(0, 12))));
    expect(clients[0].got.map((g) => (g.startsWith('bin:') ? `bin:${g.length}` : g))).toEqual(['a', 'b', 'c', `bin:${4 + 2 * 200 * 1024}`, 'd', 'e']);
  });

  it('a closed socket leaves all its topics; topics are refused on client sockets; bad topics and messages throw', async () => {
    const { wss, sockets, clients } = await withClients(2);
    sockets[0].subscribe('a');
    sockets[0].subscribe('b');
    sockets[1].subscribe('a');
    clients[0].close(1000);
    await once(sockets[0], 'close');
    expect(sockets[0].subscriptions()).toEqual([]);
    expect(sockets[0].subscribe('a')).toBe(false);
    expect(wss.publish('a', 'x')).toBe(1);
    expect(wss.publish('b', 'x')).toBe(0);
    sockets[1].terminate();
    await once(sockets[1], 'close');
    expect(wss.publish('a', 'x')).toBe(0);

    expect(() => clients[1].subscribe('a')).toThrow(InvalidStateError);
    expect(() => clients[1].publish('a', 'x')).toThrow(InvalidStateError);
    expect(clients[1].isSubscribed('a')).toBe(false);
    expect(clients[1].subscriptions()).toEqual([]);
    expect(() => wss.publish('', 'x')).toThrow(InvalidArgumentError);
    expect(() => wss.publish('\uD800', 'x')).toThrow(/lone surrogate/);
    expect(() => wss.publish('t', Buffer.from([0xff]), { binary: false })).toThrow(/valid UTF-8/);
    expect(() => wss.publish('t', Symbol('no') as never)).toThrow(TypeError);
  });

  it('compress: a publish is compressed once for peers without server context takeover; compress false sends it plain', async () => {
    const { wss } = await faceServer({ perMessageDeflate: { serverNoContextTakeover: true, threshold: 64 } });
    const port = (wss.address() as AddressInfo).port;
    const sockets: WebSocket[] = [];
    wss.on('connection', (ws) => sockets.push(ws));
    const peers = await Promise.all([0, 1].map(() => rawClient(port, '/', 'Sec-WebSocket-Extensions: permessage-deflate\r\n')));
    for (const p of peers) cleanup(() => p.socket.destroy());
    await until(() => sockets.length === 2, 3000, () => 'accepted');
    for (const ws of sockets) ws.subscribe('z');
    const text = 'compress me once '.repeat(40);
    expect(wss.publish('z', text)).toBe(2);
    expect(wss.publish('z', text, { compress: false })).toBe(2);
    for (const p of peers) {
      const compressed = await p.reader.next();
      expect(compressed?.rsv).toBe(4); // RSV1: compressed (RFC 7692 §6)
      expect(compressed!.payload.length).toBeLessThan(text.length);
      const plain = await p.reader.next();
      expect(plain?.rsv).toBe(0);
      expect(plain!.payload.toString()).toBe(text);
    }
  });

  it('the write cap: a subscriber that does not read is failed with 1008, another keeps receiving every publish', async () => {
    const { wss, url } = await faceServer();
    const port = (wss.address() as AddressInfo).port;
    const sockets: WebSocket[] = [];
    wss.on('connection', (ws) => sockets.push(ws));
    const slow = await rawClient(port);
    cleanup(() => slow.socket.destroy());
    slow.socket.pause();
    await until(() => sockets.length === 1, 3000, () => 'accepted');
    const fast = await faceClient(url);
    await until(() => sockets.length === 2, 3000, () => 'accepted');
    const errors: Error[] = [];
    sockets[0].on('error', (e) => errors.push(e));
    for (const ws of sockets) ws.subscribe('flood');
    const chunk = Buffer.alloc(64 * 1024, 1);
    let sent = 0;
    // 16 MiB of unsent bytes is the cap; the kernel takes a few MiB more before it
    for (let i = 0; i < 2000 && sockets[0].readyState === WebSocket.OPEN; i++) {
      wss.publish('flood', chunk);
      sent++;
      if (i % 8 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(sockets[0].readyState).not.toBe(WebSocket.OPEN);
    expect((errors[0] as Error & { code?: string })?.code).toBe('QWS_ERR_BUFFER_OVERFLOW');
    await until(() => fast.got.length === sent, 20000, () => `${fast.got.length}/${sent}`);
    expect(sockets[1].readyState).toBe(WebSocket.OPEN);
  });
});

describe('topics on the ws face: a message sent in fragments', () => {
  /** A server socket subscribed to 't', its peer a raw client that reads frames. */
  async function rawSubscriber(): Promise<{ wss: WebSocketServer; ws: WebSocket; peer: Awaited<ReturnType<typeof rawClient>> }> {
    const { wss } = await faceServer();
    const sockets: WebSocket[] = [];
    wss.on('connection', (ws) => sockets.push(ws));
    const peer = await rawClient((wss.address() as AddressInfo).port);
    cleanup(() => peer.socket.destroy());
    await until(() => sockets.length === 1, 3000, () => 'accepted');
    sockets[0].subscribe('t');
    return { wss, ws: sockets[0], peer };
  }

  it('a publish during a message sent in fragments waits for its last fragment (no data frame between fragments, RFC 6455 §5.4)', async () => {
    const { wss, ws, peer } = await rawSubscriber();
    ws.send('one', { fin: false });
    const before = ws.bufferedAmount;
    expect(wss.publish('t', 'published')).toBe(1);
    // the held frame counts as unsent (ws's bufferedAmount, and the write cap)
    expect(ws.bufferedAmount).toBe(before + 2 + 'published'.length);
    await new Promise((r) => setTimeout(r, 20));
    ws.send('two', { fin: false });
    ws.send('three', { fin: true });
    ws.send('after');
    const frames = [];
    for (let i = 0; i < 5; i++) frames.push(await peer.reader.next());
    expect(frames.map((f) => [f?.opcode, f?.fin, f?.payload.toString()])).toEqual([
      [1, false, 'one'],
      [0, false, 'two'],
      [0, true, 'three'],
      [1, true, 'published'],
      [1, true, 'after'],
    ]);
  });

  it('a close during a message sent in fragments drops what waited for it, and nothing follows the close frame', async () => {
    const { wss, ws, peer } = await rawSubscriber();
    ws.send('one', { fin: false });
    expect(wss.publish('t', 'never')).toBe(1);
    ws.close(1000, 'bye');
    const first = await peer.reader.next();
    const second = await peer.reader.next();
    expect([first?.opcode, first?.payload.toString()]).toEqual([1, 'one']);
    expect(second?.opcode).toBe(8);
    expect(second!.payload.readUInt16BE(0)).toBe(1000);
  });
});
