import { afterEach, describe, expect, it, vi } from 'vitest';
import { constants, inflateRawSync } from 'node:zlib';
import { WebSocket, CloseCode, InvalidArgumentError, InvalidStateError, SocketState } from '../../src/index';
import { PerMessageDeflate } from '../../src/transport/deflate';
import { echoServer } from '../helpers/server';
import { rawClient } from '../helpers/rawPeer';
import { until } from '../helpers/wait';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function started(setup?: Parameters<typeof echoServer>[0]): Promise<Awaited<ReturnType<typeof echoServer>>> {
  const s = await echoServer(setup);
  cleanups.push(() => {
    for (const ws of s.server.connections()) ws.abort();
    s.server.close();
  });
  return s;
}

function openClient(port: number): Promise<WebSocket & { got: string[] }> {
  const c = Object.assign(new WebSocket(), { got: [] as string[] });
  cleanups.push(() => c.abort());
  c.on('textMessageReceived', (m) => c.got.push(m));
  c.on('binaryMessageReceived', (m) => c.got.push(`bin:${m.toString('hex')}`));
  return new Promise((resolve, reject) => {
    c.once('connected', () => resolve(c));
    c.once('errorOccurred', () => reject(new Error(c.errorString())));
    c.open(`ws://127.0.0.1:${port}/`);
  });
}

