/**
 * ws's handshake rules on the face (src/ws/handshakeRules): the server's refusals in ws's order
 * with ws's statuses, texts and `wsClientError` messages, hybi version 8 taken, handleUpgrade
 * twice on one socket; the client's error texts for a bad 101; the ready states and attributes
 * as ws defines them (data properties, enumerable accessors).
 */
import { createServer as createNetServer, connect, type AddressInfo, type Socket } from 'node:net';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from '../../../src/ws/index';
import { acceptKey } from '../../../src/protocol/handshake';
import { cleanup, faceServer, next, useCleanups } from './helpers';

useCleanups();
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Sends a raw request head; resolves to the response's status line, headers and body text. */
async function ask(port: number, head: string): Promise<{ status: number; text: string }> {
  const socket = connect(port, '127.0.0.1');
  cleanup(() => socket.destroy());
  socket.on('error', () => {});
  socket.write(`${head}\r\n\r\n`);
  let text = '';
  socket.setEncoding('utf8');
  // done when the server closes (a refusal) or, after a 101, when nothing more comes for a while
  await new Promise<void>((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    socket.on('data', (d: string) => {
      text += d;
      clearTimeout(quiet);
      if (text.startsWith('HTTP/1.1 101')) quiet = setTimeout(resolve, 100);
    });
    socket.on('close', () => resolve());
  });
  return { status: Number(text.split(' ')[1]), text };
}

const upgrade = (lines: string[]): string => ['GET / HTTP/1.1', 'Host: 127.0.0.1', 'Connection: Upgrade', ...lines].join('\r\n');

describe('ws face server: ws\'s refusals', () => {
  it('refuses in ws\'s order with its statuses and texts; takes version 8', async () => {
    const { wss } = await faceServer({ perMessageDeflate: true });
    const port = (wss.address() as AddressInfo).port;
    const post = await ask(port, upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13']).replace('GET', 'POST'));
    expect(post.status).toBe(405);
    expect(post.text).toMatch(/Invalid HTTP method$/);
    expect((await ask(port, upgrade(['Upgrade: foo', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13']))).text).toMatch(/^HTTP\/1.1 400[^]*Invalid Upgrade header$/);
    // Hixie-76: no key — the key is checked before the version
    expect((await ask(port, upgrade(['Upgrade: websocket', 'Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5']))).text).toMatch(/Missing or invalid Sec-WebSocket-Key header$/);
    const v = await ask(port, upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 12']));
    expect(v.text).toMatch(/^HTTP\/1.1 400[^]*Sec-WebSocket-Version: 13, 8\r\n[^]*Missing or invalid Sec-WebSocket-Version header$/);
    expect((await ask(port, upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: foo;bar']))).text).toMatch(/400[^]*Invalid Sec-WebSocket-Protocol header$/);
    expect((await ask(port, upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: a, a']))).status).toBe(400);
    const ext = await ask(port, upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=foo']));
    expect(ext.text).toMatch(/400[^]*Invalid or unacceptable Sec-WebSocket-Extensions header$/);
    const eight = await ask(port, upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 8']));
    expect(eight.status).toBe(101);
    expect(eight.text).toContain(`Sec-WebSocket-Accept: ${acceptKey(KEY)}`);
  });

  it("wsClientError gets ws's message and the socket", async () => {
    const { wss } = await faceServer();
    const got = next<[Error, Socket]>(wss, 'wsClientError');
    const port = (wss.address() as AddressInfo).port;
    void ask(port, upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13']).replace('GET', 'PUT'));
    const [err, socket] = await got;
    expect(err.message).toBe('Invalid HTTP method');
    socket.destroy();
  });

  it('handleUpgrade twice with one socket throws', async () => {
    const http = createServer();
    cleanup(() => new Promise((r) => http.close(r)));
    const wss = new WebSocketServer({ noServer: true });
    const thrown = new Promise<unknown>((resolve) => http.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => ws.terminate());
      try {
        wss.handleUpgrade(req, socket, head, () => {});
        resolve(null);
      } catch (e) {
        resolve(e);
      }
    }));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const c = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    c.on('error', () => {});
    cleanup(() => c.terminate());
    expect(((await thrown) as Error).message).toMatch(/^server.handleUpgrade\(\) was called more than once with the same socket/);
  });
});

/** A server answering every upgrade with the given extra header lines (and a right accept key). */
async function answering(lines: string[]): Promise<number> {
  const srv = createNetServer((s) => s.once('data', (d) => {
    const key = /Sec-WebSocket-Key: (\S+)/i.exec(d.toString())?.[1] ?? '';
    s.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`, ...lines, '', ''].join('\r\n'));
  }));
  cleanup(() => new Promise((r) => srv.close(r)));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as AddressInfo).port;
}

async function clientError(port: number, protocols: string[], options: { perMessageDeflate?: boolean } = {}): Promise<string> {
  const c = new WebSocket(`ws://127.0.0.1:${port}`, protocols, options);
  cleanup(() => c.terminate());
  const [err] = await next<[Error]>(c, 'error');
  return err.message;
}

describe('ws face client: ws\'s handshake error texts', () => {
  it('names the rule the answer broke as ws does', async () => {
    expect(await clientError(await answering(['Sec-WebSocket-Protocol: x']), [])).toBe('Server sent a subprotocol but none was requested');
    expect(await clientError(await answering(['Sec-WebSocket-Protocol: x']), ['a'])).toBe('Server sent an invalid subprotocol');
    expect(await clientError(await answering([]), ['a', 'b'])).toBe('Server sent no subprotocol');
    expect(await clientError(await answering(['Sec-WebSocket-Extensions: foo']), [], { perMessageDeflate: false })).toBe('Server sent a Sec-WebSocket-Extensions header but no extension was requested');
    expect(await clientError(await answering(['Sec-WebSocket-Extensions: foo;=']), [])).toBe('Invalid Sec-WebSocket-Extensions header');
    expect(await clientError(await answering(['Sec-WebSocket-Extensions: foo']), [])).toBe('Server indicated an extension that was not requested');
    expect(await clientError(await answering(['Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=7']), [])).toBe('Invalid Sec-WebSocket-Extensions header');
  });
});

describe('ws face: property shapes as ws defines them', () => {
  it('ready states are read-only enumerable data properties of the class and prototype; attributes are enumerable', () => {
    for (const [name, value] of [['CONNECTING', 0], ['OPEN', 1], ['CLOSING', 2], ['CLOSED', 3]] as const) {
      for (const target of [WebSocket, WebSocket.prototype]) {
        expect(Object.getOwnPropertyDescriptor(target, name)).toEqual({ value, writable: false, enumerable: true, configurable: false });
      }
    }
    for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url', 'onopen', 'onmessage', 'onclose', 'onerror']) {
      const d = Object.getOwnPropertyDescriptor(WebSocket.prototype, name);
      expect(d?.enumerable && d.configurable && typeof d.get === 'function').toBe(true);
    }
  });
});
