/** Shared helpers of the ws-face tests: start servers on free ports, wait for events, clean up. */
import { once, type EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { WebSocket as RealWs, WebSocketServer as RealServer } from 'ws';
import { WebSocket, WebSocketServer, type ServerOptions } from '../../../src/ws/index';
import { until } from '../../helpers/wait';

const cleanups: Array<() => unknown> = [];

/** Registers cleanup after each test of the file that calls it. */
export function useCleanups(): (fn: () => unknown) => void {
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return (fn) => cleanups.push(fn);
}

/** Our face's server listening on a free loopback port. */
export async function faceServer(options: Omit<ServerOptions, 'port' | 'server' | 'noServer'> = {}): Promise<{ wss: WebSocketServer; url: string }> {
  const wss = new WebSocketServer({ ...options, port: 0, host: '127.0.0.1' });
  cleanups.push(() => new Promise<void>((r) => {
    for (const c of wss.clients ?? []) c.terminate();
    wss.close(() => r());
  }));
  await once(wss, 'listening');
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` };
}

/** ws's real server on a free loopback port. */
export async function realServer(options: ConstructorParameters<typeof RealServer>[0] = {}): Promise<{ wss: RealServer; url: string }> {
  const wss = new RealServer({ ...options, port: 0, host: '127.0.0.1' });
  cleanups.push(() => new Promise<void>((r) => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => r());
  }));
  await once(wss, 'listening');
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` };
}

/** ws's real client, open. */
export async function realClient(url: string, protocols?: string | string[], options: ConstructorParameters<typeof RealWs>[2] = {}): Promise<RealWs> {
  const ws = new RealWs(url, protocols, options);
  cleanups.push(() => closeQuietly(ws));
  await once(ws, 'open');
  return ws;
}

/** The next `event` of `emitter` (its arguments; unlike events.once, an 'error' does not reject). */
export function next<T extends unknown[] = unknown[]>(emitter: EventEmitter, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T)));
}

/** Registers a cleanup of the caller's own. */
export function cleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

/** Terminates a ws client whatever its state (ws throws for one still connecting). */
export function closeQuietly(ws: { terminate(): void; on(e: string, f: () => void): unknown }): void {
  ws.on('error', () => {});
  try {
    ws.terminate();
  } catch {
    // still connecting: its request is aborted with the test's end
  }
}

/** A face client recording what it gets: text as 'text', binary as 'bin:<hex>'. */
export type Recorder = WebSocket & { got: string[] };

export async function faceClient(url: string): Promise<Recorder> {
  const c = Object.assign(new WebSocket(url), { got: [] as string[] });
  cleanup(() => c.terminate());
  c.on('message', (data, isBinary) => c.got.push(isBinary ? `bin:${(data as Buffer).toString('hex')}` : (data as Buffer).toString()));
  await once(c, 'open');
  return c;
}

/** A face server with `n` clients; sockets[i] is the server side of clients[i]. */
export async function withClients(n: number, options: Parameters<typeof faceServer>[0] = {}): Promise<{ wss: WebSocketServer; url: string; sockets: WebSocket[]; clients: Recorder[] }> {
  const { wss, url } = await faceServer(options);
  const sockets: WebSocket[] = [];
  wss.on('connection', (ws) => sockets.push(ws));
  const clients: Recorder[] = [];
  for (let i = 0; i < n; i++) {
    clients.push(await faceClient(url));
    await until(() => sockets.length === i + 1, 3000, () => 'accepted');
  }
  return { wss, url, sockets, clients };
}
