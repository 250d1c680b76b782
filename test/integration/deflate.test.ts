/**
 * permessage-deflate (RFC 7692) on real sockets: every parameter combination against `ws` in
 * both directions, the wire rules (RSV1 on the first frame only, control frames never
 * compressed), interleaved compressed and uncompressed messages, a zip bomb, bad data.
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient, WebSocketServer as WsServer } from 'ws';
import { WebSocket, WebSocketServer, SocketError, type PerMessageDeflateOptions } from '../../src/index';
import { echoServer, rawExchange, upgradeRequest } from '../helpers/server';
import { FrameReader, frame, rawClient, rawServer } from '../helpers/rawPeer';
import { openSocket } from '../helpers/client';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TEXT = 1, BIN = 2, CONT = 0, CLOSE = 8, PING = 9;
const SYNC = { finishFlush: 2 }; // Z_SYNC_FLUSH: ends with 00 00 ff ff, which RFC 7692 strips
const compress = (data: Buffer | string): Buffer => {
  const z = deflateRawSync(typeof data === 'string' ? Buffer.from(data) : data, SYNC);
  return z.subarray(0, z.length - 4);
};

/** Messages that exercise context takeover (repeats), sizes around the frame lengths, UTF-8, empties. */
function messages(): Array<string | Buffer> {
  const out: Array<string | Buffer> = [];
  for (let i = 0; i < 6; i++) out.push(`{"id":${i},"text":"${'repeated text '.repeat(40)}","é€😀":"${i}"}`);
  out.push('', Buffer.alloc(0), 'x', Buffer.alloc(126, 1), Buffer.alloc(70_000, 2), 'ü'.repeat(40_000));
  out.push(Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff)));
  return out;
}

function openOurs(url: string, pmd: boolean | PerMessageDeflateOptions, setup?: (c: WebSocket) => void): Promise<WebSocket> {
  return openSocket(url, cleanups, setup, { perMessageDeflate: pmd });
}

/** Sends every message and collects the echoes, in order. */
async function roundTrip(c: WebSocket, msgs: Array<string | Buffer>): Promise<Array<string | Buffer>> {
  const got: Array<string | Buffer> = [];
  const done = new Promise<void>((resolve) => {
    const take = (m: string | Buffer): void => {
      got.push(m);
      if (got.length === msgs.length) resolve();
    };
    c.on('textMessageReceived', take);
    c.on('binaryMessageReceived', (m) => take(Buffer.from(m)));
  });
  for (const m of msgs) {
    if (typeof m === 'string') c.sendTextMessage(m);
    else c.sendBinaryMessage(m);
  }
  await done;
  return got;
}

/** A raw server whose 101 carries `extensions`; `onPeer` reads what the client sends. */
async function answeringServer(extensions: string, onPeer: (reader: FrameReader) => void = () => {}): Promise<{ port: number }> {
  const peer = await rawServer((_s, reader) => onPeer(reader), `Sec-WebSocket-Extensions: ${extensions}\r\n`);
  cleanups.push(() => peer.close());
  return peer;
}

/** Sends every message from a `ws` client and collects the echoes, in order. */
async function wsRoundTrip(c: WsClient, msgs: Array<string | Buffer>): Promise<Array<string | Buffer>> {
  const got: Array<string | Buffer> = [];
  const done = new Promise<void>((r) =>
    c.on('message', (m: Buffer, bin: boolean) => {
      got.push(bin ? Buffer.from(m) : m.toString());
      if (got.length === msgs.length) r();
    }),
  );
  for (const m of msgs) c.send(m, { binary: typeof m !== 'string' });
  await done;
  return got;
}

const combos: PerMessageDeflateOptions[] = [];
for (const serverNoContextTakeover of [false, true])
  for (const clientNoContextTakeover of [false, true])
    for (const serverMaxWindowBits of [undefined, 9, 12, 15])
      for (const clientMaxWindowBits of [true, false, 10, 15] as const) {
        combos.push({ serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits, threshold: 0 });
      }

