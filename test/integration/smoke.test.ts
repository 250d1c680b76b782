import { it, expect } from 'vitest';
import { WebSocketServer } from 'ws';
import { WebSocket, SocketState } from '../../src/index';

it('echo against ws', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.on('listening', r));
  wss.on('connection', (s) => s.on('message', (m, bin) => s.send(m, { binary: bin })));
  const port = (wss.address() as any).port;
  const c = new WebSocket();
  const states: number[] = [];
  c.on('stateChanged', (s) => states.push(s));
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    c.on('connected', () => { c.sendTextMessage('hello'); c.sendTextMessage('x'.repeat(200000)); c.sendBinaryMessage(Buffer.alloc(70000, 7)); });
    c.on('textMessageReceived', (m) => { got.push(m.slice(0, 10)); });
    c.on('binaryMessageReceived', (m) => { got.push('bin' + m.length); c.close(1000, 'bye'); });
    c.on('disconnected', () => resolve());
    c.on('errorOccurred', (e) => reject(new Error(c.errorString())));
    c.open(`ws://127.0.0.1:${port}/path?x=1`);
  });
  expect(got).toEqual(['hello', 'xxxxxxxxxx', 'bin70000']);
  expect(states).toEqual([1, 2, 3, 6, 0]);
  expect(c.closeCode()).toBe(1000);
  wss.close();
});
