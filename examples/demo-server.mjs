// `npm start`: the live demo on http://127.0.0.1:8080 (PORT and HOST change it).
//
// Routes on one http server:
//   GET /, /demo-page.js, /demo-page.css  the page (examples/demo-page.*)
//   ws  /ws     echo: every message goes back to its sender; a text starting with "/all " is
//               broadcast to every /ws connection as "[broadcast] <rest>"
//   ws  /stats  the dashboard feed: on connect one {"type":"history"} with the last samples, then
//               one {"type":"stats"} sample a second (connections, messages in/out, memory)
//   ws  /chat?room=R&name=N  the chat room, on topics: each connection subscribes to its room's
//               topic; what it sends is published there as {"from","text"}, joins and leaves too.
//               With REDIS_URL set, the rooms span every demo server on that Redis (qwebsocket/redis):
//               REDIS_URL=redis://127.0.0.1:6379 PORT=8081 npm start, twice on two ports.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { WebSocketServer, codecImplementation } = require('../dist/cjs/index.js');

const HISTORY = 120; // samples kept for a dashboard that connects later (two minutes)

const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`demo: PORT must be a port number (0-65535), not ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

const files = {
  '/': ['demo-page.html', 'text/html; charset=utf-8'],
  '/demo-page.js': ['demo-page.js', 'text/javascript; charset=utf-8'],
  '/demo-page.css': ['demo-page.css', 'text/css; charset=utf-8'],
};
const http = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]; // the page takes a query (?auto=1)
  const file = files[path === '/index.html' ? '/' : path];
  if (file === undefined) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  res.writeHead(200, { 'Content-Type': file[1], 'Cache-Control': 'no-store' });
  res.end(readFileSync(new URL(file[0], import.meta.url)));
});

// What the server counted since it started. "in" is every message a client sent to /ws; "out"
// is every message queued to a /ws client (one per echo, one per recipient of a broadcast).
const counts = { received: 0, sent: 0, broadcasts: 0 };

const echo = new WebSocketServer('qwebsocket-demo').attach(http, { path: '/ws' });
echo.on('newConnection', () => {
  let ws;
  while ((ws = echo.nextPendingConnection())) {
    const s = ws;
    s.on('textMessageReceived', (m) => {
      counts.received++;
      if (m.startsWith('/all ')) {
        counts.broadcasts++;
        counts.sent += echo.broadcast(`[broadcast] ${m.slice(5)}`);
      } else if (s.sendTextMessage(m) > 0 || m.length === 0) {
        counts.sent++;
      }
    });
    s.on('binaryMessageReceived', (m) => {
      counts.received++;
      if (s.sendBinaryMessage(m) > 0 || m.length === 0) counts.sent++;
    });
  }
});

const stats = new WebSocketServer('qwebsocket-demo-stats').attach(http, { path: '/stats' });
// Every WebSocket server of the demo, for the connection count (a chat server joins this list).
const servers = [echo, stats];

const chat = new WebSocketServer('qwebsocket-demo-chat').attach(http, { path: '/chat' });
servers.push(chat);
if (process.env.REDIS_URL) {
  const { RedisBroker } = require('../dist/cjs/brokers/redis.js');
  const broker = new RedisBroker({ url: process.env.REDIS_URL });
  broker.on('down', () => console.error('demo: Redis is down — chat stays on this server until it is back'));
  broker.on('up', () => console.log(`demo: chat rooms shared through ${process.env.REDIS_URL}`));
  chat.setPubSubBroker(broker);
}
/** A query parameter cut to 32 characters, or the fallback when empty. */
const param = (query, name, fallback) => (query.get(name) ?? '').trim().slice(0, 32) || fallback;
chat.on('newConnection', () => {
  let ws;
  while ((ws = chat.nextPendingConnection())) {
    const s = ws;
    const query = new URL(s.requestUrl()).searchParams;
    const topic = `room:${param(query, 'room', 'lobby')}`;
    const name = param(query, 'name', 'guest');
    const say = (from, text) => chat.publish(topic, JSON.stringify({ from, text }));
    s.subscribe(topic);
    say('*', `${name} joined`);
    s.on('textMessageReceived', (m) => say(name, m.slice(0, 500)));
    s.on('disconnected', () => say('*', `${name} left`));
  }
});
const history = [];
stats.on('newConnection', () => {
  let ws;
  while ((ws = stats.nextPendingConnection())) ws.sendTextMessage(JSON.stringify({ type: 'history', samples: history }));
});

let seq = 0;
let last = { t: Date.now(), received: 0, sent: 0 };
/** One sample: what the server holds now, and the message rates since the previous sample. */
function sample() {
  const t = Date.now();
  const seconds = Math.max(t - last.t, 1) / 1000;
  const mem = process.memoryUsage();
  const s = {
    seq: ++seq,
    t,
    connections: servers.reduce((n, srv) => n + srv.connections().length, 0),
    echoConnections: echo.connections().length,
    received: counts.received,
    sent: counts.sent,
    broadcasts: counts.broadcasts,
    inPerSec: Math.round((counts.received - last.received) / seconds),
    outPerSec: Math.round((counts.sent - last.sent) / seconds),
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    codec: codecImplementation(),
    uptime: Math.round(process.uptime()),
  };
  last = { t, received: counts.received, sent: counts.sent };
  history.push(s);
  if (history.length > HISTORY) history.shift();
  return s;
}
setInterval(() => stats.broadcast(JSON.stringify({ type: 'stats', ...sample() })), 1000).unref();

http.on('error', (e) => {
  const where = `${host}:${port}`;
  if (e.code === 'EADDRINUSE') console.error(`demo: ${where} is already in use — start it on another port, e.g. PORT=${port === 65535 ? 8081 : port + 1} npm start`);
  else if (e.code === 'EACCES') console.error(`demo: not allowed to listen on ${where} — use a port above 1023, e.g. PORT=8080 npm start`);
  else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') console.error(`demo: HOST ${host} is not an address of this machine — try HOST=127.0.0.1 or HOST=0.0.0.0`);
  else console.error(`demo: cannot listen on ${where}: ${e.message}`);
  process.exit(1);
});
http.listen(port, host, () => {
  const { port: bound } = http.address();
  const shown = host.includes(':') ? `[${host}]` : host;
  console.log(`qwebsocket demo (codec: ${codecImplementation()}) on http://${shown}:${bound}/  — WebSocket at ws://${shown}:${bound}/ws`);
});
