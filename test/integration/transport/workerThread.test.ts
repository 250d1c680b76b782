/**
 * Worker threads: the native transport belongs to the main thread's loop, so a worker's sockets
 * run on net.Socket (nativeStatus().transport says so). A worker that serves and connects must
 * echo and then exit on its own with code 0 — with native handles on its loop it crashed or
 * hung at exit — while the main thread keeps its own server running meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import { WebSocket } from '../../../src/index';
import { echoServer } from '../../helpers/server';

const DIST = join(__dirname, '../../../dist/cjs/index.js');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// the worker runs the built package (a worker cannot load the TypeScript sources)
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { WebSocket, WebSocketServer, SslMode, nativeStatus } = require(workerData.dist);
const server = new WebSocketServer('worker', SslMode.NonSecureMode);
server.on('newConnection', () => {
  const s = server.nextPendingConnection();
  s.on('textMessageReceived', (m) => s.sendTextMessage('worker echo: ' + m));
});
const ws = new WebSocket();
ws.on('connected', () => ws.sendTextMessage('hi'));
ws.on('textMessageReceived', (m) => {
  parentPort.postMessage({ echo: m, transport: nativeStatus().transport });
  ws.close();
});
ws.on('disconnected', () => server.close());
server.listen('127.0.0.1', 0).then(() => ws.open('ws://127.0.0.1:' + server.serverPort() + '/'));
`;

/** Runs WORKER in a fresh process whose main thread never loads qwebsocket (the worker is first). */
const ALONE = `
const { Worker } = require('node:worker_threads');
const w = new Worker(process.argv[1], { eval: true, workerData: { dist: process.argv[2] } });
w.on('message', (m) => console.log(JSON.stringify(m)));
w.on('exit', (code) => console.log('exit ' + code));
`;

function runWorker(): Promise<{ messages: Array<{ echo: string; transport: string }>; code: number }> {
  return new Promise((resolve, reject) => {
    const messages: Array<{ echo: string; transport: string }> = [];
    const w = new Worker(WORKER, { eval: true, workerData: { dist: DIST } });
    const timer = setTimeout(() => {
      void w.terminate();
      reject(new Error(`the worker did not exit on its own (got ${JSON.stringify(messages)})`));
    }, 30000);
    w.on('message', (m) => messages.push(m));
    w.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    w.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ messages, code });
    });
  });
}

describe.skipIf(!existsSync(DIST))('worker threads', () => {
  it('a worker serves and connects on net.Socket, echoes, and exits with code 0; the main thread keeps serving', async () => {
    const main = await echoServer();
    cleanups.push(() => main.server.close());
    const client = new WebSocket();
    cleanups.push(() => client.abort());
    const got: string[] = [];
    client.on('textMessageReceived', (m) => got.push(m));
    await new Promise<void>((resolve) => {
      client.once('connected', () => resolve());
      client.open(`ws://127.0.0.1:${main.port}/`);
    });

    for (let round = 0; round < 2; round++) {
      const { messages, code } = await runWorker();
      expect(code).toBe(0);
      expect(messages).toHaveLength(1);
      expect(messages[0].echo).toBe('worker echo: hi');
      expect(messages[0].transport).toMatch(process.env.QWS_TRANSPORT === 'node' ? /QWS_TRANSPORT=node/ : /main thread only/);
    }

    client.sendTextMessage('main still here');
    const deadline = Date.now() + 10000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual(['main still here']);
  }, 90000);

  it('in a process whose main thread never loaded it, a worker runs, echoes and exits; so does the process', () => {
    const r = spawnSync(process.execPath, ['-e', ALONE, WORKER, DIST], { encoding: 'utf8', timeout: 30000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0])).toMatchObject({ echo: 'worker echo: hi', transport: expect.stringMatching(process.env.QWS_TRANSPORT === 'node' ? /QWS_TRANSPORT=node/ : /main thread only/) });
    expect(lines[1]).toBe('exit 0');
  }, 60000);
});