describe('topics on one server (Qt face)', () => {
  it('subscribe, publish to subscribers only, socket.publish skips the sender, unsubscribe', async () => {
    const { server, port, sockets } = await started();
    const clients = await Promise.all([0, 1, 2].map(() => openClient(port)));
    await until(() => sockets.length === 3, 2000, () => `${sockets.length} accepted`);
    const [a, b, c] = sockets;
    expect(a.subscribe('news')).toBe(true);
    expect(a.subscribe('news')).toBe(false);
    expect(b.subscribe('news')).toBe(true);
    expect(b.subscribe('sport')).toBe(true);
    expect(b.subscriptions()).toEqual(['news', 'sport']);
    expect(a.isSubscribed('news')).toBe(true);
    expect(c.isSubscribed('news')).toBe(false);
    expect(c.subscriptions()).toEqual([]);

    expect(server.publish('news', 'hello')).toBe(2);
    expect(server.publish('sport', Buffer.from([1, 2]))).toBe(1);
    expect(server.publish('nobody', 'x')).toBe(0);
    expect(a.publish('news', 'from a')).toBe(1);
    expect(c.publish('news', 'from c')).toBe(2);
    await until(() => clients[1].got.length === 4, 2000, () => JSON.stringify(clients.map((x) => x.got)));
    expect(clients[0].got).toEqual(['hello', 'from c']);
    expect(clients[1].got).toEqual(['hello', 'bin:0102', 'from a', 'from c']);
    expect(clients[2].got).toEqual([]);

    expect(b.unsubscribe('news')).toBe(true);
    expect(b.unsubscribe('news')).toBe(false);
    expect(server.publish('news', 'after')).toBe(1);
    await until(() => clients[0].got.length === 3, 2000, () => JSON.stringify(clients[0].got));
    expect(clients[1].got.length).toBe(4);
  });

  it('publishes and direct sends reach a socket in call order; a subscribe applies to the next publish', async () => {
    const { server, port, sockets } = await started();
    const client = await openClient(port);
    await until(() => sockets.length === 1, 2000, () => 'accepted');
    const ws = sockets[0];
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) {
      if (i === 50) ws.subscribe('t');
      if (i === 150) ws.unsubscribe('t');
      if (i % 3 === 0) {
        ws.sendTextMessage(`d${i}`);
        expected.push(`d${i}`);
      } else if (server.publish('t', `p${i}`) === 1) {
        expected.push(`p${i}`);
      }
    }
    await until(() => client.got.length === expected.length, 3000, () => `${client.got.length}/${expected.length}`);
    expect(client.got).toEqual(expected);
    expect(expected.filter((m) => m.startsWith('p')).length).toBe(67);
  });

  it('a closed socket leaves all its topics; a client socket cannot subscribe', async () => {
    const { server, port, sockets } = await started();
    const clients = await Promise.all([0, 1].map(() => openClient(port)));
    await until(() => sockets.length === 2, 2000, () => 'accepted');
    sockets[0].subscribe('a');
    sockets[0].subscribe('b');
    sockets[1].subscribe('a');
    clients[0].close();
    await until(() => sockets[0].state() === SocketState.UnconnectedState, 2000, () => 'closed');
    expect(sockets[0].subscriptions()).toEqual([]);
    expect(sockets[0].subscribe('c')).toBe(false);
    expect(sockets[0].subscriptions()).toEqual([]);
    expect(server.publish('a', 'x')).toBe(1);
    expect(server.publish('b', 'x')).toBe(0);
    expect(() => clients[1].subscribe('a')).toThrow(InvalidStateError);
    expect(() => clients[1].publish('a', 'x')).toThrow(InvalidStateError);
    expect(clients[1].subscriptions()).toEqual([]);
    // the closed server-side socket opened again is a client: it masks its frames (the server
    // echoes instead of failing it with 1002) and has no topics
    const reopened = sockets[0];
    const echoed = new Promise<string>((resolve) => reopened.once('textMessageReceived', resolve));
    reopened.once('connected', () => reopened.sendTextMessage('as a client'));
    reopened.open(`ws://127.0.0.1:${port}/`);
    expect(await echoed).toBe('as a client');
    expect(() => reopened.subscribe('a')).toThrow(InvalidStateError);
    reopened.abort();
  });

  it('bad topics and messages get clear errors', async () => {
    const { server, port, sockets } = await started();
    await openClient(port);
    await until(() => sockets.length === 1, 2000, () => 'accepted');
    const ws = sockets[0];
    expect(() => ws.subscribe('')).toThrow(/empty/);
    expect(() => ws.subscribe('x'.repeat(1025))).toThrow(/at most 1024/);
    expect(() => ws.subscribe('bad\ud800')).toThrow(/lone surrogate/);
    expect(() => ws.subscribe(42 as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => server.publish('t', { no: 1 } as unknown as string)).toThrow(/string or a Buffer/);
    expect(ws.subscriptions()).toEqual([]);
  });

  it('large messages are fragmented by the server outgoing frame size', async () => {
    const { server, port, sockets } = await started();
    const client = await openClient(port);
    await until(() => sockets.length === 1, 2000, () => 'accepted');
    sockets[0].subscribe('big');
    server.setOutgoingFrameSize(1000);
    const frames: boolean[] = [];
    client.on('binaryFrameReceived', (_f, last) => frames.push(last));
    const big = Buffer.alloc(2500, 7);
    const got = new Promise<Buffer>((r) => client.once('binaryMessageReceived', r));
    expect(server.publish('big', big)).toBe(1);
    expect((await got).equals(big)).toBe(true);
    expect(frames).toEqual([false, false, true]);
  });

  it('a subscriber with a bytesWritten listener hears of the publishes it is written (on the native transport they then go through JS)', async () => {
    const { server, port, sockets } = await started();
    const client = await openClient(port);
    await until(() => sockets.length === 1, 2000, () => 'accepted');
    const ws = sockets[0];
    ws.subscribe('t');
    expect(server.publish('t', 'before')).toBe(1);
    await until(() => client.got.length === 1, 2000, () => 'first publish');
    const written: number[] = [];
    const onWritten = (n: number): void => void written.push(n);
    ws.on('bytesWritten', onWritten);
    expect(server.publish('t', 'hello')).toBe(1);
    await until(() => written.length === 1 && client.got.length === 2, 2000, () => JSON.stringify([written, client.got]));
    expect(written).toEqual([2 + 'hello'.length]);
    ws.off('bytesWritten', onWritten);
    expect(server.publish('t', 'after')).toBe(1);
    await until(() => client.got.length === 3, 2000, () => 'last publish');
    expect(client.got).toEqual(['before', 'hello', 'after']);
    expect(written).toHaveLength(1);
  });
});

