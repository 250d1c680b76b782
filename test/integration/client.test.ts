/**
 * The QWebSocket API member by member, against a raw server built in the test (so the client is
 * tested alone) and against `ws` as an independent peer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { WebSocketServer as WsServer } from 'ws';
import { WebSocket, SocketState, SocketError, CloseCode, Version, InvalidArgumentError, NetworkProxy, ProxyType, PauseMode } from '../../src/index';
import { closePayload, frame, rawServer, type FrameReader } from '../helpers/rawPeer';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function wsEcho(opts: ConstructorParameters<typeof WsServer>[0] = {}): Promise<{ port: number; server: WsServer; lastHeaders: () => Record<string, string | string[] | undefined> }> {
  let headers: Record<string, string | string[] | undefined> = {};
  const server = new WsServer({ host: '127.0.0.1', port: 0, ...opts });
  server.on('connection', (s, req) => {
    headers = req.headers;
    s.on('message', (m, bin) => s.send(m, { binary: bin }));
  });
  await new Promise((r) => server.on('listening', r));
  cleanups.push(() => new Promise((r) => { for (const c of server.clients) c.terminate(); server.close(() => r(undefined)); }));
  return { port: (server.address() as { port: number }).port, server, lastHeaders: () => headers };
}

/** A server that answers the upgrade with exactly `response(key)`. */
async function scriptedServer(response: (key: string) => string): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    let head = '';
    s.on('data', (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
      const r = response(key);
      if (r !== '') s.write(r);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => { sockets.forEach((s) => s.destroy()); server.close(() => r(undefined)); }));
  return (server.address() as { port: number }).port;
}

const accept = (key: string): string => createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
const ok101 = (key: string, extra = ''): string => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n${extra}\r\n`;

function client(origin?: string): WebSocket {
  const c = new WebSocket(origin);
  cleanups.push(() => c.abort());
  return c;
}

function failure(c: WebSocket, url: string, options = {}): Promise<SocketError> {
  return new Promise((resolve) => {
    c.once('errorOccurred', (e) => resolve(e));
    c.open(url, options);
  });
}

function connected(c: WebSocket, target: Parameters<WebSocket['open']>[0], options = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    c.once('connected', () => resolve());
    c.once('errorOccurred', () => reject(new Error(c.errorString())));
    c.open(target, options);
  });
}

/** Raw server whose peer the test drives. */
async function rawPeer(): Promise<{ port: number; peer: Promise<{ socket: Socket; reader: FrameReader }> }> {
  let resolve!: (p: { socket: Socket; reader: FrameReader }) => void;
  const peer = new Promise<{ socket: Socket; reader: FrameReader }>((r) => (resolve = r));
  const srv = await rawServer((socket, reader) => resolve({ socket, reader }));
  cleanups.push(srv.close);
  return { port: srv.port, peer };
}

describe('constructor, version, origin', () => {
  it('a subclass opens, exchanges and closes as the base class does (its private state and helpers serve it)', async () => {
    class Counting extends WebSocket {
      received = 0;
    }
    const { port } = await wsEcho();
    const c = new Counting('http://sub');
    cleanups.push(() => c.abort());
    c.on('textMessageReceived', () => c.received++);
    await connected(c, `ws://127.0.0.1:${port}/`);
    expect(c.origin()).toBe('http://sub');
    const echoed = new Promise<string>((r) => c.once('textMessageReceived', r));
    c.sendTextMessage('through the subclass');
    expect(await echoed).toBe('through the subclass');
    expect(c.received).toBe(1);
    expect(c.requestUrl()).toBe(`ws://127.0.0.1:${port}/`);
    const gone = new Promise<void>((r) => c.once('disconnected', () => r()));
    c.close(CloseCode.CloseCodeNormal, 'done');
    await gone;
    expect(c.state()).toBe(SocketState.UnconnectedState);
  });
  it('only Version13 is supported', () => {
    expect(() => new WebSocket('', Version.Version8)).toThrow(InvalidArgumentError);
    expect(new WebSocket('', Version.VersionLatest).version()).toBe(Version.Version13);
  });
  it('an origin with CR/LF aborts the handshake with ConnectionRefusedError', async () => {
    const { port } = await wsEcho();
    const c = client('http://x\r\nEvil: 1');
    expect(await failure(c, `ws://127.0.0.1:${port}/`)).toBe(SocketError.ConnectionRefusedError);
    expect(c.state()).toBe(SocketState.UnconnectedState);
  });
  it('sends the origin and request headers with the upgrade', async () => {
    const { port, lastHeaders } = await wsEcho();
    const c = client('https://app.example');
    await connected(c, { url: `ws://127.0.0.1:${port}/p?q=1`, headers: { 'X-Token': 'abc' } });
    expect(lastHeaders().origin).toBe('https://app.example');
    expect(lastHeaders()['x-token']).toBe('abc');
    expect(c.origin()).toBe('https://app.example');
    expect(c.requestUrl()).toBe(`ws://127.0.0.1:${port}/p?q=1`);
    expect(c.resourceName()).toBe('/p?q=1');
    expect(c.request().headers).toEqual([['X-Token', 'abc']]);
    expect(c.peerName()).toBe('127.0.0.1');
    expect(c.peerAddress()).toBe('127.0.0.1');
    expect(c.peerPort()).toBe(port);
    expect(c.localAddress()).toBe('127.0.0.1');
    expect(c.localPort()).toBeGreaterThan(0);
    expect(c.isValid()).toBe(true);
  });
});

