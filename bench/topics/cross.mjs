#!/usr/bin/env node
// Cross-node topics: two server processes and one Redis (Debian's redis-server, started here on a
// free port), N subscribers split across the two, publishes issued on the first. qwebsocket with
// RedisBroker against socket.io with @socket.io/redis-adapter on the same Redis, interleaved.
//   node bench/topics/cross.mjs [--conns 1000] [--burst 200] [--pace 300] [--every 10] [--reps 2]
// burst: K publishes as fast as the publisher goes → messages delivered per second (first
// publish to last receive); pace: one publish every E ms → publish-to-receive p50/p99.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
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
const burst = Number(opt('burst', 200));
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
    pid: p.pid,
    stop: () => p.kill('SIGKILL'),
  };
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

// the subscribers: plain C, the same client for both contenders (see subscribers.c)
const SUBSCRIBERS = join(here, 'subscribers');
execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-std=c11', '-o', SUBSCRIBERS, join(here, 'subscribers.c')], { stdio: 'inherit' });

/**
 * How late a 10 ms timer fires in this (idle) process meanwhile: the machine's scheduling delay,
 * a floor under any latency measured here. @returns stop() → p99 lateness in ms
 */
function timerLateness() {
  const late = [];
  let prev = process.hrtime.bigint();
  const t = setInterval(() => {
    const now = process.hrtime.bigint();
    late.push(Number(now - prev) / 1e6 - 10);
    prev = now;
  }, 10);
  return () => {
    clearInterval(t);
    late.sort((a, b) => a - b);
    return late[Math.floor(late.length * 0.99)] ?? 0;
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

const results = Object.fromEntries(CONTENDERS.map((c) => [c.name, { rate: [], p50: [], p99: [], cpu: [], local: [], remote: [], timer: [] }]));
try {
  for (let r = 0; r < reps; r++) {
    for (const c of CONTENDERS) {
      progress(`cross-node ${c.name}: rep ${r + 1}/${reps}`);
      const nodes = [child('node', [join(here, c.script)], { REDIS_URL }), child('node', [join(here, c.script)], { REDIS_URL })];
      const ports = await Promise.all(nodes.map(async (n) => Number((await n.line('PORT')).split(' ')[1])));
      const subs = child('bash', ['-c', `ulimit -n 65536 2>/dev/null; exec ${SUBSCRIBERS} --mode ${c.mode} --conns ${conns} ${ports.join(' ')}`]);
      try {
        await subs.line('READY');
        await new Promise((res) => setTimeout(res, 300));
        subs.send(`expect ${burst}`);
        await new Promise((res) => setTimeout(res, 50));
        // the two servers' CPU per delivered message: steadier than rates on a loaded machine
        const cpu0 = nodes.reduce((t, n) => t + cpuOf(n.pid), 0);
        nodes[0].send(`burst ${burst}`);
        const start = Number((await nodes[0].line('START')).split(' ')[1]);
        const [, last, count] = (await subs.line('DONE')).split(' ').map(Number);
        results[c.name].cpu.push(((nodes.reduce((t, n) => t + cpuOf(n.pid), 0) - cpu0) * 1e6) / count);
        results[c.name].rate.push(count / ((last - start) / 1e6));
        subs.send(`expect ${pace}`);
        await new Promise((res) => setTimeout(res, 50));
        nodes[0].send(`pace ${pace} ${every}`);
        const lateness = timerLateness();
        const [, , , p50, p99, , l50, l99, r50, r99] = (await subs.line('DONE')).split(' ').map(Number);
        results[c.name].timer.push(lateness());
        results[c.name].p50.push(p50 / 1000);
        results[c.name].p99.push(p99 / 1000);
        results[c.name].local.push(`${(l50 / 1000).toFixed(2)}/${(l99 / 1000).toFixed(2)}`);
        results[c.name].remote.push(`${(r50 / 1000).toFixed(2)}/${(r99 / 1000).toFixed(2)}`);
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
md += `| contender | delivered/s | servers' CPU µs per delivery | p50 ms | p99 ms | p50/p99 ms on the publishing server (each run) | p50/p99 ms on the other (each run) |\n|---|---|---|---|---|---|---|\n`;
for (const c of CONTENDERS) {
  const x = results[c.name];
  md += `| ${c.name} | ${fmt(median(x.rate))} | ${median(x.cpu).toFixed(2)} | ${median(x.p50).toFixed(2)} | ${median(x.p99).toFixed(2)} | ${x.local.join(', ')} | ${x.remote.join(', ')} |\n`;
}
const timers = CONTENDERS.flatMap((c) => results[c.name].timer);
md += `\nMeanwhile a 10 ms timer in the idle driver process fired up to ${median(timers).toFixed(1)} ms late (p99, median over runs): the machine's scheduling delay under its load (load average ${(await import('node:os')).loadavg()[0].toFixed(1)} at the end), a floor under every latency above.\n`;
md += `\nqwebsocket / socket.io: delivered rate ${(median(ours.rate) / median(theirs.rate)).toFixed(2)}x; servers' CPU per delivery ${(median(theirs.cpu) / median(ours.cpu)).toFixed(2)}x less; p99 ${(median(theirs.p99) / median(ours.p99)).toFixed(2)}x lower.\n`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md);
console.log(md);
