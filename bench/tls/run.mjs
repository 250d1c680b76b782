#!/usr/bin/env node
// Echo over wss:// (TLS 1.3 on loopback): the qwebsocket SecureMode server vs a `ws` server on
// node:https, driven by the SAME client (N `ws` connections, each keeping INFLIGHT messages in
// flight, every echo answered by the next send), interleaved in one run with repetitions.
// Prints msgs/s per contender and size and the ratio qwebsocket/ws. Needs `npm run build:ts`.
//   node bench/tls/run.mjs [--duration S] [--reps N] [--conns N] [--inflight N]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { WebSocket } = require('ws');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const duration = opt('duration', 3);
const reps = opt('reps', 2);
const conns = opt('conns', 4);
const inflight = opt('inflight', 16);
const warmMs = 500;
const SIZES = [
  { name: 'text 16 B', size: 16, binary: false },
  { name: 'binary 1 KiB', size: 1024, binary: true },
];

if (!existsSync(join(here, '../../dist/cjs/index.js'))) {
  console.error('dist/ missing: run `npm run build:ts` first');
  process.exit(1);
}

// a CA and a server certificate for 127.0.0.1, as a real deployment would have
const dir = mkdtempSync(join(tmpdir(), 'qws-bench-tls-'));
const ssl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
ssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=bench CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
ssl('req', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext');
const ca = readFileSync(join(dir, 'ca.crt'));

function startServer(lib) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'server.mjs'), lib, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let cpuWaiter = null;
    const server = {
      child,
      port: 0,
      /** The server process's CPU time (µs). */
      cpu: () => new Promise((r) => {
        cpuWaiter = r;
        child.stdin.write('cpu\n');
      }),
    };
    child.stdout.on('data', (d) => {
      out += d;
      const cpu = /CPU (\d+)\n/.exec(out);
      if (cpu && cpuWaiter) {
        out = out.slice(cpu.index + cpu[0].length);
        const w = cpuWaiter;
        cpuWaiter = null;
        w(Number(cpu[1]));
      }
      const m = /PORT (\d+)/.exec(out);
      if (m && server.port === 0) {
        server.port = Number(m[1]);
        out = '';
        resolve(server);
      }
    });
    child.on('exit', (code) => reject(new Error(`${lib} server exited with ${code}`)));
  });
}

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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const servers = { qwebsocket: await startServer('qwebsocket'), ws: await startServer('ws') };
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
  rmSync(dir, { recursive: true, force: true });
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
