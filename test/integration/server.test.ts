import { afterEach, describe, expect, it } from 'vitest';
import { createServer as createHttp } from 'node:http';
import { connect } from 'node:net';
import WsClient from 'ws';
import { WebSocket, WebSocketServer, SslMode, SocketError, SocketState, CloseCode, Version } from '../../src/index';
import { echoServer, rawExchange, upgradeRequest } from '../helpers/server';
import { frame, rawClient } from '../helpers/rawPeer';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function openClient(url: string, options = {}): Promise<WebSocket> {
  const c = new WebSocket();
  cleanups.push(() => c.abort());
  return new Promise((resolve, reject) => {
    c.once('connected', () => resolve(c));
    c.once('errorOccurred', () => reject(new Error(c.errorString())));
    c.open(url, options);
  });
}

function nextMessage(c: WebSocket): Promise<string> {
  return new Promise((r) => c.once('textMessageReceived', r));
}

describe('WebSocketServer: listening', () => {
  it('listens on a free port and reports address, port, url; close() emits closed', async () => {
    const server = new WebSocketServer('srv', SslMode.NonSecureMode);
    expect(server.isListening()).toBe(false);
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    expect(server.isListening()).toBe(true);
    expect(server.serverAddress()).toBe('127.0.0.1');
    expect(server.serverPort()).toBeGreaterThan(0);
    expect(server.serverUrl()).toBe(`ws://127.0.0.1:${server.serverPort()}`);
    expect(server.secureMode()).toBe(SslMode.NonSecureMode);
    expect(server.supportedVersions()).toEqual([Version.Version13]);
    let closed = false;
    server.on('closed', () => (closed = true));
    server.close();
    expect(closed).toBe(true);
    expect(server.isListening()).toBe(false);
  });

  it('listen() resolves false with AddressInUseError when the port is taken', async () => {
    const a = await echoServer();
    cleanups.push(() => a.server.close());
    const b = new WebSocketServer('b');
    expect(await b.listen('127.0.0.1', a.port)).toBe(false);
    expect(b.error()).toBe(SocketError.AddressInUseError);
    expect(b.errorString()).not.toBe('');
  });

  it('SecureMode without a certificate fails clearly', async () => {
    const s = new WebSocketServer('s', SslMode.SecureMode);
    expect(await s.listen('127.0.0.1', 0)).toBe(false);
    expect(s.error()).toBe(SocketError.SslInvalidUserDataError);
  });
});

