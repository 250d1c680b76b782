#!/usr/bin/env node
// WebSockets over HTTP/2 (RFC 8441) against HTTP/1.1, on the SAME TLS server (bench/http2/server.mjs:
// http2.createSecureServer with allowHTTP1 and our WebSocketServer attached) and the SAME client
// (our WebSocket; `open(url, { http2: true })` or `open(url)`), interleaved in one run with
// repetitions (median of the reps):
//   echo:  N sockets, each keeping INFLIGHT messages in flight (every echo answered by the next
//          send): over h2 all N are streams of one TLS connection, over HTTP/1.1 N TLS connections
//   setup: SOCKETS sockets opened at once to one origin until all are connected: one TLS
//          handshake and SOCKETS streams, against SOCKETS TLS handshakes and upgrades
// Reports msgs/s (and server and client CPU per message), set-up time (and CPU per socket), and
// the ratios h2/HTTP/1.1. Needs `npm run build:ts`.
//   node bench/http2/run.mjs [--duration S] [--reps N] [--conns N] [--inflight N] [--sockets N]
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBenchCerts, median, opt, requireDist, startServer } from '../tls/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const duration = opt('duration', 3);
const reps = opt('reps', 3);
const conns = opt('conns', 16);
const inflight = opt('inflight', 16);
const socketCount = opt('sockets', 1000);
const warmMs = 500;
const SIZES = [
  { name: 'text 16 B', size: 16, binary: false },
  { name: 'binary 1 KiB', size: 1024, binary: true },
  { name: 'binary 64 KiB', size: 65536, binary: true },
];
const MODES = ['h2', 'http/1.1'];

requireDist(here);
const { WebSocket } = require('../../dist/cjs/index.js');
const { dir, ca, cleanup } = makeBenchCerts();

/** Opens `n` of our clients at once; resolves with them when all are connected. */
function openAll(port, n, mode) {
  return Promise.all(
    Array.from({ length: n }, () =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket();
        ws.setSslConfiguration({ caCertificates: [ca] });
        ws.once('connected', () => resolve(ws));
        ws.once('errorOccurred', () => reject(new Error(ws.errorString())));
        ws.open(`wss://127.0.0.1:${port}/`, { http2: mode === 'h2', handshakeTimeoutMs: 60000 });
      }),
    ),
  );
}

/** Closes the sockets, lets the server drop its HTTP/2 sessions, and waits for the dust to settle. */
async function closeAll(server, sockets) {
  for (const ws of sockets) ws.abort();
  server.send('drop');
  await new Promise((r) => setTimeout(r, 300));
}

const clientCpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function echo(server, mode, size) {
  const sockets = await openAll(server.port, conns, mode);
  const payload = size.binary ? Buffer.alloc(size.size, 7) : 'a'.repeat(size.size);
  const send = size.binary ? (ws) => ws.sendBinaryMessage(payload) : (ws) => ws.sendTextMessage(payload);
  let count = 0;
  for (const ws of sockets) {
    const again = () => {
      count++;
      send(ws);
    };
    ws.on(size.binary ? 'binaryMessageReceived' : 'textMessageReceived', again);
    for (let i = 0; i < inflight; i++) send(ws);
  }
  await new Promise((r) => setTimeout(r, warmMs));
  const s0 = await server.cpu();
  const c0 = clientCpu();
  count = 0;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, duration * 1000));
  const n = count;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = clientCpu();
  const s1 = await server.cpu();
  await closeAll(server, sockets);
  return { rate: n / secs, serverCpu: (s1 - s0) / n, clientCpu: (c1 - c0) / n };
}

async function setup(server, mode) {
  const s0 = await server.cpu();
  const c0 = clientCpu();
  const t0 = process.hrtime.bigint();
  const sockets = await openAll(server.port, socketCount, mode);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c1 = clientCpu();
  const s1 = await server.cpu();
  await closeAll(server, sockets);
  return { ms, serverCpu: (s1 - s0) / socketCount, clientCpu: (c1 - c0) / socketCount };
}

const server = await startServer(join(here, 'server.mjs'), [dir]);
const load0 = loadavg();
const echoResults = {};
const setupResults = { h2: [], 'http/1.1': [] };
try {
  for (let r = 0; r < reps; r++) {
    // alternate the order between repetitions so neither side always runs first
    const order = r % 2 === 0 ? MODES : [...MODES].reverse();
    for (const mode of order) setupResults[mode].push(await setup(server, mode));
    for (const size of SIZES) {
      echoResults[size.name] ??= { h2: [], 'http/1.1': [] };
      for (const mode of order) echoResults[size.name][mode].push(await echo(server, mode, size));
    }
  }
} finally {
  server.child.kill();
  cleanup();
}
const load1 = loadavg();

const f0 = (x) => Math.round(x).toLocaleString('en-US');
const f2 = (x) => x.toFixed(2);
const med = (rs, k) => median(rs.map((x) => x[k]));
console.log(`WebSockets over HTTP/2 (RFC 8441) vs HTTP/1.1, one TLS server (allowHTTP1), our client; ${reps} reps (median), Node ${process.version}`);
console.log(`load average ${load0.map(f2).join(' ')} at the start, ${load1.map(f2).join(' ')} at the end (${process.argv.slice(2).join(' ') || 'defaults'})`);
console.log('');
console.log(`Echo: ${conns} sockets x ${inflight} in flight, ${duration} s per cell; CPU: µs per echoed message`);
console.log('| message | h2 msgs/s | HTTP/1.1 msgs/s | h2/HTTP/1.1 | server CPU h2 | server CPU HTTP/1.1 | client CPU h2 | client CPU HTTP/1.1 |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, r] of Object.entries(echoResults)) {
  const h = r.h2;
  const o = r['http/1.1'];
  console.log(`| ${name} | ${f0(med(h, 'rate'))} | ${f0(med(o, 'rate'))} | ${f2(med(h, 'rate') / med(o, 'rate'))}x | ${f2(med(h, 'serverCpu'))} | ${f2(med(o, 'serverCpu'))} | ${f2(med(h, 'clientCpu'))} | ${f2(med(o, 'clientCpu'))} |`);
}
console.log('');
console.log(`Set-up: ${socketCount} sockets opened at once to one origin, until all are connected; CPU: µs per socket`);
console.log('| | time (ms) | server CPU | client CPU |');
console.log('|---|---:|---:|---:|');
for (const mode of MODES) {
  const r = setupResults[mode];
  console.log(`| ${mode === 'h2' ? 'h2: one session' : `HTTP/1.1: ${socketCount} TLS handshakes`} | ${f0(med(r, 'ms'))} | ${f0(med(r, 'serverCpu'))} | ${f0(med(r, 'clientCpu'))} |`);
}
const h = setupResults.h2;
const o = setupResults['http/1.1'];
console.log(`| HTTP/1.1 / h2 | ${f2(med(o, 'ms') / med(h, 'ms'))}x | ${f2(med(o, 'serverCpu') / med(h, 'serverCpu'))}x | ${f2(med(o, 'clientCpu') / med(h, 'clientCpu'))}x |`);
