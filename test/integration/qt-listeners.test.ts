/**
 * Listeners of the Qt face's frame and bytesWritten signals may come and go at any time, by any
 * of EventEmitter's methods: the core (which keeps whether they exist as flags, see
 * qt/listenerWatch) reports frames and written bytes exactly while someone listens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from '../../src/index';
import { echoServer } from '../helpers/server';
import { openSocket } from '../helpers/client';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connected(): Promise<WebSocket> {
  const { server, port } = await echoServer();
  cleanups.push(() => server.close());
  return openSocket(`ws://127.0.0.1:${port}/`, cleanups);
}

/** Sends `payload` and resolves with the echo once it arrived. */
function echo(c: WebSocket, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    c.once('binaryMessageReceived', resolve);
    c.sendBinaryMessage(payload);
  });
}

describe('frame signals', () => {
  it('a listener added after the connection opened gets frames, by on, once and prependListener', async () => {
    const c = await connected();
    await echo(c, Buffer.from('no frame listener yet'));
    const frames: string[] = [];
    const onFrame = (f: Buffer, last: boolean): void => void frames.push(`${f.toString()}:${last}`);
    c.on('binaryFrameReceived', onFrame);
    await echo(c, Buffer.from('one'));
    expect(frames).toEqual(['one:true']);
    c.off('binaryFrameReceived', onFrame);
    c.once('binaryFrameReceived', onFrame);
    await echo(c, Buffer.from('two'));
    await echo(c, Buffer.from('three'));
    expect(frames).toEqual(['one:true', 'two:true']);
    c.prependListener('binaryFrameReceived', onFrame);
    await echo(c, Buffer.from('four'));
    expect(frames).toEqual(['one:true', 'two:true', 'four:true']);
  });

  it('text frames too, and removeAllListeners(type) stops them', async () => {
    const c = await connected();
    const frames: string[] = [];
    c.addListener('textFrameReceived', (f) => frames.push(f));
    const got = new Promise<string>((resolve) => c.once('textMessageReceived', resolve));
    c.sendTextMessage('héllo');
    expect(await got).toBe('héllo');
    expect(frames).toEqual(['héllo']);
    c.removeAllListeners('textFrameReceived');
    expect(c.listenerCount('textFrameReceived')).toBe(0);
    const again = new Promise<string>((resolve) => c.once('textMessageReceived', resolve));
    c.sendTextMessage('again');
    expect(await again).toBe('again');
    expect(frames).toEqual(['héllo']);
  });
});

describe('bytesWritten', () => {
  it('reports the frame bytes written while a listener is attached, added after the connection opened', async () => {
    const c = await connected();
    await echo(c, Buffer.alloc(10));
    const written: number[] = [];
    const onWritten = (n: number): void => void written.push(n);
    c.on('bytesWritten', onWritten);
    await echo(c, Buffer.alloc(10));
    // a client frame of 10 bytes: 2 header bytes, a 4-byte mask, the payload
    expect(written.reduce((a, b) => a + b, 0)).toBe(16);
    c.removeListener('bytesWritten', onWritten);
    await echo(c, Buffer.alloc(10));
    expect(written.reduce((a, b) => a + b, 0)).toBe(16);
    c.prependOnceListener('bytesWritten', onWritten);
    await echo(c, Buffer.alloc(20));
    expect(written.reduce((a, b) => a + b, 0)).toBe(16 + 26);
  });

  it('removeAllListeners() with no type still removes every listener', async () => {
    const c = await connected();
    c.on('bytesWritten', () => {});
    c.on('binaryFrameReceived', () => {});
    c.on('pong', () => {});
    c.removeAllListeners();
    expect(c.eventNames()).toEqual([]);
    // and the socket still works without them
    c.on('binaryMessageReceived', () => {});
    await echo(c, Buffer.from('still open'));
  });
});
