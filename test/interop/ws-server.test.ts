/**
 * Interop: the `ws` package (an independent implementation users have) as the client of our
 * WebSocketServer, over loopback: echoes (text incl. multibyte, binary, empty, fragmented by ws),
 * ping/pong, subprotocol choice, and close codes and reasons in both directions, including the
 * codes our server sends when ws breaks a rule on purpose (1007 invalid UTF-8, 1009 too big).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient } from 'ws';
import { CloseCode, type WebSocket, type WebSocketServer } from '../../src/index';
import { echoServer } from '../helpers/server';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(setup?: (s: WebSocketServer) => void): Promise<{ server: WebSocketServer; url: string; sockets: WebSocket[] }> {
  const { server, port, sockets } = await echoServer(setup);
  cleanups.push(() => server.close());
  return { server, url: `ws://127.0.0.1:${port}/`, sockets };
}

function wsOpen(url: string, protocols?: string[]): Promise<WsClient> {
  const ws = new WsClient(url, protocols, { perMessageDeflate: false });
  cleanups.push(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WsClient): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((r) => ws.once('message', (data, binary) => r({ data: data as Buffer, binary })));
}

function closed(ws: WsClient): Promise<{ code: number; reason: string }> {
  return new Promise((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
}

describe('interop: ws client ↔ our server', () => {
  it('echoes multibyte text, binary, empty messages and a message ws fragments itself', async () => {
    const { url } = await start();
    const ws = await wsOpen(url);
    const text = 'κόσμε 😀 \u0000 end';
    let m = nextMessage(ws);
    ws.send(text);
    expect(await m).toEqual({ data: Buffer.from(text), binary: false });
    const bin = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7) & 0xff));
    m = nextMessage(ws);
    ws.send(bin);
    const b = await m;
    expect(b.binary).toBe(true);
    expect(b.data.equals(bin)).toBe(true);
    m = nextMessage(ws);
    ws.send('');
    expect(await m).toEqual({ data: Buffer.alloc(0), binary: false });
    // ws sends "Hel" (text, no FIN) then "lo" (continuation, FIN): one message comes back
    m = nextMessage(ws);
    ws.send('Hel', { fin: false });
    ws.send('lo', { fin: true });
    expect(await m).toEqual({ data: Buffer.from('Hello'), binary: false });
  });

  it('answers ws pings with the same payload', async () => {
    const { url } = await start();
    const ws = await wsOpen(url);
    const pong = new Promise<Buffer>((r) => ws.once('pong', r));
    ws.ping(Buffer.from('are you there'));
    expect((await pong).toString()).toBe('are you there');
  });

  it("picks the first of ws's subprotocols that the server supports", async () => {
    const { url } = await start((s) => s.setSupportedSubprotocols(['b', 'c']));
    const ws = await wsOpen(url, ['a', 'c', 'b']);
    expect(ws.protocol).toBe('c');
  });

  it('ws closes with 1000 "bye": the server sees code and reason and echoes the code', async () => {
    const { url, sockets } = await start();
    const ws = await wsOpen(url);
    await new Promise((r) => setTimeout(r, 20));
    const peer = sockets[0];
    const gone = new Promise<void>((r) => peer.once('disconnected', () => r()));
    const c = closed(ws);
    ws.close(1000, 'bye');
    // RFC 6455 §5.5.1: the reply close "typically echos the status code"; the reason is not required
    expect((await c).code).toBe(1000);
    await gone;
    expect(peer.closeCode()).toBe(CloseCode.CloseCodeNormal);
    expect(peer.closeReason()).toBe('bye');
  });

  it('the server closes with 4002 "server bye": ws receives code and reason', async () => {
    const { url, sockets } = await start();
    const ws = await wsOpen(url);
    await new Promise((r) => setTimeout(r, 20));
    const c = closed(ws);
    sockets[0].close(4002 as CloseCode, 'server bye');
    expect(await c).toEqual({ code: 4002, reason: 'server bye' });
  });

  it('text that is not UTF-8 (ws does not check what it sends) → ws gets close 1007', async () => {
    const { url } = await start();
    const ws = await wsOpen(url);
    const c = closed(ws);
    ws.send(Buffer.from([0x61, 0xed, 0xa0, 0x80]), { binary: false }); // "a" + a UTF-16 surrogate
    expect((await c).code).toBe(CloseCode.CloseCodeWrongDatatype);
  });

  it('a message over maxAllowedIncomingMessageSize → ws gets close 1009', async () => {
    const { url } = await start((s) => s.setMaxAllowedIncomingMessageSize(1000));
    const ws = await wsOpen(url);
    const m = nextMessage(ws);
    ws.send(Buffer.alloc(1000, 1));
    expect((await m).data.length).toBe(1000);
    const c = closed(ws);
    ws.send(Buffer.alloc(1001, 1));
    expect((await c).code).toBe(CloseCode.CloseCodeTooMuchData);
  });
});
