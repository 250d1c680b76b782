#!/usr/bin/env node
// Cross-node topics: two server processes and one Redis (Debian's redis-server, started here on a
// free port), N subscribers split across the two, publishes issued on the first. qwebsocket with
// RedisBroker against socket.io with @socket.io/redis-adapter on the same Redis, and against the
// same topology run by two C servers (floor-node.c: no runtime, raw RESP), interleaved.
//   node bench/topics/cross.mjs [--conns 1000] [--burst 200] [--pace 300] [--every 10] [--reps 2]
//                               [--contenders qws,sio,floor]
// burst: K publishes as fast as the publisher goes → messages delivered per second (first
// publish to last receive); pace: one publish every E ms → publish-to-arrival p50/p99 (see
// subscribers.c: arrival is the kernel's receive time, so the subscribers' own queueing is not
// counted; the read latency that includes it is reported beside). Before the contenders of each
// rep, floors: how late a 10 ms timer fires in this process meanwhile, a bare PUBLISH → message
// round trip through the same Redis with node-redis (redis-floor.mjs), and how long one C
// process takes to write a frame to each of conns/2 loopback sockets (fanout-floor.c): one
// server's share of the fan-out.
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
const picked = opt('contenders', 'qws,sio,floor').split(',');
// key: for --contenders; mode: the subscribers' protocol (see subscribers.c); start(i): server i
const CONTENDERS = [
  { name: 'qwebsocket + RedisBroker', key: 'qws', mode: 'qws', start: () => child('node', [join(here, 'node-qws.mjs')], { REDIS_URL }) },
  { name: 'socket.io + redis-adapter', key: 'sio', mode: 'sio', start: () => child('node', [join(here, 'node-sio.mjs')], { REDIS_URL }) },
  // the same topology with two C servers (floor-node.c): what no runtime at all gets on this machine
  { name: 'floor: C servers, raw RESP', key: 'floor', mode: 'qws', start: (i) => child(FLOOR_NODE, [String(i)], { REDIS_URL }) },
].filter((c) => picked.includes(c.key));

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
const FANOUT_FLOOR = join(here, 'fanout-floor');
const FLOOR_NODE = join(here, 'floor-node');
for (const bin of [SUBSCRIBERS, FANOUT_FLOOR, FLOOR_NODE]) execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-std=c11', '-o', bin, `${bin}.c`], { stdio: 'inherit' });

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

