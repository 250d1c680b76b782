// The well-behaved side of the hostile-mix soak (test/interop/soak-hostile.test.ts), in its own
// process so that the hostile drivers do not slow it down: COUNT of our clients, one message in
// flight each (text or binary, 1 B to ~4 KiB, knowable from client id and sequence number), every
// echo compared with what was sent. Usage: node echo_clients.mjs URL COUNT SECONDS
// Prints "READY" once all are connected, then one JSON line: echoes, wrong, closedEarly, failed
// opens, round-trip p50/p99/max in ms; then closes every client (code 1000) and exits.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { WebSocket } = require('../../../dist/cjs/index.js');
const [url, count, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];

const POOL = Buffer.alloc(8192);
for (let i = 0; i < POOL.length; i++) POOL[i] = (i * 2654435761) >>> 24;
const TEXT_POOL = 'aé€b日ç→ z'.repeat(400);

function messageOf(id, seq) {
  const n = 1 + ((id * 7919 + seq * 104729) % 2000);
  if ((id + seq) % 2 === 0) return `${id}:${seq}:${TEXT_POOL.slice(0, n)}`;
  const b = Buffer.allocUnsafe(8 + n);
  b.writeUInt32LE(id, 0);
  b.writeUInt32LE(seq, 4);
  POOL.copy(b, 8, 0, n);
  return b;
}

const stats = { echoes: 0, wrong: 0, closedEarly: 0, failedOpens: 0 };
const rtts = [];
let running = true;

function client(id) {
  const ws = new WebSocket();
  let seq = 0;
  let sentAt = 0;
  const send = () => {
    sentAt = performance.now();
    const m = messageOf(id, seq);
    if (typeof m === 'string') ws.sendTextMessage(m);
    else ws.sendBinaryMessage(m);
  };
  let inFlight = false;
  const check = (got) => {
    inFlight = false;
    const want = messageOf(id, seq);
    const ok = typeof want === 'string' ? got === want : Buffer.isBuffer(got) && want.equals(got);
    if (ok) stats.echoes++;
    else stats.wrong++;
    rtts.push(performance.now() - sentAt);
    seq++;
    if (running) {
      inFlight = true;
      send();
    }
  };
  ws.on('textMessageReceived', check);
  ws.on('binaryMessageReceived', check);
  ws.on('disconnected', () => {
    if (running) stats.closedEarly++;
  });
  const c = {
    ws,
    start: () => {
      inFlight = true;
      send();
    },
    busy: () => inFlight && ws.isValid(),
  };
  return new Promise((resolve) => {
    ws.once('connected', () => resolve(c));
    ws.once('errorOccurred', () => {
      stats.failedOpens++;
      resolve(null);
    });
    ws.open(url);
  });
}

const all = [];
for (let i = 0; i < count; i += 50) all.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => client(i + j)))));
const clients = all.filter((c) => c !== null);
console.log('READY');
for (const c of clients) c.start();
await new Promise((r) => setTimeout(r, seconds * 1000));
running = false;
// the last echo of each client is still on its way
const deadline = Date.now() + 20000;
while (clients.some((c) => c.busy()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
const sorted = Float64Array.from(rtts).sort();
const at = (q) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
const unanswered = clients.filter((c) => c.busy()).length;
console.log(JSON.stringify({ ...stats, clients: clients.length, unanswered, p50ms: +at(0.5).toFixed(2), p99ms: +at(0.99).toFixed(2), maxMs: +at(1).toFixed(1) }));
let left = clients.length;
const done = new Promise((r) => {
  if (left === 0) r();
  for (const c of clients) c.ws.once('disconnected', () => --left === 0 && r());
});
for (const c of clients) c.ws.close();
await Promise.race([done, new Promise((r) => setTimeout(r, 15000))]);
process.exit(0);
