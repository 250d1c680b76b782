/**
 * The ws face's own port on the native listener (ws/nativePort): its connections are the native
 * transport's from the accept on; the request handed to ws's hooks is an IncomingMessage with
 * Node's header rules and the connection's addresses; a plain request gets 426, a client gone
 * during an asynchronous verifyClient is not accepted, 'wsClientError' answers on the
 * connection; a host name or a backlog keeps ws's http server; a taken port is an 'error'.
 */
import { IncomingMessage, request } from 'node:http';
import { once } from 'node:events';
import { Socket, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from '../../../src/ws/index';
import { nativeConnectionsOnPort, nativeTransportStatus } from '../../../src/transport/native/nativeIo';
import { cleanup, faceServer, next, realClient, useCleanups } from './helpers';
import { until } from '../../helpers/wait';

useCleanups();
const native = nativeTransportStatus() === 'native';

/** Sends `text` on a raw TCP connection and resolves with everything the server sent until it closed. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

const UPGRADE = 'GET /chat?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

describe.runIf(native)('ws face: its own port on the native listener', () => {
  it('serves its connections natively from the accept on', async () => {
    const { wss, url } = await faceServer();
    const port = (wss.address() as AddressInfo).port;
    const requests: IncomingMessage[] = [];
    wss.on('connection', (ws, req) => {
      requests.push(req);
      ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary }));
    });
    const c = await realClient(url);
    expect(nativeConnectionsOnPort(port)).toBe(1);
    // no net.Socket was made for it (an http server's upgrade would hand one over)
    expect(requests[0].socket).not.toBeInstanceOf(Socket);
    const echo = next<[Buffer]>(c, 'message');
    c.send('x'.repeat(70000));
    expect(String((await echo)[0])).toBe('x'.repeat(70000));
  });

  it('hands an IncomingMessage with the request, Node header rules and the addresses', async () => {
    const { wss } = await faceServer();
    const port = (wss.address() as AddressInfo).port;
    const got = next<[unknown, IncomingMessage]>(wss, 'connection');
    const raw = connect(port, '127.0.0.1', () => raw.write(`${UPGRADE}X-Two: a\r\nx-two: b\r\nSet-Cookie: c=1\r\nSet-Cookie: d=2\r\nUser-Agent: first\r\nUser-Agent: second\r\n\r\n`));
    cleanup(() => raw.destroy());
    const [, req] = await got;
    expect(req).toBeInstanceOf(IncomingMessage);
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/chat?x=1');
    expect(req.httpVersion).toBe('1.1');
    expect([req.httpVersionMajor, req.httpVersionMinor]).toEqual([1, 1]);
    expect(req.headers['x-two']).toBe('a, b');
    expect(req.headers['set-cookie']).toEqual(['c=1', 'd=2']);
    expect(req.headers['user-agent']).toBe('first');
    expect(req.rawHeaders.slice(0, 2)).toEqual(['Host', '127.0.0.1']);
    expect(req.socket.remoteAddress).toBe('127.0.0.1');
    expect(req.socket.remotePort).toBe(raw.localPort);
    expect(req.socket.localPort).toBe(port);
  });

  it('reads the addresses when asked: in verifyClient, in connection, kept after the close; undefined if first asked after it', async () => {
    const seen: Array<string | number | undefined> = [];
    const requests: IncomingMessage[] = [];
    const { wss, url } = await faceServer({
      verifyClient: (info: { req: IncomingMessage }) => {
        if (seen.length === 0) seen.push(info.req.socket.remoteAddress, info.req.socket.localPort);
        return true;
      },
    });
    const port = (wss.address() as AddressInfo).port;
    wss.on('connection', (_ws, req) => {
      requests.push(req);
      if (requests.length === 1) seen.push(req.socket.remoteFamily, req.socket.localAddress);
    });
    const first = await realClient(url);
    const second = await realClient(url);
    await until(() => requests.length === 2, 'both connections');
    expect(seen).toEqual(['127.0.0.1', port, 'IPv4', '127.0.0.1']);
    const firstPeer = requests[0].socket.remotePort;
    expect(typeof firstPeer).toBe('number');
    first.terminate();
    second.terminate();
    await until(() => nativeConnectionsOnPort(port) === 0, 'the closes seen natively');
    // the first request's peer was read while it was open, the second's never: a net.Socket does the same
    expect(requests[0].socket.remotePort).toBe(firstPeer);
    expect(requests[1].socket.remoteAddress).toBeUndefined();
    expect(requests[1].socket.localPort).toBeUndefined();
  });

  it('answers a request that is not an upgrade with 426', async () => {
    const { wss } = await faceServer();
    const port = (wss.address() as AddressInfo).port;
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = request({ port, host: '127.0.0.1', path: '/' }, (m) => {
        let body = '';
        m.on('data', (d) => (body += d));
        m.on('end', () => resolve({ status: m.statusCode ?? 0, body }));
      });
      r.on('error', reject);
      r.end();
    });
    expect(res).toEqual({ status: 426, body: 'Upgrade Required' });
  });

  it('refuses a bad upgrade as ws does (400 and its message)', async () => {
    const { wss } = await faceServer();
    const out = await rawExchange((wss.address() as AddressInfo).port, UPGRADE.replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 7') + '\r\n');
    expect(out.startsWith('HTTP/1.1 400 ')).toBe(true);
    expect(out).toContain('Missing or invalid Sec-WebSocket-Version header');
    expect(out).toMatch(/Sec-WebSocket-Version: 13, 8/i);
  });

  it('does not accept a client that went during an asynchronous verifyClient, and accepts one that stayed', async () => {
    const decisions: Array<(ok: boolean) => void> = [];
    const asked: IncomingMessage[] = [];
    const { wss, url } = await faceServer({
      verifyClient: (info: { req: IncomingMessage }, cb: (ok: boolean) => void) => {
        asked.push(info.req);
        decisions.push(cb);
      },
    });
    const port = (wss.address() as AddressInfo).port;
    let connections = 0;
    wss.on('connection', () => connections++);
    const gone = connect(port, '127.0.0.1', () => gone.write(`${UPGRADE}\r\n`));
    await until(() => decisions.length === 1, 'the first verifyClient');
    gone.destroy();
    await until(() => nativeConnectionsOnPort(port) === 0, 'the close seen natively');
    // its id is no longer its own: no address is read for it
    expect(asked[0].socket.remoteAddress).toBeUndefined();
    decisions[0](true);
    const staying = realClient(url);
    await until(() => decisions.length === 2, 'the second verifyClient');
    expect(asked[1].socket.remoteAddress).toBe('127.0.0.1');
    decisions[1](true);
    const c = await staying;
    await until(() => connections === 1, 'the connection');
    expect(wss.clients.size).toBe(1);
    const echo = next<[Buffer]>(c, 'message');
    (wss.clients.values().next().value as { send(d: string): void }).send('late but fine');
    expect(String((await echo)[0])).toBe('late but fine');
  });

  it('gives wsClientError listeners a Duplex that answers on the connection', async () => {
    const { wss } = await faceServer();
    wss.on('wsClientError', (err, socket) => socket.end(`HTTP/1.1 418 I'm a teapot\r\nX-Why: ${err.message.length}\r\n\r\n`));
    const out = await rawExchange((wss.address() as AddressInfo).port, UPGRADE.replace('Upgrade: websocket', 'Upgrade: nonsense') + '\r\n');
    expect(out).toBe(`HTTP/1.1 418 I'm a teapot\r\nX-Why: ${'Invalid Upgrade header'.length}\r\n\r\n`);
  });

  it('emits error for a port in use, and keeps ws http server for a host name or a backlog', async () => {
    const { wss } = await faceServer();
    const port = (wss.address() as AddressInfo).port;
    const taken = new WebSocketServer({ port, host: '127.0.0.1' });
    const [err] = await next<[NodeJS.ErrnoException]>(taken, 'error');
    expect(err.code).toBe('EADDRINUSE');
    for (const options of [{ host: 'localhost' }, { host: '127.0.0.1', backlog: 16 }]) {
      const other = new WebSocketServer({ port: 0, ...options });
      cleanup(() => new Promise((r) => other.close(r)));
      await once(other, 'listening');
      const p = (other.address() as AddressInfo).port;
      const conn = next(other, 'connection');
      await realClient(`ws://127.0.0.1:${p}`).catch(() => realClient(`ws://[::1]:${p}`));
      await conn;
      // taken over after its http upgrade: native too, but not by the listener
      await until(() => nativeConnectionsOnPort(p) === 1, 'the takeover');
    }
  });

  it('closes: no more connections, address() null, close after the clients are gone', async () => {
    const { wss, url } = await faceServer();
    const port = (wss.address() as AddressInfo).port;
    const c = await realClient(url);
    let closed = false;
    wss.close(() => (closed = true));
    expect(wss.address()).toBe(null);
    await expect(rawExchange(port, `${UPGRADE}\r\n`)).rejects.toThrow(/ECONNREFUSED/);
    expect(closed).toBe(false);
    c.close();
    await until(() => closed, "the server's close");
  });
});

describe('ws face: a bad own port', () => {
  it.each([-1, 65536, 1.5])('throws net.Server\'s ERR_SOCKET_BAD_PORT for %s, as ws', (port) => {
    expect(() => new WebSocketServer({ port: port as number })).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_BAD_PORT' }));
  });
});
