#!/usr/bin/env node
// The benchmark harness: starts every contender's echo server on loopback, drives them with the
// C load generator, interleaved in ONE run with repetitions, and reports ratios.
//   node bench/run.mjs [--scenario echo,latency,accept,broadcast,publish,memory,client,tls,deflate,topics] [--contenders a,b]
//                      [--duration S] [--reps N] [--quick] [--fresh] [--conns 1,16,256] [--sizes text16,bin1k,bin64k]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, renderMarkdown, renderSvg } from './report.mjs';
import { place, placementUnavailable } from './placement.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const quick = args.includes('--quick');
const fresh = args.includes('--fresh');
const scenarios = opt('scenario', 'echo,latency,accept,broadcast,publish,memory,client,tls,deflate,topics').split(',');
const duration = Number(opt('duration', quick ? 0.5 : 1));
const reps = Number(opt('reps', quick ? 1 : 2));
const connsList = opt('conns', '1,16,256').split(',').map(Number);
const SIZES = { text16: { size: 16, text: true }, bin1k: { size: 1024, text: false }, bin64k: { size: 65536, text: false } };
const sizes = opt('sizes', 'text16,bin1k,bin64k').split(',');
const inflight = Number(opt('inflight', 16));
const bigN = Number(opt('big', 10000));
// where server and load generator run (see placement.mjs): the echo matrix, and the latency rows
const echoPlacement = opt('placement', 'free');
const latencyPlacements = opt('latency-placement', 'one,two').split(',');

