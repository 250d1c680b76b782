/**
 * The ws face's send/ping/pong of a `Blob`, from ws 8's doc/ws.md (data may be a Blob since
 * 8.18): the Blob is read asynchronously and what is sent after it waits for it; it goes as
 * binary unless `binary: false`; bufferedAmount counts its size; the callbacks come as for other
 * sends; close() and terminate() while it is read; a Blob that cannot be read fails the
 * connection with ws's 'error' (a DOMException named NotReadableError). Peers are ws's real
 * client and server, and the face's own.
 */
import { randomBytes } from 'node:crypto';
import { openAsBlob, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket as RealWs } from 'ws';
import { WebSocket, type ClientOptions } from '../../../src/ws/index';
import { cleanup, closeQuietly, faceServer, next, realServer, useCleanups } from './helpers';
import { until } from '../../helpers/wait';

useCleanups();

/** Our client, open. */
async function open(url: string, options?: ClientOptions): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  cleanup(() => ws.terminate());
  await next(ws, 'open');
  return ws;
}

/** ws's server echoing every message with its type; `got` records what it received. */
async function realEcho(options = {}): Promise<{ url: string; got: string[] }> {
  const { wss, url } = await realServer(options);
  const got: string[] = [];
  wss.on('connection', (s) =>
    s.on('message', (d, isBinary) => {
      got.push(`${isBinary ? 'bin' : 'txt'}:${(d as Buffer).toString()}`);
      s.send(d, { binary: isBinary });
    }),
  );
  return { url, got };
}

/** Collects `n` messages of `ws` as 'bin:…' / 'txt:…'. */
function messages(ws: WebSocket | RealWs, n: number): Promise<string[]> {
  const got: string[] = [];
  return new Promise((resolve) => {
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      got.push(`${isBinary ? 'bin' : 'txt'}:${d.toString()}`);
      if (got.length === n) resolve(got);
    });
  });
}

