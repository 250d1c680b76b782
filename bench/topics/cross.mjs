#!/usr/bin/env node
// Cross-node topics: two server processes and one Redis (Debian's redis-server, started here on a
// free port), N subscribers split across the two, publishes issued on the first. qwebsocket with
// RedisBroker against socket.io with @socket.io/redis-adapter on the same Redis, interleaved.
//   node bench/topics/cross.mjs [--conns 1000] [--burst 500] [--pace 300] [--every 10] [--reps 2]
// burst: K publishes as fast as the publisher goes → messages delivered per second (first
// publish to last receive); pace: one publish every E ms → publish-to-receive p50/p99.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const conns = Number(opt('conns', 1000));
const burst = Number(opt('burst', 500));
const pace = Number(opt('pace', 300));
const every = Number(opt('every', 10));
const reps = Number(opt('reps', 2));
const out = opt('out', join(here, '..', 'results', 'topics.md'));
const CONTENDERS = [
  { name: 'qwebsocket + RedisBroker', script: 'node-qws.mjs', mode: 'qws' },
  { name: 'socket.io + redis-adapter', script: 'node-sio.mjs', mode: 'sio' },
];

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A child whose stdout lines can be awaited by prefix. */
function child(cmd, argv, env = {}) {
  const p = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  const lines = [];
  const waiters = [];
  let err = '';
  p.stdout.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  p.stderr.on('data', (d) => (err += d.toString()));
  return {
    send: (s) => p.stdin.write(`${s}\n`),
    async line(prefix, timeoutMs = 120000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const i = lines.findIndex((l) => l.startsWith(prefix));
        if (i >= 0) return lines.splice(i, 1)[0];
        if (p.exitCode !== null || Date.now() > end) throw new Error(`${argv.at(-1)}: no ${prefix} (${err.slice(-500)})`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    stop: () => p.kill('SIGKILL'),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const progress = (s) => process.stderr.write(`${s}\n`);

const redisDir = mkdtempSync(join(tmpdir(), 'qws-bench-redis-'));
const redisPort = await freePort();
const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' });
const REDIS_URL = `redis://127.0.0.1:${redisPort}`;
for (let i = 0; i < 100; i++) {
  try {
    execFileSync('redis-cli', ['-p', String(redisPort), 'ping'], { stdio: 'ignore' });
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}

const results = Object.fromEntries(CONTENDERS.map((c) => [c.name, { rate: [], p50: [], p99: [] }]));
try {
  for (let r = 0; r < reps; r++) {
    for (const c of CONTENDERS) {
      progress(`cross-node ${c.name}: rep ${r + 1}/${reps}`);
      const nodes = [child('node', [join(here, c.script)], { REDIS_URL }), child('node', [join(here, c.script)], { REDIS_URL })];
      const ports = await Promise.all(nodes.map(async (n) => Number((await n.line('PORT')).split(' ')[1])));
      const subs = child('bash', ['-c', `ulimit -n 65536 2>/dev/null; exec node ${join(here, 'subscribers.mjs')} --mode ${c.mode} --conns ${conns} --urls ${ports.map((p) => `ws://127.0.0.1:${p}/`).join(',')}`]);
      try {
        await subs.line('READY');
        await new Promise((res) => setTimeout(res, 300));
        subs.send(`expect ${burst}`);
        await new Promise((res) => setTimeout(res, 50));
        nodes[0].send(`burst ${burst}`);
        const start = Number((await nodes[0].line('START')).split(' ')[1]);
        const [, last, count] = (await subs.line('DONE')).split(' ').map(Number);
        results[c.name].rate.push(count / ((last - start) / 1e6));
        subs.send(`expect ${pace}`);
        await new Promise((res) => setTimeout(res, 50));
        nodes[0].send(`pace ${pace} ${every}`);
        const [, , , p50, p99] = (await subs.line('DONE')).split(' ').map(Number);
        results[c.name].p50.push(p50 / 1000);
        results[c.name].p99.push(p99 / 1000);
      } finally {
        subs.stop();
        nodes.forEach((n) => n.stop());
      }
    }
  }
} finally {
  redis.kill('SIGKILL');
  rmSync(redisDir, { recursive: true, force: true });
}

const [ours, theirs] = CONTENDERS.map((c) => results[c.name]);
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
let md = `# Topics across processes (bench/topics/cross.mjs)\n\n`;
md += `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}; two server processes + one redis-server, ${conns} subscribers split across them, publishes on the first; burst of ${burst} publishes (16 B) for the rate, one publish every ${every} ms (${pace}) for latency; median of ${reps} interleaved runs.\n\n`;
md += `| contender | delivered/s | p50 ms | p99 ms |\n|---|---|---|---|\n`;
for (const c of CONTENDERS) {
  const x = results[c.name];
  md += `| ${c.name} | ${fmt(median(x.rate))} | ${median(x.p50).toFixed(2)} | ${median(x.p99).toFixed(2)} |\n`;
}
md += `\nqwebsocket / socket.io: delivered rate ${(median(ours.rate) / median(theirs.rate)).toFixed(2)}x; p99 ${(median(theirs.p99) / median(ours.p99)).toFixed(2)}x lower.\n`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md);
console.log(md);