describe('permessage-deflate against ws', () => {
  it.each(combos)('our client offering %j ↔ ws server', async (o) => {
    const wss = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
    await new Promise((r) => wss.on('listening', r));
    cleanups.push(() => new Promise((r) => wss.close(r)));
    let agreed = '';
    wss.on('connection', (s, req) => {
      agreed = String(s.extensions);
      expect(req.headers['sec-websocket-extensions']).toContain('permessage-deflate');
      s.on('message', (m, isBinary) => s.send(m, { binary: isBinary }));
    });
    const c = await openOurs(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/`, o, (w) => w.setOutgoingFrameSize(4000));
    expect(agreed).toContain('permessage-deflate');
    const msgs = messages();
    expect(await roundTrip(c, msgs)).toEqual(msgs);
  });

  it.each(combos)('ws client offering %j ↔ our server', async (o) => {
    const { port } = await echoServer((s) => s.setPerMessageDeflate({ threshold: 0 }));
    const opts = {
      serverNoContextTakeover: o.serverNoContextTakeover,
      clientNoContextTakeover: o.clientNoContextTakeover,
      serverMaxWindowBits: o.serverMaxWindowBits,
      clientMaxWindowBits: o.clientMaxWindowBits === false ? undefined : o.clientMaxWindowBits,
      threshold: 0,
    };
    const c = new WsClient(`ws://127.0.0.1:${port}/`, { perMessageDeflate: opts });
    cleanups.push(() => c.terminate());
    await new Promise((r, j) => {
      c.on('open', r);
      c.on('error', j);
    });
    expect(c.extensions).toContain('permessage-deflate');
    const msgs = messages();
    expect(await wsRoundTrip(c, msgs)).toEqual(msgs);
  });

  it.each([
    { serverNoContextTakeover: true },
    { clientNoContextTakeover: true },
    { serverMaxWindowBits: 10 },
    { clientMaxWindowBits: 11 },
    { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 9 },
  ])('our server configured %j ↔ ws client', async (o) => {
    const { port } = await echoServer((s) => s.setPerMessageDeflate({ ...o, threshold: 0 }));
    const c = new WsClient(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { threshold: 0 } });
    cleanups.push(() => c.terminate());
    let ext = '';
    c.on('upgrade', (res) => (ext = String(res.headers['sec-websocket-extensions'])));
    await new Promise((r, j) => {
      c.on('open', r);
      c.on('error', j);
    });
    if (o.serverNoContextTakeover) expect(ext).toContain('server_no_context_takeover');
    if (o.clientMaxWindowBits) expect(ext).toContain(`client_max_window_bits=${o.clientMaxWindowBits}`);
    const msgs = messages();
    expect(await wsRoundTrip(c, msgs)).toEqual(msgs);
  });

  it('ws server with its own limits ↔ our client', async () => {
    const wss = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0, serverNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9 } });
    await new Promise((r) => wss.on('listening', r));
    cleanups.push(() => new Promise((r) => wss.close(r)));
    wss.on('connection', (s) => s.on('message', (m, isBinary) => s.send(m, { binary: isBinary })));
    const c = await openOurs(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/`, { threshold: 0 });
    const msgs = messages();
    expect(await roundTrip(c, msgs)).toEqual(msgs);
  });

  it('is off unless asked: no offer by default, no acceptance by default', async () => {
    const wss = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
    await new Promise((r) => wss.on('listening', r));
    cleanups.push(() => new Promise((r) => wss.close(r)));
    let offer: string | undefined = 'unset';
    wss.on('connection', (_s, req) => (offer = req.headers['sec-websocket-extensions']));
    await openOurs(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/`, false);
    expect(offer).toBeUndefined();
    const { port } = await echoServer();
    const res = await rawExchange(port, upgradeRequest(port, { 'Sec-WebSocket-Extensions': 'permessage-deflate' }), 300).catch((e: Error) => e.message);
    expect(res).toContain('101');
    expect(res.toLowerCase()).not.toContain('sec-websocket-extensions');
  });
});