describe('topics: permessage-deflate and write caps', () => {
  it('without server context takeover a publish is compressed once for all such subscribers', async () => {
    const { server, port, sockets } = await started((s) => s.setPerMessageDeflate({ serverNoContextTakeover: true, threshold: 64 }));
    const peers = await Promise.all([0, 1, 2].map(() => rawClient(port, '/', 'Sec-WebSocket-Extensions: permessage-deflate\r\n')));
    for (const p of peers) expect(p.response).toMatch(/server_no_context_takeover/);
    await until(() => sockets.length === 3, 2000, () => 'accepted');
    for (const ws of sockets) ws.subscribe('z');
    const compress = vi.spyOn(PerMessageDeflate.prototype, 'compress');
    const text = 'compress me once '.repeat(40);
    expect(server.publish('z', text)).toBe(3);
    expect(compress).toHaveBeenCalledTimes(1);
    for (const p of peers) {
      const f = await p.reader.next();
      expect(f?.rsv).toBe(4); // RSV1: compressed (RFC 7692 §6)
      expect(inflateRawSync(Buffer.concat([f!.payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH }).toString()).toBe(text);
    }
    // below the threshold: sent plain, nothing compressed
    expect(server.publish('z', 'short')).toBe(3);
    expect(compress).toHaveBeenCalledTimes(2);
    for (const p of peers) expect((await p.reader.next())?.rsv).toBe(0);
  });

  it("cap 'close': a subscriber that does not read is failed with 1008, the others keep receiving", async () => {
    const { server, port, sockets } = await started((s) => s.setMaxBufferedBytes(128 * 1024, 'close'));
    const slow = await rawClient(port);
    slow.socket.pause();
    const fast = await openClient(port);
    await until(() => sockets.length === 2, 2000, () => 'accepted');
    for (const ws of sockets) ws.subscribe('flood');
    let fastGot = 0;
    fast.on('binaryMessageReceived', () => fastGot++);
    const chunk = Buffer.alloc(32 * 1024, 1);
    let sent = 0;
    for (let i = 0; i < 300 && sockets[0].state() === SocketState.ConnectedState; i++) {
      server.publish('flood', chunk);
      sent++;
      await new Promise((r) => setImmediate(r));
    }
    expect(sockets[0].state()).not.toBe(SocketState.ConnectedState);
    expect(sockets[0].closeCode()).toBe(CloseCode.CloseCodePolicyViolated);
    expect(sockets[0].bytesToWrite()).toBeLessThan(8 * 1024 * 1024);
    await until(() => fastGot === sent, 5000, () => `${fastGot}/${sent}`);
  });

  it("cap 'pause': a subscriber over its cap misses publishes instead of buffering them", async () => {
    const { server, port, sockets } = await started((s) => s.setMaxBufferedBytes(128 * 1024, 'pause'));
    const slow = await rawClient(port);
    slow.socket.pause();
    await until(() => sockets.length === 1, 2000, () => 'accepted');
    sockets[0].subscribe('flood');
    const chunk = Buffer.alloc(32 * 1024, 1);
    let queued = 0;
    for (let i = 0; i < 400; i++) {
      queued += server.publish('flood', chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect(queued).toBeGreaterThan(0);
    expect(queued).toBeLessThan(400);
    expect(sockets[0].state()).toBe(SocketState.ConnectedState);
    // bounded: the cap plus what one publish and the kernel buffers hold
    expect(sockets[0].bytesToWrite()).toBeLessThan(128 * 1024 + 2 * chunk.length + 1);
  });
});

describe('topics with a broker: the broker goes first', () => {
  it("a publish's local frames are still unsent when a write the broker queued with setImmediate runs, on either transport", async () => {
    const { server, port, sockets } = await started();
    const client = await openClient(port);
    await until(() => sockets.length === 1, 2000, () => `${sockets.length} accepted`);
    const unsentWhenBrokerWrote: number[] = [];
    // a broker client as node-redis is: its write to Redis leaves from a setImmediate queued at publish time
    server.setPubSubBroker({
      maxMessageSize: 1 << 20,
      subscribe: () => {},
      unsubscribe: () => {},
      publish: () => {
        setImmediate(() => unsentWhenBrokerWrote.push(sockets[0].bytesToWrite()));
        return true;
      },
    });
    sockets[0].subscribe('room');
    expect(server.publish('room', 'to all')).toBe(1);
    await until(() => client.got.length === 1, 2000, () => JSON.stringify(client.got));
    expect(client.got).toEqual(['to all']);
    // the frame (2 header bytes + 6) was still ours to write: the broker's write went first
    expect(unsentWhenBrokerWrote).toEqual([8]);
  });
});