/** A file-backed Blob that can no longer be read (the file changed after openAsBlob), and its removal. */
async function unreadableBlob(size = 64): Promise<Blob> {
  const file = join(tmpdir(), `qws-blob-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, 'x'.repeat(size));
  const blob = await openAsBlob(file);
  writeFileSync(file, 'x'.repeat(size / 2));
  cleanup(() => unlinkSync(file));
  return blob;
}

/** A Blob whose read ends (with its bytes, or rejected with `failure`) only once `gate` resolves. */
class GatedBlob extends Blob {
  readonly #gate: Promise<unknown>;
  readonly #failure: Error | null;
  constructor(parts: BlobPart[], gate: Promise<unknown>, failure: Error | null = null) {
    super(parts);
    this.#gate = gate;
    this.#failure = failure;
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.#gate.then(() => (this.#failure === null ? super.arrayBuffer() : Promise.reject(this.#failure)));
  }
}

describe('ws face send(blob)', () => {
  it('arrives as binary, in order with the messages sent before and after it (ws server)', async () => {
    const { url, got } = await realEcho();
    const ws = await open(url);
    const back = messages(ws, 5);
    ws.send('one');
    ws.send(new Blob(['two']));
    ws.send('three');
    ws.send(new Blob(['fo', 'ur']));
    ws.send(Buffer.from('five'));
    expect(await back).toEqual(['txt:one', 'bin:two', 'txt:three', 'bin:four', 'bin:five']);
    expect(got).toEqual(['txt:one', 'bin:two', 'txt:three', 'bin:four', 'bin:five']);
  });

  it('with permessage-deflate, compressed (threshold 0) and with compress: false', async () => {
    const { url, got } = await realEcho({ perMessageDeflate: { threshold: 0 } });
    const ws = await open(url, { perMessageDeflate: { threshold: 0 } });
    expect(ws.extensions).toBe('permessage-deflate');
    const back = messages(ws, 3);
    ws.send(new Blob(['foo']));
    ws.send(new Blob(['bar']), { compress: false });
    ws.send('baz');
    expect(await back).toEqual(['bin:foo', 'bin:bar', 'txt:baz']);
    expect(got).toEqual(['bin:foo', 'bin:bar', 'txt:baz']);
  });

  it('binary: false sends it as text; fin: false makes it the first fragment of a message', async () => {
    const { url, got } = await realEcho();
    const ws = await open(url);
    const back = messages(ws, 2);
    ws.send(new Blob(['as text']), { binary: false });
    ws.send(new Blob(['frag-']), { fin: false });
    ws.send('ment');
    expect(await back).toEqual(['txt:as text', 'bin:frag-ment']);
    expect(got).toEqual(['txt:as text', 'bin:frag-ment']);
  });

  it('from a server-side socket to ws\'s client, and a large file-backed Blob whole', async () => {
    const { wss, url } = await faceServer();
    const big = randomBytes(300_000);
    const file = join(tmpdir(), `qws-blob-${randomBytes(4).toString('hex')}`);
    writeFileSync(file, big);
    cleanup(() => unlinkSync(file));
    const blob = await openAsBlob(file);
    wss.on('connection', (s) => {
      s.send(new Blob(['hello']));
      s.send(blob);
      s.send('bye');
    });
    const client = new RealWs(url);
    cleanup(() => closeQuietly(client));
    const got: Buffer[] = [];
    await new Promise<void>((resolve) =>
      client.on('message', (d: Buffer) => {
        got.push(d);
        if (got.length === 3) resolve();
      }),
    );
    expect(got[0].toString()).toBe('hello');
    expect(got[1].equals(big)).toBe(true);
    expect(got[2].toString()).toBe('bye');
  });

  it('callbacks: each once its data is written, in send order, without an error', async () => {
    const { url } = await realEcho();
    const ws = await open(url);
    const order: string[] = [];
    const all = new Promise<void>((resolve) => {
      ws.send('a', (err) => order.push(`a:${err ?? 'ok'}`));
      ws.send(new Blob(['b']), (err) => order.push(`b:${err ?? 'ok'}`));
      ws.send(new Blob(['c']), {}, (err) => order.push(`c:${err ?? 'ok'}`));
      ws.ping(new Blob(['p']), undefined, (err) => order.push(`p:${err ?? 'ok'}`));
      ws.send('d', (err) => {
        order.push(`d:${err ?? 'ok'}`);
        resolve();
      });
    });
    await all;
    expect(order).toEqual(['a:ok', 'b:ok', 'c:ok', 'p:ok', 'd:ok']);
  });

  it('bufferedAmount counts the Blob and what waits behind it until they are out', async () => {
    const { url } = await realEcho();
    const ws = await open(url);
    expect(ws.bufferedAmount).toBe(0);
    ws.send(new Blob(['12345']));
    expect(ws.bufferedAmount).toBeGreaterThanOrEqual(5);
    const before = ws.bufferedAmount;
    ws.send(Buffer.alloc(100));
    expect(ws.bufferedAmount).toBe(before + 100);
    await next(ws, 'message');
    await until(() => ws.bufferedAmount === 0, 5000, () => `bufferedAmount ${ws.bufferedAmount}`);
  });
});

describe('ws face ping(blob) / pong(blob)', () => {
  it('the peer gets the Blob as the payload, after what was sent before', async () => {
    const { wss, url } = await realServer();
    const seen: string[] = [];
    const done = new Promise<void>((resolve) =>
      wss.on('connection', (s) => {
        s.on('message', (d) => seen.push(`msg:${d}`));
        s.on('ping', (d) => seen.push(`ping:${d}`));
        s.on('pong', (d) => {
          seen.push(`pong:${d}`);
          resolve();
        });
      }),
    );
    const ws = await open(url);
    ws.send(new Blob(['first']));
    ws.ping(new Blob(['pi']));
    ws.pong(new Blob(['po']));
    await done;
    expect(seen).toEqual(['msg:first', 'ping:pi', 'pong:po']);
  });

  it('throws RangeError for a Blob over 125 bytes, at once', async () => {
    const { url } = await realEcho();
    const ws = await open(url);
    expect(() => ws.ping(new Blob([Buffer.alloc(126)]))).toThrow(RangeError);
    expect(() => ws.pong(new Blob([Buffer.alloc(126)]))).toThrow('The data size must not be greater than 125 bytes');
    expect(ws.bufferedAmount).toBe(0);
  });
});

describe('ws face send(blob): closing while it is read', () => {
  it('close(): the Blob and what was sent before the close go out first, then the close frame', async () => {
    const { wss, url } = await realServer();
    const seen: string[] = [];
    const closed = new Promise<[number, string]>((resolve) =>
      wss.on('connection', (s) => {
        s.on('message', (d, isBinary) => seen.push(`${isBinary ? 'bin' : 'txt'}:${d}`));
        s.on('close', (code, reason) => resolve([code, reason.toString()]));
      }),
    );
    const ws = await open(url);
    ws.send(new Blob(['foo']));
    ws.send('bar');
    const ours = next<[number]>(ws, 'close');
    ws.close(4000, 'done');
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    expect(await closed).toEqual([4000, 'done']);
    expect(seen).toEqual(['bin:foo', 'txt:bar']);
    expect((await ours)[0]).toBe(4000);
  });

  it('terminate(): the callbacks get ws\'s error, in order, before the close; the peer gets nothing', async () => {
    const { wss, url } = await realServer();
    const seen: string[] = [];
    const peerClosed = new Promise<number>((resolve) =>
      wss.on('connection', (s) => {
        s.on('message', (d) => seen.push(String(d)));
        s.on('close', (code) => resolve(code));
      }),
    );
    const ws = await open(url);
    const called: string[] = [];
    ws.send(new Blob(['foo']), (err) => called.push(`1:${ws.readyState}:${err?.message}`));
    ws.send('bar');
    ws.send('baz', (err) => called.push(`2:${ws.readyState}:${err?.message}`));
    ws.terminate();
    await next(ws, 'close');
    const msg = 'The socket was closed while the blob was being read';
    expect(called).toEqual([`1:${WebSocket.CLOSING}:${msg}`, `2:${WebSocket.CLOSING}:${msg}`]);
    expect(await peerClosed).toBe(1006);
    expect(seen).toEqual([]);
  });

  it('the peer closes while the Blob is read: our close answer goes at once, the Blob is dropped, its callback errs', async () => {
    const { wss, url } = await realServer();
    const seen: string[] = [];
    wss.on('connection', (s) => {
      s.on('message', (d) => seen.push(String(d)));
      s.close(1000);
    });
    const ws = await open(url);
    // read once the peer's close has arrived (CLOSING) or the connection is gone
    const closing = until(() => ws.readyState !== WebSocket.OPEN, 5000, () => 'the peer close');
    const err = new Promise<Error | undefined>((resolve) => ws.send(new GatedBlob(['late'], closing), resolve));
    const [code] = await next<[number]>(ws, 'close');
    expect(code).toBe(1000);
    expect(await err).toBeInstanceOf(Error);
    expect(seen).toEqual([]);
  });
});

describe('ws face send(blob): a Blob that cannot be read', () => {
  it("emits 'error' (DOMException NotReadableError), fails the callbacks with it, closes with 1011", async () => {
    const { wss, url } = await realServer();
    const peerClose = new Promise<number>((resolve) => wss.on('connection', (s) => s.on('close', (code) => resolve(code))));
    const ws = await open(url);
    const blob = await unreadableBlob();
    const cbErrors: unknown[] = [];
    ws.send(blob, (err) => cbErrors.push(err));
    ws.send('after', (err) => cbErrors.push(err));
    const [err] = await next<[Error]>(ws, 'error');
    expect(err).toBeInstanceOf(DOMException);
    expect(err.name).toBe('NotReadableError');
    expect(err.message).toBe('The blob could not be read');
    expect(cbErrors).toEqual([err, err]);
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    await next(ws, 'close');
    expect(await peerClose).toBe(1011);
  });

  it("on a server-side socket too, against the face's own client", async () => {
    const { wss, url } = await faceServer();
    const blob = await unreadableBlob();
    const serverError = new Promise<Error>((resolve) =>
      wss.on('connection', (s) => {
        s.send(blob);
        s.on('error', resolve);
      }),
    );
    const ws = await open(url);
    const [code] = await next<[number]>(ws, 'close');
    expect((await serverError).name).toBe('NotReadableError');
    expect(code).toBe(1011);
  });

  it("emits 'error' only once when the connection failed already (a protocol error came first)", async () => {
    const { wss, url } = await realServer();
    // an unknown opcode (0x5) from the server: the client fails the connection with 1002
    wss.on('connection', (s) => (s as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.from([0x85, 0x00])));
    const ws = new WebSocket(url);
    cleanup(() => ws.terminate());
    const blob = await unreadableBlob();
    const errors: Error[] = [];
    ws.on('error', (e) => errors.push(e));
    const cb = new Promise<Error | undefined>((resolve) => ws.on('open', () => ws.send(blob, resolve)));
    await next(ws, 'close');
    expect((await cb)?.name).toBe('NotReadableError');
    expect(errors.map((e) => (e as Error & { code?: string }).code)).toEqual(['WS_ERR_INVALID_OPCODE']);
  });

  it("after the close event: no 'error', the callback still gets the read error", async () => {
    const { wss, url } = await realServer();
    wss.on('connection', (s) => s.terminate());
    const ws = await open(url);
    const errors: Error[] = [];
    ws.on('error', (e) => errors.push(e));
    const closed = next(ws, 'close');
    const unreadable = new DOMException('The blob could not be read', 'NotReadableError');
    const cb = new Promise<Error | undefined>((resolve) => ws.send(new GatedBlob(['x'], closed, unreadable), resolve));
    await closed;
    expect(await cb).toBe(unreadable);
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual([]);
  });
});

describe('ws face publish(blob)', () => {
  it('throws a TypeError that says to read the Blob first', async () => {
    const { wss, url } = await faceServer();
    const accepted = next<[WebSocket]>(wss, 'connection');
    await open(url);
    const [s] = await accepted;
    expect(() => s.publish('t', new Blob(['x']))).toThrow(/read it first/);
    expect(() => wss.publish('t', new Blob(['x']))).toThrow(TypeError);
  });
});