describe('open() errors', () => {
  it('a URL with CR/LF emits ConnectionRefusedError synchronously', () => {
    const c = client();
    let err: SocketError | null = null;
    c.on('errorOccurred', (e) => (err = e));
    c.open('ws://127.0.0.1:1/\r\nX: y');
    expect(err).toBe(SocketError.ConnectionRefusedError);
    expect(c.errorString()).toMatch(/newline/);
  });
  it('an unsupported scheme is refused', async () => {
    expect(await failure(client(), 'http://127.0.0.1:1/')).toBe(SocketError.UnsupportedSocketOperationError);
  });
  it('connection refused', async () => {
    const port = await scriptedServer(() => '');
    cleanups.splice(0).forEach((c) => c());
    expect(await failure(client(), `ws://127.0.0.1:${port}/`)).toBe(SocketError.ConnectionRefusedError);
  });
  it('an unknown host → HostNotFoundError', async () => {
    expect(await failure(client(), 'ws://no-such-host.invalid/')).toBe(SocketError.HostNotFoundError);
  });
  const cases: Array<[string, (k: string) => string, RegExp]> = [
    ['bad Sec-WebSocket-Accept', (k) => ok101(k).replace(accept(k), 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='), /Accept/],
    ['404 response', () => 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', /404/],
    ['400 response', () => 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n', /400/],
    ['200 instead of 101', () => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', /200/],
    ['missing Upgrade header', (k) => ok101(k).replace('Upgrade: websocket\r\n', ''), /Upgrade/],
    ['missing Connection header', (k) => ok101(k).replace('Connection: Upgrade\r\n', ''), /Connection/],
    ['subprotocol not offered', (k) => ok101(k, 'Sec-WebSocket-Protocol: other\r\n'), /subprotocol/],
    ['extension not offered', (k) => ok101(k, 'Sec-WebSocket-Extensions: permessage-deflate\r\n'), /extension/],
    ['garbage status line', () => 'HELLO\r\n\r\n', /status line/],
  ];
  for (const [name, resp, msg] of cases) {
    it(`${name} → ConnectionRefusedError`, async () => {
      const port = await scriptedServer(resp);
      const c = client();
      const states: SocketState[] = [];
      c.on('stateChanged', (s) => states.push(s));
      expect(await failure(c, `ws://127.0.0.1:${port}/`, { subprotocols: ['chat'] })).toBe(SocketError.ConnectionRefusedError);
      expect(c.errorString()).toMatch(msg);
      expect(states.at(-1)).toBe(SocketState.UnconnectedState);
    });
  }
  it('handshake timeout → SocketTimeoutError', async () => {
    const port = await scriptedServer(() => '');
    expect(await failure(client(), `ws://127.0.0.1:${port}/`, { handshakeTimeoutMs: 150 })).toBe(SocketError.SocketTimeoutError);
  });
  it('a subprotocol that was offered is accepted and reported', async () => {
    const { port } = await wsEcho({ handleProtocols: (p: Set<string>) => (p.has('b') ? 'b' : false) });
    const c = client();
    await connected(c, `ws://127.0.0.1:${port}/`, { subprotocols: ['a', 'b'] });
    expect(c.subprotocol()).toBe('b');
    expect(c.handshakeOptions().subprotocols).toEqual(['a', 'b']);
  });
});

describe('states, messages, frames, ping/pong, close', () => {
  it('goes Unconnected → HostLookup → Connecting → Connected → Closing → Unconnected', async () => {
    const { port } = await wsEcho();
    const c = client();
    const states: SocketState[] = [];
    c.on('stateChanged', (s) => states.push(s));
    await connected(c, `ws://localhost:${port}/`);
    const gone = new Promise<void>((r) => c.once('disconnected', () => r()));
    c.close(CloseCode.CloseCodeNormal, 'bye');
    await gone;
    expect(states).toEqual([SocketState.HostLookupState, SocketState.ConnectingState, SocketState.ConnectedState, SocketState.ClosingState, SocketState.UnconnectedState]);
  });

  it('sendTextMessage/sendBinaryMessage return bytes queued; large ones are fragmented by outgoingFrameSize', async () => {
    const { port, peer } = await rawPeer();
    const c = client();
    await connected(c, `ws://127.0.0.1:${port}/`);
    const { reader } = await peer;
    expect(c.outgoingFrameSize()).toBe(512 * 1024);
    expect(() => c.setOutgoingFrameSize(WebSocket.maxOutgoingFrameSize() + 1)).toThrow(InvalidArgumentError);
    c.setOutgoingFrameSize(4);
    expect(c.sendTextMessage('héllo wörld')).toBe(13);
    const frames = [];
    for (let i = 0; i < 4; i++) frames.push((await reader.next())!);
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.length])).toEqual([[1, false, 4], [0, false, 4], [0, false, 4], [0, true, 1]]);
    expect(Buffer.concat(frames.map((f) => f.payload)).toString()).toBe('héllo wörld');
    expect(c.sendBinaryMessage(Buffer.alloc(5, 1))).toBe(5);
    expect((await reader.next())!.payload.length).toBe(4);
    expect((await reader.next())!.fin).toBe(true);
    expect(c.sendTextMessage('')).toBe(0);
    expect((await reader.next())!.payload.length).toBe(0);
  });

  it('frame signals per frame (text split mid code point decodes right) and message signals per message', async () => {
    const { port, peer } = await rawPeer();
    const c = client();
    const textFrames: Array<[string, boolean]> = [];
    const binFrames: Array<[number, boolean]> = [];
    const messages: string[] = [];
    c.on('textFrameReceived', (f, last) => textFrames.push([f, last]));
    c.on('binaryFrameReceived', (f, last) => binFrames.push([f.length, last]));
    c.on('textMessageReceived', (m) => messages.push(m));
    await connected(c, `ws://127.0.0.1:${port}/`);
    const { socket } = await peer;
    const euro = Buffer.from('a€b');
    socket.write(Buffer.concat([frame(1, euro.subarray(0, 2), { fin: false }), frame(0, euro.subarray(2, 4), { fin: false }), frame(0, euro.subarray(4))]));
    socket.write(Buffer.concat([frame(2, Buffer.alloc(3), { fin: false }), frame(0, Buffer.alloc(2))]));
    await new Promise<void>((r) => c.once('binaryMessageReceived', () => r()));
    expect(textFrames).toEqual([['a', false], ['€', false], ['b', true]]);
    expect(binFrames).toEqual([[3, false], [2, true]]);
    expect(messages).toEqual(['a€b']);
  });

  it('ping clips its payload to 125 bytes; pong carries elapsed ms and the payload; pings are answered', async () => {
    const { port, peer } = await rawPeer();
    const c = client();
    await connected(c, `ws://127.0.0.1:${port}/`);
    const { socket, reader } = await peer;
    c.ping(Buffer.alloc(200, 7));
    const ping = (await reader.next())!;
    expect(ping.opcode).toBe(9);
    expect(ping.payload.length).toBe(125);
    const pong = new Promise<[number, Buffer]>((r) => c.once('pong', (ms, p) => r([ms, p])));
    await new Promise((r) => setTimeout(r, 30));
    socket.write(frame(10, ping.payload));
    const [ms, payload] = await pong;
    expect(ms).toBeGreaterThanOrEqual(25);
    expect(payload.equals(ping.payload)).toBe(true);
    socket.write(frame(9, 'are you there'));
    const answer = (await reader.next())!;
    expect([answer.opcode, answer.payload.toString()]).toEqual([10, 'are you there']);
  });

  it('close(): reason cut to 123 bytes on a code-point boundary, pending writes first; our code and reason stay (Qt)', async () => {
    const { port, peer } = await rawPeer();
    const c = client();
    await connected(c, `ws://127.0.0.1:${port}/`);
    const { socket, reader } = await peer;
    let about = 0;
    c.on('aboutToClose', () => about++);
    c.sendTextMessage('last words');
    c.close(CloseCode.CloseCodeGoingAway, 'é'.repeat(100));
    expect(c.state()).toBe(SocketState.ClosingState);
    expect(about).toBe(1);
    expect((await reader.next())!.payload.toString()).toBe('last words');
    const cf = (await reader.next())!;
    expect(cf.opcode).toBe(8);
    expect(cf.payload.readUInt16BE(0)).toBe(1001);
    expect(cf.payload.length - 2).toBe(122); // 61 × 2 bytes: 123 would split a character
    expect(cf.payload.subarray(2).toString()).toBe('é'.repeat(61));
    expect(c.sendTextMessage('too late')).toBe(0);
    const gone = new Promise<void>((r) => c.once('disconnected', () => r()));
    socket.end(frame(8, closePayload(4000, 'ok')));
    await gone;
    // we started the close: Qt keeps our code and reason, the peer's answer does not replace them
    expect(c.closeCode()).toBe(1001);
    expect(c.closeReason()).toBe('é'.repeat(61)); // as sent, cut to 123 bytes
    expect(() => c.close(1005 as CloseCode)).not.toThrow();
  });

  it('closeCode 1005 when the peer sends an empty close, 1006 on abnormal loss', async () => {
    const a = await rawPeer();
    const c1 = client();
    await connected(c1, `ws://127.0.0.1:${a.port}/`);
    const p1 = await a.peer;
    const d1 = new Promise<void>((r) => c1.once('disconnected', () => r()));
    p1.socket.end(frame(8));
    await d1;
    expect(c1.closeCode()).toBe(CloseCode.CloseCodeMissingStatusCode);
    const b = await rawPeer();
    const c2 = client();
    const errs: SocketError[] = [];
    c2.on('errorOccurred', (e) => errs.push(e));
    await connected(c2, `ws://127.0.0.1:${b.port}/`);
    const p2 = await b.peer;
    const d2 = new Promise<void>((r) => c2.once('disconnected', () => r()));
    p2.socket.write(frame(2, Buffer.alloc(10)).subarray(0, 6)); // dies mid-frame
    p2.socket.destroy();
    await d2;
    expect(c2.closeCode()).toBe(CloseCode.CloseCodeAbnormalDisconnection);
    expect(errs).toEqual([SocketError.RemoteHostClosedError]);
  });

  it('close() with a code that may not be sent throws', async () => {
    const { port } = await wsEcho();
    const c = client();
    await connected(c, `ws://127.0.0.1:${port}/`);
    expect(() => c.close(1006 as CloseCode)).toThrow(InvalidArgumentError);
    expect(c.state()).toBe(SocketState.ConnectedState);
  });

  it('abort() is immediate and drops the write buffer', async () => {
    const { port, peer } = await rawPeer();
    const c = client();
    await connected(c, `ws://127.0.0.1:${port}/`);
    const { reader } = await peer;
    c.sendBinaryMessage(Buffer.alloc(1 << 20));
    let disc = 0;
    c.on('disconnected', () => disc++);
    c.abort();
    expect(c.state()).toBe(SocketState.UnconnectedState);
    expect(disc).toBe(1);
    expect(c.bytesToWrite()).toBe(0);
    expect(await reader.next()).toBeNull();
  });
});

describe('limits, flow, masking', () => {
  it('maxAllowedIncomingFrameSize/MessageSize: range-checked, and over the limit → 1009 at the header', async () => {
    const c = client();
    // our defaults (64 MiB), well under Qt's maximum (README "Limits and defaults")
    expect(c.maxAllowedIncomingFrameSize()).toBe(64 * 1024 * 1024);
    expect(c.maxAllowedIncomingMessageSize()).toBe(64 * 1024 * 1024);
    expect(WebSocket.maxIncomingFrameSize()).toBe(2147483646);
    expect(() => c.setMaxAllowedIncomingFrameSize(WebSocket.maxIncomingFrameSize() + 1)).toThrow(InvalidArgumentError);
    expect(() => c.setMaxAllowedIncomingMessageSize(-1)).toThrow(InvalidArgumentError);
    c.setMaxAllowedIncomingFrameSize(1000);
    const { port, peer } = await rawPeer();
    await connected(c, `ws://127.0.0.1:${port}/`);
    const { socket, reader } = await peer;
    // only the header of a 1 GiB frame: the client must refuse before any payload arrives
    socket.write(Buffer.from([0x82, 127, 0, 0, 0, 0, 0x40, 0, 0, 0]));
    const f = (await reader.next())!;
    expect(f.payload.readUInt16BE(0)).toBe(1009);
    const m = client();
    m.setMaxAllowedIncomingMessageSize(10);
    const b = await rawPeer();
    await connected(m, `ws://127.0.0.1:${b.port}/`);
    const pb = await b.peer;
    pb.socket.write(Buffer.concat([frame(1, 'abcdef', { fin: false }), frame(0, 'ghijkl')]));
    expect((await pb.reader.next())!.payload.readUInt16BE(0)).toBe(1009);
  });

  it('bytesToWrite, flush and bytesWritten', async () => {
    const { port } = await wsEcho();
    const c = client();
    await connected(c, `ws://127.0.0.1:${port}/`);
    const written: number[] = [];
    c.on('bytesWritten', (n) => written.push(n));
    c.sendBinaryMessage(Buffer.alloc(1000));
    expect(c.bytesToWrite()).toBeGreaterThanOrEqual(1000);
    expect(c.flush()).toBe(true);
    expect(c.flush()).toBe(false);
    await new Promise<void>((r) => c.once('binaryMessageReceived', () => r()));
    expect(written.reduce((a, b) => a + b, 0)).toBe(1000 + 8); // 2-byte header + 2-byte length + 4-byte mask
  });

  it('setReadBufferSize: reading pauses after the budget each turn, and everything still arrives', async () => {
    const { port, peer } = await rawPeer();
    const c = client();
    expect(c.readBufferSize()).toBe(0);
    c.setReadBufferSize(1024);
    expect(c.readBufferSize()).toBe(1024);
    expect(() => c.setReadBufferSize(-5)).toThrow(InvalidArgumentError);
    await connected(c, `ws://127.0.0.1:${port}/`);
    const { socket } = await peer;
    let got = 0;
    const all = new Promise<void>((r) => c.on('binaryMessageReceived', () => ++got === 200 && r()));
    for (let i = 0; i < 200; i++) socket.write(frame(2, Buffer.alloc(500)));
    await all;
    expect(got).toBe(200);
  });

  it('setMaskGenerator: its keys are used on the wire; null restores the default', async () => {
    const { port, peer } = await rawPeer();
    const c = client();
    let seeded = 0;
    const gen = { seed: () => (seeded++, true), nextMask: () => 0x04030201 };
    c.setMaskGenerator(gen);
    expect(seeded).toBe(1);
    expect(c.maskGenerator()).toBe(gen);
    await connected(c, `ws://127.0.0.1:${port}/`);
    const { socket } = await peer;
    const raw = new Promise<Buffer>((r) => socket.once('data', r));
    c.sendBinaryMessage(Buffer.from([0, 0, 0, 0]));
    const bytes = await raw;
    expect([...bytes.subarray(2, 6)]).toEqual([1, 2, 3, 4]); // the key
    expect([...bytes.subarray(6, 10)]).toEqual([1, 2, 3, 4]); // zeros XOR key
    c.setMaskGenerator(null);
    expect(c.maskGenerator()).not.toBe(gen);
    expect(() => c.setMaskGenerator({ seed: () => false, nextMask: () => 0 })).toThrow(InvalidArgumentError);
  });

  it('TLS and proxy members exist with Qt names and keep their settings', () => {
    const c = client();
    c.setProxy(new NetworkProxy(ProxyType.NoProxy));
    expect(c.proxy().type()).toBe(ProxyType.NoProxy);
    c.setPauseMode(PauseMode.PauseOnSslErrors);
    expect(c.pauseMode()).toBe(PauseMode.PauseOnSslErrors);
    c.setSslConfiguration({ ciphers: 'HIGH' });
    expect(c.sslConfiguration().ciphers).toBe('HIGH');
    for (const m of ['ignoreSslErrors', 'continueInterruptedHandshake', 'resume'] as const) expect(typeof c[m]).toBe('function');
  });

  it('a socket without an errorOccurred listener does not crash the process', async () => {
    const c = new WebSocket();
    c.open('ws://127.0.0.1:1/');
    await new Promise((r) => setTimeout(r, 100));
    expect(c.error()).toBe(SocketError.ConnectionRefusedError);
  });
});

describe('against ws: a long stream', () => {
  it('thousands of interleaved fragmented messages with pings between arrive complete and in order', async () => {
    const { port } = await wsEcho();
    const c = client();
    c.setOutgoingFrameSize(7);
    await connected(c, `ws://127.0.0.1:${port}/`);
    const n = 3000;
    const got: string[] = [];
    let pongs = 0;
    c.on('pong', () => pongs++);
    const done = new Promise<void>((r) => c.on('textMessageReceived', (m) => { got.push(m); if (got.length === n) r(); }));
    for (let i = 0; i < n; i++) {
      c.sendTextMessage(`message ${i} ${'€'.repeat(i % 13)}`);
      if (i % 100 === 0) c.ping(Buffer.from(String(i)));
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    await done;
    expect(got).toEqual(Array.from({ length: n }, (_, i) => `message ${i} ${'€'.repeat(i % 13)}`));
    expect(pongs).toBe(30);
  });
});
