// Two server processes, one Redis: a message published on one reaches subscribers on the other.
//   REDIS_URL=redis://127.0.0.1:6379 node examples/redis-two-processes.mjs
// (needs `npm run build:ts` and a running redis-server; `redis` is an optional peer dependency.)
// The parent forks two servers, connects one client to each, subscribes both to "news" and
// publishes from each side; every process prints what it does, then everything exits.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { WebSocket, WebSocketServer } = require('../dist/cjs/index.js');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

if (process.argv[2] === 'server') {
  // ---- one server process: topics carried to the other process by Redis ----
  const { RedisBroker } = require('../dist/cjs/brokers/redis.js');
  const broker = new RedisBroker({ url: REDIS_URL });
  broker.on('down', (err) => console.log(`[server ${process.pid}] Redis down (${err?.message ?? 'connection lost'}): local delivery only`));
  await broker.ready();
  const server = new WebSocketServer(`server-${process.pid}`);
  server.setPubSubBroker(broker);
  server.on('newConnection', () => {
    let ws;
    while ((ws = server.nextPendingConnection()) !== null) {
      const s = ws;
      // "sub <topic>" subscribes; anything else is published to "news" for everyone but the sender
      s.on('textMessageReceived', (m) => {
        if (m.startsWith('sub ')) {
          s.subscribe(m.slice(4));
          s.sendTextMessage(`subscribed to ${m.slice(4)}`);
        } else {
          const here = s.publish('news', m);
          console.log(`[server ${process.pid}] published "${m}": ${here} local subscriber(s) + the other process via Redis`);
        }
      });
    }
  });
  await server.listen('127.0.0.1', 0);
  process.send({ port: server.serverPort() });
} else {
  // ---- the parent: two servers, a client on each ----
  const servers = [0, 1].map(() => fork(fileURLToPath(import.meta.url), ['server'], { env: { ...process.env, REDIS_URL } }));
  const ports = await Promise.all(servers.map((p) => new Promise((resolve) => p.once('message', (m) => resolve(m.port)))));
  const clients = await Promise.all(
    ports.map(
      (port, i) =>
        new Promise((resolve) => {
          const c = new WebSocket();
          c.on('textMessageReceived', (m) => {
            console.log(`[client ${i} on :${port}] got: ${m}`);
            if (m === 'subscribed to news') resolve(c);
          });
          c.once('connected', () => c.sendTextMessage('sub news'));
          c.open(`ws://127.0.0.1:${port}/`);
        }),
    ),
  );
  // Redis subscriptions are made asynchronously: give them a moment before publishing
  await new Promise((r) => setTimeout(r, 200));
  clients[0].sendTextMessage('hello from process A');
  clients[1].sendTextMessage('hello from process B');
  await new Promise((r) => setTimeout(r, 500));
  for (const c of clients) c.close();
  for (const p of servers) p.kill();
}