const haveDist = existsSync(join(root, 'dist/cjs/index.js'));
// uWebSockets.js is a bench-only contender built from source (bench/uws/build.sh), for this Node's ABI
const uwsAddon = join(here, `uws/vendor/dist/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
const haveUws = existsSync(uwsAddon);
const NEED_DIST = 'run `npm run build` first (dist/ missing)';
const NEED_UWS = `build it with bench/uws/build.sh (no ${uwsAddon}; uWebSockets.js is a bench-only contender)`;
const ALL = [
  { name: 'qwebsocket', script: 'qwebsocket.mjs', env: {}, needs: haveDist, why: NEED_DIST },
  { name: 'qwebsocket-node', script: 'qwebsocket.mjs', env: { QWS_TRANSPORT: 'node' }, needs: haveDist, why: NEED_DIST },
  { name: 'qwebsocket-fallback', script: 'qwebsocket.mjs', env: { QWS_NO_NATIVE: '1' }, needs: haveDist, why: NEED_DIST },
  // the ws face (qwebsocket/ws) with ws's own echo handler: must keep up with the Qt face
  { name: 'qws-ws', script: 'ws.mjs', env: { QWS_WS_FACE: '1' }, needs: haveDist, why: NEED_DIST },
  { name: 'uws', script: 'uws.mjs', env: {}, needs: haveUws, why: NEED_UWS },
  { name: 'uws-text', script: 'uws.mjs', env: { UWS_TEXT: '1' }, needs: haveUws, why: NEED_UWS },
  { name: 'ws+bufferutil', script: 'ws.mjs', env: {}, needs: true },
  { name: 'ws', script: 'ws.mjs', env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' }, needs: true },
  { name: 'raw', script: 'raw.mjs', env: {}, needs: true },
  { name: 'raw-text', script: 'raw.mjs', env: { RAW_TEXT: '1' }, needs: true },
];
const wanted = opt('contenders', ALL.map((c) => c.name).join(',')).split(',');
const contenders = ALL.filter((c) => wanted.includes(c.name));
const skipped = contenders.filter((c) => !c.needs).map((c) => `${c.name}: ${c.why}`);
for (const note of skipped) console.error(`skipping ${note}`);
const active = contenders.filter((c) => c.needs);
// the text variants differ from their base only on text messages
const activeFor = (text) => active.filter((c) => text || !c.env.UWS_TEXT && !c.env.RAW_TEXT);

const loadgen = join(here, 'loadgen/loadgen');
execFileSync('make', ['-s', '-C', join(here, 'loadgen')], { stdio: 'inherit' });

function startServer(c, extraArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `ulimit -n 65536 2>/dev/null; exec node ${extraArgs.join(' ')} ${join(here, 'servers', c.script)}`], {
      env: { ...process.env, ...c.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const lines = [];
    const waiters = [];
    child.stdout.on('data', (d) => {
      out += d.toString();
      let i;
      while ((i = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, i);
        out = out.slice(i + 1);
        const m = /^PORT (\d+)/.exec(line);
        if (m) resolve(server(Number(m[1])));
        else {
          lines.push(line);
          waiters.splice(0).forEach((w) => w());
        }
      }
    });
    child.stderr.on('data', () => {});
    child.on('exit', (code) => reject(new Error(`${c.name} server exited (${code})`)));
    const server = (port) => ({
      port,
      pid: child.pid, // bash execs node: the same process
      send: (cmd) => child.stdin.write(cmd + '\n'),
      line: async (prefix) => {
        for (;;) {
          const i = lines.findIndex((l) => l.startsWith(prefix));
          if (i >= 0) return lines.splice(i, 1)[0];
          await new Promise((r) => waiters.push(r));
        }
      },
      stop: () => child.kill('SIGKILL'),
    });
  });
}

// CPU seconds (user + system, all threads) a process has used, from /proc/PID/stat
const TICKS_PER_SEC = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
function processCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
}

/** Runs the load generator; `prefix` is a command it runs under (taskset, from place()). */
function runLoadgen(port, extra, prefix = []) {
  const [cmd, ...args] = [...prefix, loadgen, '--port', String(port), ...extra];
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
}

/** A load generator left running on `port`, once it reports its connections up (READY); `output()`: all it printed so far. */
async function startLoadgen(port, extra) {
  const lg = spawn(loadgen, ['--port', String(port), ...extra]);
  let out = '';
  lg.stdout.on('data', (d) => (out += d.toString()));
  while (!out.includes('READY')) await new Promise((res) => setTimeout(res, 50));
  return { lg, output: () => out };
}

const results = { date: new Date().toISOString(), node: process.version, skipped, scenarios: {} };
const progress = (s) => process.stderr.write(`\r\x1b[K${s}`);

// One echo matrix: every active contender's server on its own, each cell of conns × sizes run
// `reps` times in rotating order, each run with the server and load generator where `placement`
// puts them; medians, min–max and latency per contender.
async function echoMatrix(label, connsList, sizes, inflight, placement = 'free') {
  const why = placementUnavailable(placement);
  if (why !== null) {
    console.error(`skipping ${label} with placement ${placement}: ${why}`);
    results.skipped.push(`${label} (${placement}): ${why}`);
    return [];
  }
  // --fresh: each run gets a server process of its own (a long-lived one can drift into a slower
  // state — its heap, its page faults, its compiled code — and bias every cell after it)
  const servers = {};
  if (!fresh) for (const c of active) servers[c.name] = await startServer(c);
  const cells = [];
  const total = connsList.length * sizes.reduce((a, sz) => a + activeFor(SIZES[sz].text).length, 0) * reps;
  let done = 0;
  for (const conns of connsList) {
    for (const sz of sizes) {
      const { size, text } = SIZES[sz];
      const inCell = activeFor(text);
      const runs = Object.fromEntries(inCell.map((c) => [c.name, []]));
      for (let r = 0; r < reps; r++) {
        // rotate the order each repetition so no contender always runs first
        const order = inCell.map((_, i) => inCell[(i + r) % inCell.length]);
        for (const c of order) {
          progress(`${label} ${conns} conns ${sz} rep ${r + 1}/${reps} ${c.name} (${++done}/${total})`);
          const s = fresh ? await startServer(c) : servers[c.name];
          const under = place(placement, s.pid);
          const res = JSON.parse(runLoadgen(s.port, ['--cpu-of', String(s.pid), '--conns', String(conns), '--inflight', String(inflight), '--size', String(size), text ? '--text' : '--binary', '--duration', String(duration), '--warmup', String(Math.min(0.3, duration / 2)), '--json'], under));
          if (fresh) s.stop();
          runs[c.name].push(res);
        }
      }
      cells.push({ conns, payload: sz, runs });
    }
  }
  for (const s of Object.values(servers)) s.stop();
  return cells.map((cell) => ({
    conns: cell.conns,
    payload: cell.payload,
    inflight,
    placement,
    contenders: Object.fromEntries(Object.entries(cell.runs).map(([name, rs]) => [name, {
      median: median(rs.map((x) => x.msgsPerSec)),
      min: Math.min(...rs.map((x) => x.msgsPerSec)),
      max: Math.max(...rs.map((x) => x.msgsPerSec)),
      p50us: median(rs.map((x) => x.p50us)),
      p99us: median(rs.map((x) => x.p99us)),
      loadgenCpu: median(rs.map((x) => x.cpuPercent)),
      // the server's CPU per echo in the measured window: steadier than the rate on a loaded machine
      cpuUsPerMsg: median(rs.map((x) => (x.messages > 0 && x.serverCpuSec >= 0 ? (x.serverCpuSec * 1e6) / x.messages : Infinity))),
      errors: rs.reduce((a, x) => a + x.errors, 0),
    }])),
  }));
}

if (scenarios.includes('echo')) results.scenarios.echo = await echoMatrix('echo', connsList, sizes, inflight, echoPlacement);
// one connection, one message in flight: pure round-trip latency, nothing to batch; once with
// both processes on one CPU, once across two (placement.mjs says why the scheduler may not choose)
if (scenarios.includes('latency')) {
  results.scenarios.latency = [];
  for (const p of latencyPlacements) results.scenarios.latency.push(...(await echoMatrix('latency', [1], ['text16', 'bin1k'], 1, p)));
}

// connections accepted and upgraded per second: a fresh server per run, warmed by a first pass
if (scenarios.includes('accept')) {
  const rates = Object.fromEntries(active.map((c) => [c.name, []]));
  const cpus = Object.fromEntries(active.map((c) => [c.name, []]));
  for (let r = 0; r < reps; r++) {
    const order = active.map((_, i) => active[(i + r) % active.length]);
    for (const c of order) {
      progress(`accept ${bigN} connections: ${c.name} rep ${r + 1}/${reps}`);
      const s = await startServer(c);
      runLoadgen(s.port, ['--conns', String(Math.min(2000, bigN)), '--accept', '--duration', '60', '--json']);
      const cpu0 = processCpuSeconds(s.pid);
      const res = JSON.parse(runLoadgen(s.port, ['--conns', String(bigN), '--accept', '--duration', '60', '--json']));
      rates[c.name].push(res.perSec);
      cpus[c.name].push(((processCpuSeconds(s.pid) - cpu0) * 1e6) / res.upgraded);
      s.stop();
    }
  }
  results.scenarios.accept = Object.fromEntries(Object.entries(rates).map(([n, rs]) => [n, { perSec: median(rs), min: Math.min(...rs), max: Math.max(...rs), cpuUsPerConn: median(cpus[n]), connections: bigN }]));
}

const pick = (names) => active.filter((c) => names.includes(c.name));

/**
 * Messages delivered per second when the server sends one 16 B message ×10 to `bigN`
 * connections. Each rep runs a fresh server; one unmeasured round goes first (as the echo runs
 * have a warm-up), so a JS server is measured with its fan-out compiled, not interpreted.
 */
async function fanOutRates(c, times = reps) {
  const msgsPerBroadcast = 10;
  const perRound = bigN * msgsPerBroadcast;
  const rates = [];
  const cpus = [];
  for (let r = 0; r < times; r++) {
    progress(`fan-out to ${bigN} connections: ${c.name} rep ${r + 1}/${times}`);
    const s = await startServer(c);
    const { lg, output } = await startLoadgen(s.port, ['--conns', String(bigN), '--sink', String(2 * perRound), '--duration', '60']);
    await new Promise((res) => setTimeout(res, 300));
    s.send(`broadcast ${msgsPerBroadcast} 16`);
    await s.line('START');
    await s.line('BROADCAST');
    // the warm-up round is delivered long before this (a round takes well under 0.5 s)
    await new Promise((res) => setTimeout(res, 1500));
    const cpu0 = processCpuSeconds(s.pid);
    s.send(`broadcast ${msgsPerBroadcast} 16`);
    const start = BigInt((await s.line('START')).split(' ')[1]);
    // the server's CPU is read as the sink reports DONE (it keeps the connections open a moment)
    const cpu1 = await new Promise((res) => {
      const onData = () => {
        if (!output().includes('DONE')) return;
        lg.stdout.off('data', onData);
        res(processCpuSeconds(s.pid));
      };
      lg.stdout.on('data', onData);
      onData();
    });
    await new Promise((res) => lg.on('exit', res));
    const m = /DONE (\d+) (\d+)/.exec(output());
    if (m && Number(m[2]) > perRound) {
      const measured = Number(m[2]) - perRound;
      rates.push(measured / (Number(BigInt(m[1]) - start) / 1e9));
      // the server's CPU per delivered message: steadier than the rate on a loaded machine
      cpus.push(((cpu1 - cpu0) * 1e6) / measured);
    }
    s.stop();
  }
  return { deliveredPerSec: median(rates), min: Math.min(...rates), max: Math.max(...rates), cpuUsPerDelivery: median(cpus), connections: bigN };
}

if (scenarios.includes('broadcast')) {
  results.scenarios.broadcast = {};
  for (const c of pick(['qwebsocket', 'qwebsocket-node', 'uws', 'ws+bufferutil'])) results.scenarios.broadcast[c.name] = await fanOutRates(c);
}

// topics: server.publish to a topic every connection subscribed to, against our own broadcast()
// and ws's loop over its clients (the three interleaved, rep by rep)
if (scenarios.includes('publish') && haveDist) {
  const publishers = [
    { name: 'qwebsocket publish', script: 'qwebsocket.mjs', env: { TOPICS: '1' } },
    ...(wanted.includes('qwebsocket-node') ? [{ name: 'qwebsocket-node publish', script: 'qwebsocket.mjs', env: { TOPICS: '1', QWS_TRANSPORT: 'node' } }] : []),
    ...pick(['qwebsocket', 'ws+bufferutil']).map((c) => ({ ...c, name: c.name === 'qwebsocket' ? 'qwebsocket broadcast' : `${c.name} loop` })),
  ];
  const all = publishers.map((c) => ({ c, runs: [] }));
  for (let r = 0; r < reps; r++) for (const x of all) x.runs.push(await fanOutRates(x.c, 1));
  results.scenarios.publish = Object.fromEntries(
    all.map(({ c, runs }) => {
      const rates = runs.map((x) => x.deliveredPerSec);
      return [c.name, { deliveredPerSec: median(rates), min: Math.min(...rates), max: Math.max(...rates), cpuUsPerDelivery: median(runs.map((x) => x.cpuUsPerDelivery)), connections: bigN }];
    }),
  );
}

if (scenarios.includes('memory')) {
  results.scenarios.memory = {};
  // RSS deltas over `bigN` idle connections: after an ordinary GC (what an idle server holds:
  // V8 keeps the young generation it grew while the connections' objects were made) and after a
  // memory-reducing one (what the connections retain); then the marginal cost: the median of
  // four further steps of bigN / 8 connections (a median, since a table doubling or an arena
  // growing lands in one step: per connection it is amortized, not marginal)
  const step = Math.max(1, Math.floor(bigN / 8));
  const idle = async (port, n) => {
    const { lg } = await startLoadgen(port, ['--conns', String(n), '--idle', '--duration', '120']);
    await new Promise((res) => setTimeout(res, 500));
    return lg;
  };
  const rssOf = async (s, how) => {
    s.send(how);
    return (await s.line('MEM')).split(' ').slice(1).map(Number);
  };
  for (const c of pick(['qwebsocket', 'qwebsocket-fallback', 'qws-ws', 'uws', 'ws+bufferutil'])) {
    progress(`idle memory at ${bigN} connections, then ${step} at a time: ${c.name}`);
    const s = await startServer(c, ['--expose-gc']);
    const [before] = await rssOf(s, 'mem reduce');
    const loads = [await idle(s.port, bigN)];
    const [rss] = await rssOf(s, 'mem');
    let [last] = await rssOf(s, 'mem reduce');
    const retained = last;
    const steps = [];
    for (let i = 0; i < 4; i++) {
      loads.push(await idle(s.port, step));
      const [now] = await rssOf(s, 'mem reduce');
      steps.push((now - last) / step);
      last = now;
    }
    const [, count] = await rssOf(s, 'mem');
    for (const lg of loads) lg.kill('SIGKILL');
    s.stop();
    results.scenarios.memory[c.name] = {
      bytesPerConnection: Math.round((rss - before) / bigN),
      retainedBytesPerConnection: Math.round((retained - before) / bigN),
      marginalBytesPerConnection: Math.round(median(steps)),
      connections: bigN,
      openAtEnd: count,
    };
  }
}

if (scenarios.includes('client')) {
  results.scenarios.client = {};
  const raw = await startServer(ALL.find((c) => c.name === 'raw'));
  const libs = haveDist ? ['qwebsocket', 'ws', 'undici'] : ['ws', 'undici'];
  // Node's built-in WebSocket (undici's) needs a flag before Node 22
  const nodeArgs = (lib) => (lib === 'undici' && typeof globalThis.WebSocket !== 'function' ? ['--experimental-websocket'] : []);
  // one connection (latency-bound ping-pong) and 16 connections from one client process
  for (const conns of [1, 16]) {
    const rates = Object.fromEntries(libs.map((l) => [l, []]));
    for (let r = 0; r < reps; r++) {
      for (const lib of libs.map((_, i) => libs[(i + r) % libs.length])) {
        progress(`client throughput: ${lib}, ${conns} conn(s), rep ${r + 1}/${reps}`);
        const out = execFileSync('node', [...nodeArgs(lib), join(here, 'clients/client.mjs'), lib, String(raw.port), String(duration + 0.5), String(inflight), String(conns)], { encoding: 'utf8' });
        rates[lib].push(JSON.parse(out).msgsPerSec);
      }
    }
    const row = {};
    for (const lib of libs) row[lib] = { median: median(rates[lib]), min: Math.min(...rates[lib]), max: Math.max(...rates[lib]) };
    results.scenarios.client[conns] = row;
  }
  raw.stop();
}

// wss:// and permessage-deflate: their own harnesses (a Node client drives both servers, since
// the C load generator speaks neither TLS nor deflate); their tables are appended to the report
const extra = [];
for (const [name, script, args] of [
  ['tls', 'tls/run.mjs', ['--reps', String(reps), '--duration', String(Math.max(1, duration * 2))]],
  ['deflate', 'deflate/run.mjs', ['--rounds', String(reps), '--seconds', String(Math.max(1, duration * 2)), '--idle', '500']],
  ['topics', 'topics/cross.mjs', ['--reps', String(reps)]],
]) {
  if (!scenarios.includes(name)) continue;
  progress(`${name}: ${script}`);
  const out = execFileSync('node', [join(here, script), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  results.scenarios[name] = out;
  extra.push(name === 'tls' ? `\n### Echo over wss:// (bench/tls/run.mjs)\n\n${out}` : `\n${out.replace(/^# /m, '### ')}`);
}

progress('');
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results/latest.json'), JSON.stringify(results, null, 2));
const md = renderMarkdown(results) + extra.join('');
writeFileSync(join(here, 'results/latest.md'), md);
writeFileSync(join(here, 'results/latest.svg'), renderSvg(results));
console.log(md);