describe('WebSocketServer: connections', () => {
  it("a server connection's request(): the URL and the headers as the client sent them", async () => {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    const { socket } = await rawClient(port, '/room/7?x=1', 'X-Token:  abc \r\nx-token: second\r\n');
    cleanups.push(() => socket.destroy());
    await new Promise<void>((r) => {
      const check = (): void => (sockets.length === 1 ? r() : void setTimeout(check, 10));
      check();
    });
    const req = sockets[0].request();
    expect(req.url).toBe(`ws://127.0.0.1:${port}/room/7?x=1`);
    expect(req.headers[0]).toEqual(['Host', `127.0.0.1:${port}`]);
    expect(req.headers.slice(-2)).toEqual([['X-Token', 'abc'], ['x-token', 'second']]);
    expect(req.headers.map(([k]) => k)).toContain('Sec-WebSocket-Key');
  });

  it('queues connections: newConnection, hasPendingConnections, nextPendingConnection', async () => {
    const server = new WebSocketServer('q');
    cleanups.push(() => server.close());
    await server.listen('127.0.0.1', 0);
    const got = new Promise<void>((r) => server.once('newConnection', () => r()));
    const c = await openClient(`ws://127.0.0.1:${server.serverPort()}/chat?room=1`);
    await got;
    expect(server.hasPendingConnections()).toBe(true);
    const ws = server.nextPendingConnection()!;
    expect(ws).not.toBeNull();
    expect(server.hasPendingConnections()).toBe(false);
    expect(server.nextPendingConnection()).toBeNull();
    expect(ws.state()).toBe(SocketState.ConnectedState);
    expect(ws.resourceName()).toBe('/chat?room=1');
    expect(ws.requestUrl()).toBe(`ws://127.0.0.1:${server.serverPort()}/chat?room=1`);
    expect(ws.peerAddress()).toBe('127.0.0.1');
    expect(ws.peerPort()).toBe(c.localPort());
    expect(ws.localPort()).toBe(server.serverPort());
    ws.on('textMessageReceived', (m) => ws.sendTextMessage(m.toUpperCase()));
    const reply = nextMessage(c);
    c.sendTextMessage('hello');
    expect(await reply).toBe('HELLO');
  });

  it('echoes for the ws package as an independent client', async () => {
    const { server, port } = await echoServer();
    cleanups.push(() => server.close());
    const ws = new WsClient(`ws://127.0.0.1:${port}/`);
    const msgs: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => {
        ws.send('a');
        ws.send(Buffer.alloc(100000, 1));
        ws.send('z'.repeat(70000));
      });
      ws.on('message', (m, bin) => {
        msgs.push(bin ? `bin${(m as Buffer).length}` : `txt${m.toString().length}`);
        if (msgs.length === 3) ws.close(4001, 'done');
      });
      ws.on('close', (code) => {
        expect(code).toBe(4001);
        resolve();
      });
      ws.on('error', reject);
    });
    expect(msgs).toEqual(['txt1', 'bin100000', 'txt70000']);
  });

  it('negotiates the first client-offered subprotocol the server supports, and sends the Server header', async () => {
    const { server, port } = await echoServer((s) => s.setSupportedSubprotocols(['v2', 'v1']));
    cleanups.push(() => server.close());
    const c = await openClient(`ws://127.0.0.1:${port}/`, { subprotocols: ['v1', 'v2'] });
    expect(c.subprotocol()).toBe('v1');
    const resp = await rawExchange(port, upgradeRequest(port, { 'Sec-WebSocket-Protocol': 'x, v2' }), 300).catch((e: Error) => e.message);
    expect(resp).toContain('Sec-WebSocket-Protocol: v2');
    expect(resp).toContain('Server: test-server');
    expect(server.supportedSubprotocols()).toEqual(['v2', 'v1']);
  });

  it('originAuthenticationRequired: a refused origin gets 403', async () => {
    const { server, port } = await echoServer((s) =>
      s.on('originAuthenticationRequired', (auth) => auth.setAllowed(auth.origin() === 'https://good.example')),
    );
    cleanups.push(() => server.close());
    const ok = new WebSocket('https://good.example');
    cleanups.push(() => ok.abort());
    await new Promise<void>((r) => {
      ok.once('connected', () => r());
      ok.open(`ws://127.0.0.1:${port}/`);
    });
    expect(ok.isValid()).toBe(true);
    const resp = await rawExchange(port, upgradeRequest(port, { Origin: 'https://evil.example' }));
    expect(resp.startsWith('HTTP/1.1 403')).toBe(true);
  });

  it('pauses accepting when the pending queue is full, and resumes when it drains', async () => {
    const server = new WebSocketServer('q');
    cleanups.push(() => server.close());
    server.setMaxPendingConnections(2);
    expect(server.maxPendingConnections()).toBe(2);
    await server.listen('127.0.0.1', 0);
    const url = `ws://127.0.0.1:${server.serverPort()}/`;
    await openClient(url);
    await openClient(url);
    // the third waits: the queue holds 2
    const third = new WebSocket();
    cleanups.push(() => third.abort());
    let connected = false;
    third.on('connected', () => (connected = true));
    third.open(url);
    await new Promise((r) => setTimeout(r, 200));
    expect(connected).toBe(false);
    expect(server.nextPendingConnection()).not.toBeNull();
    await new Promise<void>((r) => (connected ? r() : third.once('connected', () => r())));
    expect(third.isValid()).toBe(true);
  });

  it('close() sends 1001 to queued connections', async () => {
    const server = new WebSocketServer('q');
    await server.listen('127.0.0.1', 0);
    const c = await openClient(`ws://127.0.0.1:${server.serverPort()}/`);
    await new Promise((r) => setTimeout(r, 50));
    const done = new Promise<void>((r) => c.once('disconnected', () => r()));
    server.close();
    await done;
    expect(c.closeCode()).toBe(CloseCode.CloseCodeGoingAway);
    expect(c.closeReason()).toBe('Server closed');
  });
});

