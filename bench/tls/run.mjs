#!/usr/bin/env node
// Echo over wss:// (TLS 1.3 on loopback): the qwebsocket SecureMode server vs a `ws` server on
// node:https, driven by the SAME client (N `ws` connections, each keeping INFLIGHT messages in
// flight, every echo answered by the next send), interleaved in one run with repetitions.
// Prints msgs/s per contender and size and the ratio qwebsocket/ws. Needs `npm run build:ts`.
//   node bench/tls/run.mjs [--duration S] [--reps N] [--conns N] [--inflight N]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { makeBenchCerts, median, opt, requireDist, startServer } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { WebSocket } = require('ws');
const duration = opt('duration', 3);
const reps = opt('reps', 2);
const conns = opt('conns', 4);
const inflight = opt('inflight', 16);
const warmMs = 500;
const SIZES = [
  { name: 'text 16 B', size: 16, binary: false },
  { name: 'binary 1 KiB', size: 1024, binary: true },
];

requireDist(here);

const { dir, ca, cleanup } = makeBenchCerts();
const startServerFor = (lib) => startServer(join(here, 'server.mjs'), [lib, dir]);

/** Opens `conns` ws clients, keeps `inflight` messages each in flight, counts echoes after warm-up. */
async function drive(server, size) {
  const port = server.port;
  const payload = size.binary ? Buffer.alloc(size.size, 7) : 'a'.repeat(size.size);
  const clients = await Promise.all(
    Array.from({ length: conns }, () =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`wss://127.0.0.1:${port}/`, { ca, perMessageDeflate: false });
        ws.on('open', () => resolve(ws));
        ws.on('error', reject);
      }),
    ),
  );
  let count = 0;
  let measuring = false;
  for (const ws of clients) {
    ws.on('message', () => {
      if (measuring) count++;
      ws.send(payload, { binary: size.binary });
    });
    for (let i = 0; i < inflight; i++) ws.send(payload, { binary: size.binary });
  }
  await new Promise((r) => setTimeout(r, warmMs));
  const cpu0 = await server.cpu();
  count = 0;
  measuring = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, duration * 1000));
  measuring = false;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = count;
  const cpu1 = await server.cpu();
  for (const ws of clients) ws.terminate();
  return { rate: n / secs, cpuPerMsg: (cpu1 - cpu0) / n };
}

const servers = { qwebsocket: await startServerFor('qwebsocket'), ws: await startServerFor('ws') };
const results = {};
try {
  for (const size of SIZES) {
    results[size.name] = { qwebsocket: [], ws: [] };
    for (let r = 0; r < reps; r++) {
      // alternate the order between repetitions so neither side always runs first
      const order = r % 2 === 0 ? ['qwebsocket', 'ws'] : ['ws', 'qwebsocket'];
      for (const lib of order) results[size.name][lib].push(await drive(servers[lib], size));
    }
  }
} finally {
  for (const s of Object.values(servers)) s.child.kill();
  cleanup();
}

console.log(`wss:// echo, ${conns} ws clients x ${inflight} in flight, ${duration}s x ${reps} reps (median), Node ${process.version}`);
console.log('msgs/s: echoes the client received; server CPU: µs of server-process CPU per echoed message');
console.log('| message | qwebsocket msgs/s | ws msgs/s | qwebsocket/ws | qwebsocket server CPU | ws server CPU | CPU ws/qwebsocket |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, r] of Object.entries(results)) {
  const q = median(r.qwebsocket.map((x) => x.rate));
  const w = median(r.ws.map((x) => x.rate));
  const qc = median(r.qwebsocket.map((x) => x.cpuPerMsg));
  const wc = median(r.ws.map((x) => x.cpuPerMsg));
  const f = (x) => Math.round(x).toLocaleString('en-US');
  console.log(`| ${name} | ${f(q)} | ${f(w)} | ${(q / w).toFixed(2)}x | ${qc.toFixed(2)} µs | ${wc.toFixed(2)} µs | ${(wc / qc).toFixed(2)}x |`);
}