describe('permessage-deflate on the wire', () => {
  it('sets RSV1 on the first frame only, never on control frames; threshold keeps small messages plain', async () => {
    const frames: Array<{ rsv: number; opcode: number; fin: boolean; payload: Buffer }> = [];
    let resolveDone: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const peer = await answeringServer('permessage-deflate', async (reader) => {
      for (;;) {
        const f = await reader.next();
        if (f === null) break;
        frames.push(f);
        if (f.opcode === CLOSE) break;
      }
      resolveDone();
    });
    const c = await openOurs(`ws://127.0.0.1:${peer.port}/`, { threshold: 100 });
    c.setOutgoingFrameSize(200);
    const big = 'abc'.repeat(20_000) + randomBytes(3000).toString('hex');
    c.sendTextMessage(big);
    c.ping(Buffer.from('p'));
    c.sendTextMessage('short');
    c.close();
    await done;
    const data = frames.filter((f) => f.opcode !== PING && f.opcode !== CLOSE);
    expect(data.length).toBeGreaterThan(2);
    expect(data[0]).toMatchObject({ opcode: TEXT, rsv: 4, fin: false });
    const cont = data.slice(1, -1);
    for (const f of cont) expect(f.rsv).toBe(0);
    expect(cont[cont.length - 1].fin).toBe(true);
    const inflated = inflateRawSync(Buffer.concat([...data.slice(0, -1).map((f) => f.payload), Buffer.from([0, 0, 0xff, 0xff])]), SYNC);
    expect(inflated.toString()).toBe(big);
    expect(data[data.length - 1]).toMatchObject({ opcode: TEXT, rsv: 0, payload: Buffer.from('short') });
    const ping = frames.find((f) => f.opcode === PING);
    expect(ping?.rsv).toBe(0);
  });

  async function deflateClient(port: number): Promise<Awaited<ReturnType<typeof rawClient>>> {
    const peer = await rawClient(port, '/', 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    cleanups.push(() => peer.socket.destroy());
    expect(peer.response.toLowerCase()).toContain('sec-websocket-extensions: permessage-deflate');
    return peer;
  }

  it('takes interleaved compressed and uncompressed messages, fragmented ones and empty ones, in order', async () => {
    const got: Array<string | Buffer> = [];
    const { port } = await echoServer((s) => {
      s.setPerMessageDeflate(true);
      s.on('newConnection', () => {});
    });
    const { socket, reader } = await deflateClient(port);
    const hello = compress('Hello');
    socket.write(Buffer.concat([
      frame(TEXT, hello, { mask: true, rsv: 4 }),
      frame(TEXT, 'plain', { mask: true }),
      frame(TEXT, hello.subarray(0, 3), { mask: true, rsv: 4, fin: false }),
      frame(CONT, hello.subarray(3), { mask: true }),
      frame(BIN, Buffer.from([0x00]), { mask: true, rsv: 4 }), // an empty compressed message
      frame(BIN, Buffer.from([1, 2, 3]), { mask: true }),
      frame(PING, 'x', { mask: true }),
      frame(TEXT, compress('World'), { mask: true, rsv: 4 }),
    ]));
    for (let i = 0; i < 7; i++) {
      const f = await reader.next();
      if (f === null) break;
      got.push(f.opcode === TEXT ? `${f.opcode}:${f.payload.toString()}` : `${f.opcode}:${f.payload.toString('hex')}`);
    }
    // echoes of 5-byte texts stay below the default 1 KiB threshold: sent uncompressed
    // the ping (opcode 9, 'x') is answered in order by a pong (opcode 10, 78 = 'x')
    expect(got).toEqual(['1:Hello', '1:plain', '1:Hello', '2:', '2:010203', '10:78', '1:World']);
  });

  it('fails a compressed message whose inflated size exceeds the limit with 1009 (zip bomb)', async () => {
    const { port, sockets } = await echoServer((s) => {
      s.setPerMessageDeflate(true);
      s.setMaxAllowedIncomingMessageSize(1024 * 1024);
    });
    const { socket, reader } = await deflateClient(port);
    const bomb = compress(Buffer.alloc(256 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(300 * 1024);
    socket.write(frame(BIN, bomb, { mask: true, rsv: 4 }));
    const f = await reader.next(10_000);
    expect(f?.opcode).toBe(CLOSE);
    expect(f?.payload.readUInt16BE(0)).toBe(1009);
    expect(sockets[0].closeCode()).toBe(1009);
  });

  it('fails compressed text that is not UTF-8 with 1007, and bad DEFLATE data with 1007', async () => {
    const { port } = await echoServer((s) => s.setPerMessageDeflate(true));
    const a = await deflateClient(port);
    a.socket.write(frame(TEXT, compress(Buffer.from([0x48, 0xc3, 0x28])), { mask: true, rsv: 4 }));
    const f = await a.reader.next();
    expect(f?.payload.readUInt16BE(0)).toBe(1007);
    const b = await deflateClient(port);
    b.socket.write(frame(BIN, Buffer.from([0xff, 0xff, 0xff]), { mask: true, rsv: 4 }));
    const g = await b.reader.next();
    expect(g?.payload.readUInt16BE(0)).toBe(1007);
  });

  it('fails RSV1 on a continuation frame and on a control frame with 1002', async () => {
    const { port } = await echoServer((s) => s.setPerMessageDeflate(true));
    const a = await deflateClient(port);
    const hello = compress('Hello');
    a.socket.write(Buffer.concat([frame(TEXT, hello.subarray(0, 2), { mask: true, rsv: 4, fin: false }), frame(CONT, hello.subarray(2), { mask: true, rsv: 4 })]));
    expect((await a.reader.next())?.payload.readUInt16BE(0)).toBe(1002);
    const b = await deflateClient(port);
    b.socket.write(frame(PING, 'x', { mask: true, rsv: 4 }));
    expect((await b.reader.next())?.payload.readUInt16BE(0)).toBe(1002);
  });

  it('fails RSV1 with 1002 when permessage-deflate was not agreed', async () => {
    const { port } = await echoServer();
    const { socket, reader } = await rawClient(port);
    cleanups.push(() => socket.destroy());
    socket.write(frame(TEXT, compress('Hello'), { mask: true, rsv: 4 }));
    expect((await reader.next())?.payload.readUInt16BE(0)).toBe(1002);
  });
});

describe('permessage-deflate negotiation errors', () => {
  it('answers a malformed Sec-WebSocket-Extensions with 400', async () => {
    const { port } = await echoServer((s) => s.setPerMessageDeflate(true));
    const res = await rawExchange(port, upgradeRequest(port, { 'Sec-WebSocket-Extensions': 'permessage-deflate; a="b' }));
    expect(res.startsWith('HTTP/1.1 400')).toBe(true);
  });

  it('declines offers with bad or duplicate parameters (no extension in the 101)', async () => {
    const { port } = await echoServer((s) => s.setPerMessageDeflate(true));
    for (const offer of ['permessage-deflate; server_max_window_bits=7', 'permessage-deflate; client_no_context_takeover; client_no_context_takeover', 'permessage-deflate; foo=1']) {
      const res = await rawExchange(port, upgradeRequest(port, { 'Sec-WebSocket-Extensions': offer }), 300).catch((e: Error) => e.message);
      expect(res).toContain('101 Switching Protocols');
      expect(res.toLowerCase()).not.toContain('sec-websocket-extensions');
    }
  });

  it.each([
    'permessage-deflate; server_max_window_bits=20',
    'permessage-deflate; unknown',
    'permessage-deflate; client_no_context_takeover; client_no_context_takeover',
    'permessage-deflate, permessage-deflate',
    'x-other',
  ])('our client fails the connection when the server answers %j', async (answer) => {
    const peer = await answeringServer(answer);
    const c = new WebSocket();
    cleanups.push(() => c.abort());
    const err = await new Promise<SocketError>((resolve) => {
      c.once('errorOccurred', resolve);
      c.once('connected', () => resolve(-99 as SocketError));
      c.open(`ws://127.0.0.1:${peer.port}/`, { perMessageDeflate: true });
    });
    expect(err).toBe(SocketError.ConnectionRefusedError);
    expect(c.isValid()).toBe(false);
  });

  it('refuses bad options with a clear error', () => {
    const c = new WebSocket();
    expect(() => c.open('ws://127.0.0.1:1/', { perMessageDeflate: { serverMaxWindowBits: 16 } })).toThrow(/serverMaxWindowBits/);
    const s = new WebSocketServer('x');
    expect(() => s.setPerMessageDeflate({ level: 11 })).toThrow(/level/);
  });
});