describe('WebSocketServer: bad requests', () => {
  let port = 0;
  const errors: number[] = [];
  afterEach(() => (errors.length = 0));
  async function start(): Promise<void> {
    const { server, port: p } = await echoServer((s) => s.on('serverError', (c) => errors.push(c)));
    cleanups.push(() => server.close());
    port = p;
  }

  it('plain HTTP request → 426', async () => {
    await start();
    expect((await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\n\r\n`)).startsWith('HTTP/1.1 426')).toBe(true);
  });
  it('wrong version → 400 with Sec-WebSocket-Version: 13', async () => {
    await start();
    const r = await rawExchange(port, upgradeRequest(port, { 'Sec-WebSocket-Version': '8' }));
    expect(r.startsWith('HTTP/1.1 400')).toBe(true);
    expect(r).toContain('Sec-WebSocket-Version: 13');
    expect(errors).toContain(CloseCode.CloseCodeProtocolError);
  });
  it('missing key → 400', async () => {
    await start();
    expect((await rawExchange(port, upgradeRequest(port, { 'Sec-WebSocket-Key': null }))).startsWith('HTTP/1.1 400')).toBe(true);
  });
  it('key that is not 16 bytes of base64 → 400', async () => {
    await start();
    expect((await rawExchange(port, upgradeRequest(port, { 'Sec-WebSocket-Key': 'c2hvcnQ=' }))).startsWith('HTTP/1.1 400')).toBe(true);
  });
  it('missing Upgrade → 426', async () => {
    await start();
    expect((await rawExchange(port, upgradeRequest(port, { Upgrade: null, Connection: 'keep-alive' }))).startsWith('HTTP/1.1 426')).toBe(true);
  });
  it('garbage instead of HTTP → 400', async () => {
    await start();
    expect((await rawExchange(port, Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 13, 10, 13, 10]))).startsWith('HTTP/1.1 400')).toBe(true);
  });
  it('headers over 8 KiB → 431 and closed', async () => {
    await start();
    const r = await rawExchange(port, upgradeRequest(port, { 'X-Big': 'a'.repeat(9000) }));
    expect(r.startsWith('HTTP/1.1 431')).toBe(true);
  });
  it('POST upgrade → 405', async () => {
    await start();
    const r = await rawExchange(port, upgradeRequest(port).replace('GET', 'POST'));
    expect(r.startsWith('HTTP/1.1 405')).toBe(true);
  });
  it('slowloris: a client trickling its handshake is dropped at the handshake timeout', async () => {
    const { server, port: p } = await echoServer((s) => s.setHandshakeTimeout(300));
    cleanups.push(() => server.close());
    expect(server.handshakeTimeoutMS()).toBe(300);
    const s = connect(p, '127.0.0.1');
    s.on('error', () => {});
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    const req = upgradeRequest(p);
    let i = 0;
    const t = setInterval(() => {
      if (i < req.length - 4 && !s.destroyed) s.write(req[i++]);
    }, 50);
    await closed;
    clearInterval(t);
    expect(i).toBeLessThan(req.length - 4);
  });
  it('an unmasked frame from a client gets close 1002', async () => {
    await start();
    const { socket, reader } = await rawClient(port);
    socket.write(frame(1, 'unmasked'));
    const f = await reader.next();
    expect(f?.opcode).toBe(8);
    expect(f?.payload.readUInt16BE(0)).toBe(1002);
    await reader.waitClosed();
  });
});
