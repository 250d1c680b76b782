/**
 * The Qt face's foot-guns for users coming from ws: clear TypeErrors where ws-style calls would
 * silently do something else, any binary value accepted by sendBinaryMessage, and the attached
 * http server's address reported by serverPort()/serverAddress().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer as createHttp } from 'node:http';
import { WebSocket, WebSocketServer, InvalidArgumentError } from '../../src/index';
import { echoServer } from '../helpers/server';
import { openSocket } from '../helpers/client';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


describe('ws-style constructor calls', () => {
  it.each(['ws://127.0.0.1:8080/', 'wss://example.com/chat', ' WS://HOST/', new URL('wss://example.com/')])('new WebSocket(%s) throws a TypeError naming open() and qwebsocket/ws', (url) => {
    expect(() => new WebSocket(url as string)).toThrow(TypeError);
    expect(() => new WebSocket(url as string)).toThrow(/open\(\).*qwebsocket\/ws/);
  });
  it('an origin that is not a ws URL is still an origin', () => {
    expect(new WebSocket('https://app.example').origin()).toBe('https://app.example');
    expect(new WebSocket('http://ws.example').origin()).toBe('http://ws.example');
  });
  it('new WebSocketServer({ port }) throws a TypeError naming listen() and qwebsocket/ws', () => {
    const ctor = WebSocketServer as unknown as new (o: object) => WebSocketServer;
    expect(() => new ctor({ port: 8080 })).toThrow(TypeError);
    expect(() => new ctor({ noServer: true })).toThrow(/listen\(.*qwebsocket\/ws/);
    expect(new WebSocketServer('name').serverName()).toBe('name');
  });
});

describe('sendBinaryMessage takes any binary value', () => {
  it('ArrayBuffer, typed arrays, DataView and Buffer views arrive as their bytes', async () => {
    const { server, port } = await echoServer();
    cleanups.push(() => server.close());
    const c = await openSocket(`ws://127.0.0.1:${port}/`, cleanups);
    const got: Buffer[] = [];
    const all = new Promise<void>((resolve) => c.on('binaryMessageReceived', (m) => got.push(m) === 5 && resolve()));
    const backing = new Uint8Array([9, 1, 2, 3, 4, 5, 6, 7, 8, 9]).buffer;
    const sent = [
      c.sendBinaryMessage(new Uint8Array([1, 2, 3]).buffer),
      c.sendBinaryMessage(new Uint16Array([0x0201, 0x0403])),
      c.sendBinaryMessage(new DataView(backing, 1, 4)),
      c.sendBinaryMessage(new Float64Array([1.5]).subarray(0, 1)),
      c.sendBinaryMessage(Buffer.from(backing, 2, 3)),
    ];
    expect(sent).toEqual([3, 4, 4, 8, 3]);
    await all;
    expect(got[0]).toEqual(Buffer.from([1, 2, 3]));
    expect(got[1]).toEqual(Buffer.from(new Uint16Array([0x0201, 0x0403]).buffer));
    expect(got[2]).toEqual(Buffer.from([1, 2, 3, 4]));
    expect(got[3]).toEqual(Buffer.from(new Float64Array([1.5]).buffer));
    expect(got[4]).toEqual(Buffer.from([2, 3, 4]));
  });
  it('anything else is an InvalidArgumentError, connected or not', () => {
    const c = new WebSocket();
    for (const bad of ['text', 42, null, undefined, { length: 1 }, [1, 2]]) {
      expect(() => c.sendBinaryMessage(bad as unknown as Uint8Array)).toThrow(InvalidArgumentError);
    }
    expect(c.sendBinaryMessage(new ArrayBuffer(4))).toBe(0); // not connected: nothing queued
  });
  it('a Blob is an InvalidArgumentError that says to pass its bytes (they come asynchronously)', () => {
    const c = new WebSocket();
    expect(() => c.sendBinaryMessage(new Blob(['x']) as unknown as Uint8Array)).toThrow(/not a Blob: pass await blob\.arrayBuffer\(\)/);
  });
});

describe('attach() and the server address', () => {
  it('serverPort()/serverAddress() report the attached http server once it listens', async () => {
    const http = createHttp();
    cleanups.push(() => new Promise((r) => http.close(() => r(undefined))));
    const server = new WebSocketServer('attached').attach(http);
    cleanups.push(() => server.close());
    expect(server.serverPort()).toBe(0);
    expect(server.serverAddress()).toBe('');
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    expect(server.serverPort()).toBe(port);
    expect(server.serverAddress()).toBe('127.0.0.1');
    server.close(); // detached: no longer reports the http server
    expect(server.serverPort()).toBe(0);
  });
});
