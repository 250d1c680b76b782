/**
 * Interop: real socket.io (server and client, pinned devDependencies) over qwebsocket/ws. The server's
 * `wsEngine` is the face's WebSocketServer: engine.io builds it with `noServer: true`, calls
 * `handleUpgrade` for every upgrade, adds its headers by pushing onto the array of the 'headers' event,
 * and waits for each send callback before it flushes the next packets. The client side is socket.io-client
 * on its stock `ws` transport, and also on a transport whose socket is the face's WebSocket (against the
 * face's engine and against engine.io's default, ws).
 */
import { type EventEmitter, once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeWebSocket, NodeXHR } from 'engine.io-client';
import { Server, type Socket as ServerSocket, type ServerOptions } from 'socket.io';
import { io, type ManagerOptions, type Socket as ClientSocket, type SocketOptions } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer as WsServer } from 'ws';
import { WebSocket, WebSocketServer, targetName } from '../helpers/wsTarget';

/** socket.io-client's Node WebSocket transport with the face's WebSocket as its socket. */
class FaceTransport extends NodeWebSocket {
  override createSocket(uri: string, protocols: string | string[] | undefined, opts: Record<string, unknown>): unknown {
    return new WebSocket(uri, protocols, opts);
  }
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(options: Partial<ServerOptions> = {}): Promise<{ server: Server; url: string; http: HttpServer }> {
  const http = createServer();
  const server = new Server(http, { wsEngine: WebSocketServer, ...options });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return { server, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function connect(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): Promise<ClientSocket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
  cleanups.push(() => socket.disconnect());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** The arguments of the next `event` (socket.io's and engine.io's emitters are not Node's EventEmitter). */
const nextEvent = (emitter: { once(event: string, fn: (...args: unknown[]) => void): unknown }, event: string): Promise<unknown[]> =>
  new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));

/** engine.io's server-side connection object, as far as these tests read it. */
type EngineConnection = EventEmitter & { transport: { name: string } };

/** The server side of the next connection. */
const nextConnection = (server: Server): Promise<ServerSocket> =>
  new Promise((resolve) => server.once('connection', resolve));

describe(`socket.io with wsEngine = ${targetName} WebSocketServer`, () => {
  it('connects over the websocket transport only, emits with acks both ways', async () => {
    const { server, url } = await startServer({ transports: ['websocket'] });
    server.on('connection', (s) => {
      s.on('sum', (a: number, b: number, ack: (n: number) => void) => ack(a + b));
    });
    const serverSide = nextConnection(server);
    const client = await connect(url);
    expect(client.io.engine.transport.name).toBe('websocket');
    expect(await client.emitWithAck('sum', 2, 40)).toBe(42);

    const s = await serverSide;
    expect(s.conn.transport.name).toBe('websocket');
    client.on('ask', (q: string, ack: (a: string) => void) => ack(q.toUpperCase()));
    expect(await s.timeout(10000).emitWithAck('ask', 'héllo')).toBe('HÉLLO');
  });

  it('carries binary payloads (Buffer, typed arrays, nested, 512 KiB) unchanged', async () => {
    const { server, url } = await startServer({ transports: ['websocket'] });
    server.on('connection', (s) => {
      s.on('echo', (payload: unknown, ack: (p: unknown) => void) => ack(payload));
    });
    const client = await connect(url);
    const big = Buffer.alloc(512 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const reply = (await client.emitWithAck('echo', {
      small: Buffer.from([0, 1, 2, 255]),
      typed: new Uint8Array([9, 8, 7]),
      nested: [{ inner: Buffer.from('binary in an array') }],
      big,
    })) as { small: Buffer; typed: Buffer; nested: Array<{ inner: Buffer }>; big: Buffer };
    expect(Buffer.from(reply.small)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(Buffer.from(reply.typed)).toEqual(Buffer.from([9, 8, 7]));
    expect(Buffer.from(reply.nested[0].inner).toString()).toBe('binary in an array');
    expect(Buffer.from(reply.big).equals(big)).toBe(true);
  });

  it('delivers many emits in order (each send callback releases the next flush)', async () => {
    const { server, url } = await startServer({ transports: ['websocket'] });
    const serverSide = nextConnection(server);
    const client = await connect(url);
    const s = await serverSide;
    const received: number[] = [];
    const all = new Promise<void>((resolve) => {
      client.on('n', (n: number) => {
        received.push(n);
        if (received.length === 500) resolve();
      });
    });
    for (let i = 0; i < 500; i++) s.emit('n', i);
    await all;
    expect(received).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('broadcasts to a room: members get text and binary, the others do not', async () => {
    const { server, url } = await startServer({ transports: ['websocket'] });
    server.on('connection', (s) => {
      s.on('join', (room: string, ack: () => void) => {
        void s.join(room);
        ack();
      });
    });
    const [a, b, c] = [await connect(url), await connect(url), await connect(url)];
    await a.emitWithAck('join', 'blue');
    await b.emitWithAck('join', 'blue');
    const got = new Map<ClientSocket, unknown[]>([a, b, c].map((x) => [x, []]));
    const finished = [a, b, c].map(
      (x) =>
        new Promise<void>((resolve) => {
          x.onAny((event: string, payload: unknown) => {
            got.get(x)!.push(event === 'news' ? payload : event);
            if (event === 'end') resolve();
          });
        }),
    );
    server.to('blue').emit('news', 'text to blue');
    server.to('blue').emit('news', Buffer.from([1, 2, 3]));
    server.emit('end');
    await Promise.all(finished);
    for (const member of [a, b]) {
      const [text, bin, end] = got.get(member)!;
      expect(text).toBe('text to blue');
      expect(Buffer.from(bin as Buffer)).toEqual(Buffer.from([1, 2, 3]));
      expect(end).toBe('end');
    }
    expect(got.get(c)).toEqual(['end']);
  });

  it('reports disconnect reasons: client disconnect, server disconnect, transport close', async () => {
    const { server, url } = await startServer({ transports: ['websocket'] });

    let serverSide = nextConnection(server);
    const first = await connect(url);
    let s = await serverSide;
    const reasonAtServer = nextEvent(s, 'disconnect');
    first.disconnect();
    expect((await reasonAtServer)[0]).toBe('client namespace disconnect');

    serverSide = nextConnection(server);
    const second = await connect(url);
    s = await serverSide;
    const reasonAtClient = nextEvent(second, 'disconnect');
    s.disconnect(true);
    expect((await reasonAtClient)[0]).toBe('io server disconnect');

    // The server ends the WebSocket itself: both sides see the transport go.
    serverSide = nextConnection(server);
    const third = await connect(url);
    s = await serverSide;
    const atClient = nextEvent(third, 'disconnect');
    const atServer = nextEvent(s, 'disconnect');
    (s.conn.transport as unknown as { socket: { terminate(): void } }).socket.terminate();
    expect((await atServer)[0]).toBe('transport close');
    expect((await atClient)[0]).toBe('transport close');
  });

  it('closes with 1009 and drops the client when a message exceeds maxHttpBufferSize (maxPayload)', async () => {
    const { server, url } = await startServer({ transports: ['websocket'], maxHttpBufferSize: 10_000 });
    const serverSide = nextConnection(server);
    const client = await connect(url);
    const s = await serverSide;
    const atServer = nextEvent(s, 'disconnect');
    const atClient = nextEvent(client, 'disconnect');
    client.emit('big', Buffer.alloc(20_000));
    expect((await atServer)[0]).toBe('transport error');
    const [reason, details] = (await atClient) as [string, { context: { code: number } }];
    expect(reason).toBe('transport close');
    expect(details.context.code).toBe(1009);
  });

  it('upgrades from HTTP long-polling to websocket, then round trips over it', async () => {
    const { server, url } = await startServer();
    server.on('connection', (s) => {
      s.on('echo', (p: unknown, ack: (p: unknown) => void) => ack(p));
    });
    let conn: EngineConnection | undefined;
    let firstTransport = '';
    server.engine.once('connection', (c: EngineConnection) => {
      conn = c;
      firstTransport = c.transport.name;
    });
    const client = await connect(url, { transports: ['polling', 'websocket'] });
    expect(firstTransport).toBe('polling');
    if (!conn) throw new Error('engine.io reported no connection');
    if (conn.transport.name !== 'websocket') await nextEvent(conn, 'upgrade');
    expect(conn.transport.name).toBe('websocket');
    if (client.io.engine.transport.name !== 'websocket') await nextEvent(client.io.engine, 'upgrade');
    expect(await client.emitWithAck('echo', { after: 'upgrade', bin: Buffer.from('ok') })).toEqual({
      after: 'upgrade',
      bin: Buffer.from('ok'),
    });
  });

  it("sends engine.io's headers on the 101: a middleware's, initial_headers' and headers'", async () => {
    const { server, url } = await startServer({ transports: ['websocket'] });
    server.engine.use((_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
      res.setHeader('x-middleware', 'set');
      next();
    });
    server.engine.on('initial_headers', (headers: Record<string, string>) => {
      headers['x-initial'] = 'first';
    });
    server.engine.on('headers', (headers: Record<string, string>) => {
      headers['x-every'] = 'each';
    });
    const raw = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    cleanups.push(() => raw.terminate());
    const firstMessage = once(raw, 'message'); // may come in the same read as the 101
    const [response] = (await once(raw, 'upgrade')) as [{ headers: Record<string, string | string[]> }];
    expect(response.headers['x-initial']).toBe('first');
    expect(response.headers['x-every']).toBe('each');
    expect(response.headers['x-middleware']).toBe('set');
    const [open] = (await firstMessage) as [Buffer];
    expect(open.toString()[0]).toBe('0'); // engine.io's OPEN packet with the handshake data
  });

  it('compresses when perMessageDeflate is on (threshold 0) and still round trips', async () => {
    const { server, url } = await startServer({ transports: ['websocket'], perMessageDeflate: { threshold: 0 } });
    server.on('connection', (s) => {
      s.on('echo', (p: unknown, ack: (p: unknown) => void) => ack(p));
    });
    const client = await connect(url);
    const text = 'compress me '.repeat(1000);
    expect(await client.emitWithAck('echo', text)).toBe(text);
    const ws = (client.io.engine.transport as unknown as { ws: { extensions: string } }).ws;
    expect(ws.extensions).toContain('permessage-deflate');
  });
});

/** The servers the face's client is tried against: the face's own engine, and engine.io's stock one (ws). */
const engines: Array<[string, Partial<ServerOptions>]> = [
  [`the ${targetName} engine`, {}],
  ["engine.io's default ws engine", { wsEngine: WsServer }],
];

describe.each(engines)(`socket.io-client on a transport whose socket is the ${targetName} WebSocket, server on %s`, (_, engine) => {
  it('connects, emits with acks both ways, carries binary, disconnects', async () => {
    const { server, url } = await startServer({ transports: ['websocket'], ...engine });
    server.on('connection', (s) => {
      s.on('echo', (p: unknown, ack: (p: unknown) => void) => ack(p));
    });
    const serverSide = nextConnection(server);
    const client = await connect(url, { transports: [FaceTransport] });
    expect((client.io.engine.transport as unknown as { ws: unknown }).ws).toBeInstanceOf(WebSocket);
    expect(await client.emitWithAck('echo', 'text')).toBe('text');
    const bin = (await client.emitWithAck('echo', Buffer.from([7, 7, 7]))) as Buffer;
    expect(Buffer.from(bin)).toEqual(Buffer.from([7, 7, 7]));

    const s = await serverSide;
    client.on('ping-me', (ack: (a: string) => void) => ack('pong from the face client'));
    expect(await s.timeout(10000).emitWithAck('ping-me')).toBe('pong from the face client');
    const closed = nextEvent(s, 'disconnect');
    client.disconnect();
    expect((await closed)[0]).toBe('client namespace disconnect');
  });

  it('upgrades from polling to the face transport', async () => {
    const { server, url } = await startServer(engine);
    server.on('connection', (s) => {
      s.on('echo', (p: unknown, ack: (p: unknown) => void) => ack(p));
    });
    const client = await connect(url, { transports: [NodeXHR, FaceTransport] });
    if (client.io.engine.transport.name !== 'websocket') await nextEvent(client.io.engine, 'upgrade');
    expect((client.io.engine.transport as unknown as { ws: unknown }).ws).toBeInstanceOf(WebSocket);
    expect(await client.emitWithAck('echo', 'after upgrade')).toBe('after upgrade');
  });
});