const FIELDS = ['p50', 'p99', 'l50', 'l99', 'r50', 'r99', 'read50', 'read99', 'lFirst50', 'lFirst99', 'lSpan50', 'lSpan99', 'rFirst50', 'rFirst99', 'rSpan50', 'rSpan99'];
const results = Object.fromEntries(CONTENDERS.map((c) => [c.name, { rate: [], cpu: [], timer: [], ...Object.fromEntries(FIELDS.map((f) => [f, []])) }]));
const floors = { timer: [], redis50: [], redis99: [], fan50: [], fan99: [], fanLat50: [], fanLat99: [], load: [] };
const perServer = Math.ceil(conns / 2);
const ms = (us) => Number(us) / 1000;
try {
  for (let r = 0; r < reps; r++) {
    // floors, with nothing of the contenders running: the machine's timer lateness during a bare
    // PUBLISH → message round trip on the same Redis with node-redis, then the C fan-out
    progress(`cross-node floors: rep ${r + 1}/${reps}`);
    floors.load.push((await import('node:os')).loadavg()[0]);
    const lateness = timerLateness();
    const floor = child('node', [join(here, 'redis-floor.mjs'), String(pace), String(every)], { REDIS_URL });
    const [, f50, f99] = (await floor.line('FLOOR')).split(' ');
    floors.timer.push(lateness());
    floors.redis50.push(ms(f50));
    floors.redis99.push(ms(f99));
    floor.stop();
    const fan = child('bash', ['-c', `ulimit -n 65536 2>/dev/null; exec ${FANOUT_FLOOR} ${perServer} ${pace} ${every}`]);
    const [, w50, w99, l50, l99] = (await fan.line('FANOUT')).split(' ');
    floors.fan50.push(ms(w50));
    floors.fan99.push(ms(w99));
    floors.fanLat50.push(ms(l50));
    floors.fanLat99.push(ms(l99));
    for (const c of CONTENDERS) {
      progress(`cross-node ${c.name}: rep ${r + 1}/${reps}`);
      const nodes = [c.start(0), c.start(1)];
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
        const [, , , p50, p99, , ...rest] = (await subs.line('DONE')).split(' ');
        results[c.name].timer.push(lateness());
        [p50, p99, ...rest].forEach((v, i) => results[c.name][FIELDS[i]].push(ms(v)));
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

const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
const med = (xs) => median(xs).toFixed(2);
const pair = (x, a, b) => `${med(x[a])}/${med(x[b])}`;
const runs = (x, a, b) => x[a].map((v, i) => `${v.toFixed(2)}/${x[b][i].toFixed(2)}`).join(', ');
let md = `# Topics across processes (bench/topics/cross.mjs)\n\n`;
md += `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}; two server processes + one redis-server, ${conns} subscribers split across them, publishes on the first; burst of ${burst} publishes (16 B) for the rate, one publish every ${every} ms (${pace}) for latency; median of ${reps} interleaved runs; load average ${floors.load.map((l) => l.toFixed(1)).join(', ')} at the start of each rep, ${(await import('node:os')).loadavg()[0].toFixed(1)} at the end.\n\n`;
md += `Latency is publish to arrival: from the stamp taken just before \`publish()\` to the kernel's receive time of the subscriber's socket, so the subscribers' own queueing (one thread reading ${conns} sockets) is not counted; "read" adds it (until the subscribers' process read the bytes).\n\n`;
md += `| contender | delivered/s | servers' CPU µs per delivery | p50 ms | p99 ms | read p50/p99 ms | p50/p99 ms on the publishing server (each run) | p50/p99 ms on the other (each run) |\n|---|---|---|---|---|---|---|---|\n`;
for (const c of CONTENDERS) {
  const x = results[c.name];
  md += `| ${c.name} | ${fmt(median(x.rate))} | ${median(x.cpu) > 0 ? med(x.cpu) : 'under one /proc tick'} | ${med(x.p50)} | ${med(x.p99)} | ${pair(x, 'read50', 'read99')} | ${runs(x, 'l50', 'l99')} | ${runs(x, 'r50', 'r99')} |\n`;
}
md += `\nWhere the time goes, per publish (p50/p99 over the ${pace} publishes, median over runs): "first" is publish → the first subscriber's arrival on a server, "span" the first → last arrival there (the time that server's fan-out took).\n\n`;
md += `| contender | publishing server: first | its span | other server: first | its span |\n|---|---|---|---|---|\n`;
for (const c of CONTENDERS) {
  const x = results[c.name];
  md += `| ${c.name} | ${pair(x, 'lFirst50', 'lFirst99')} | ${pair(x, 'lSpan50', 'lSpan99')} | ${pair(x, 'rFirst50', 'rFirst99')} | ${pair(x, 'rSpan50', 'rSpan99')} |\n`;
}
const timers = CONTENDERS.flatMap((c) => results[c.name].timer);
md += `\nFloors, same run: a 10 ms timer in the idle driver process fired up to ${median(timers).toFixed(1)} ms late (p99, median over the contenders' runs; ${med(floors.timer)} ms with only the Redis floor running); a bare PUBLISH → message round trip through the same Redis with node-redis (no WebSocket, ${pace} publishes every ${every} ms) took p50/p99 ${pair(floors, 'redis50', 'redis99')} ms (each run: ${runs(floors, 'redis50', 'redis99')}); one C process writing an 18 B frame to each of ${perServer} loopback TCP sockets (one \`write()\` each, what one server's fan-out must do) took p50/p99 ${pair(floors, 'fan50', 'fan99')} ms per round (each run: ${runs(floors, 'fan50', 'fan99')}) — the floor under a server's span (the two servers' spans add up when the machine runs them one after the other) — and its subscribers' publish-to-arrival p50/p99 was ${pair(floors, 'fanLat50', 'fanLat99')} ms (each run: ${runs(floors, 'fanLat50', 'fanLat99')}): what a server with no overhead at all gets on one process's subscribers, with no broker hop. These are the machine's scheduling delay under its load, the broker hop alone and the kernel's part of a fan-out: floors under every latency above.\n`;
const of = (key) => results[CONTENDERS.find((c) => c.key === key)?.name];
const [ours, sio, floor] = ['qws', 'sio', 'floor'].map(of);
if (ours && sio) {
  md += `\nqwebsocket / socket.io: delivered rate ${(median(ours.rate) / median(sio.rate)).toFixed(2)}x; servers' CPU per delivery ${(median(sio.cpu) / median(ours.cpu)).toFixed(2)}x less; p99 ${(median(sio.p99) / median(ours.p99)).toFixed(2)}x lower.\n`;
}
if (ours && floor) {
  md += `\nqwebsocket / the C floor: p50 ${(median(ours.p50) / median(floor.p50)).toFixed(2)}x, p99 ${(median(ours.p99) / median(floor.p99)).toFixed(2)}x the floor's; delivered rate ${(median(ours.rate) / median(floor.rate)).toFixed(2)}x.\n`;
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md);
console.log(md);
