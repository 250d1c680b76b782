// Compressed echo (permessage-deflate) — qwebsocket's server against ws's server, same run,
// same client (`ws` clients in a separate process), alternating rounds; and the server's
// memory per idle compressed connection, with and without context takeover.
//   node bench/deflate/run.mjs [--conns N] [--seconds S] [--rounds R] [--idle N]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../servers/process.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const conns = arg('conns', 16);
const seconds = arg('seconds', 4);
const rounds = arg('rounds', 3);
const idleConns = arg('idle', 1000);
const servers = { qwebsocket: join(here, '../servers/qwebsocket.mjs'), ws: join(here, '../servers/ws.mjs') };

async function runClient(args) {
  const p = spawn(process.execPath, [join(here, 'client.mjs'), ...args.map(String)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  return { p, out: () => out };
}

const rates = { qwebsocket: [], ws: [] };
// server CPU per echo: steadier than the rate when the shared client process is the bottleneck
const cpuPer = { qwebsocket: [], ws: [] };
for (let r = 0; r < rounds; r++) {
  for (const name of Object.keys(servers)) {
    const s = await startServer(servers[name], { DEFLATE: '1' });
    const cpu0 = s.cpu();
    const c = await runClient([s.port, conns, seconds, 'echo']);
    await once(c.p, 'exit');
    const cpu1 = s.cpu();
    const rate = Number(/RATE (\d+)/.exec(c.out())?.[1] ?? 0);
    rates[name].push(rate);
    // the client also warms up for 0.5 s: count that time's echoes at the measured rate
    const us = ((cpu1 - cpu0) * 1e6) / (rate * (seconds + 0.5));
    cpuPer[name].push(us);
    console.error(`round ${r + 1} ${name}: ${rate} echoes/s, ${us.toFixed(1)} µs server CPU per echo`);
    s.stop();
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

const memory = {};
for (const noContext of ['0', '1']) {
  for (const name of Object.keys(servers)) {
    const s = await startServer(servers[name], { DEFLATE: '1', NO_CONTEXT: noContext });
    const base = await s.mem();
    const c = await runClient([s.port, idleConns, 0, 'idle', noContext]);
    while (!c.out().includes('READY')) await new Promise((r) => setTimeout(r, 100));
    const m = await s.mem();
    c.p.stdin.write('done\n');
    await once(c.p, 'exit');
    s.stop();
    memory[`${name}${noContext === '1' ? ' (no context takeover)' : ''}`] = { bytesPerConnection: Math.round((m.rss - base.rss) / idleConns), connections: m.count };
    console.error(`idle ${name} noContext=${noContext}: ${Math.round((m.rss - base.rss) / idleConns)} B/conn (${m.count} conns)`);
  }
}

const q = median(rates.qwebsocket);
const w = median(rates.ws);
let md = `# Compressed echo (permessage-deflate)\n\n`;
md += `\`node bench/deflate/run.mjs --conns ${conns} --seconds ${seconds} --rounds ${rounds} --idle ${idleConns}\` — ${new Date().toISOString()}, Node ${process.version}\n\n`;
md += `${conns} \`ws\` clients (compression on, ~2 KiB JSON messages, 4 in flight each) against each server; median of ${rounds} alternating rounds.\n\n`;
const qc = median(cpuPer.qwebsocket);
const wc = median(cpuPer.ws);
md += `| server | echoes/s (median) | rounds | ratio vs ws | server CPU per echo (median) | CPU ratio ws / qws |\n|---|---:|---|---:|---:|---:|\n`;
md += `| qwebsocket | ${q} | ${rates.qwebsocket.join(', ')} | ${(q / w).toFixed(2)}x | ${qc.toFixed(1)} µs | ${(wc / qc).toFixed(2)}x |\n| ws | ${w} | ${rates.ws.join(', ')} | 1.00x | ${wc.toFixed(1)} µs | 1.00x |\n\n`;
md += `The \`ws\` client process compresses and inflates too and limits the rate; the server's CPU per echo shows the servers' own cost.\n\n`;
md += `Server RSS per idle compressed connection (${idleConns} connections, each after one message each way):\n\n| server | bytes/connection |\n|---|---:|\n`;
for (const [k, v] of Object.entries(memory)) md += `| ${k} | ${v.bytesPerConnection} |\n`;
const outDir = join(here, '../results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'deflate.md'), md);
console.log(md);
