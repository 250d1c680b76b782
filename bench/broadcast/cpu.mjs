// Server CPU per delivered broadcast/publish message, measured inside the server process (the
// fan-out scenario of bench/run.mjs times delivery as the load generator sees it, which on a
// shared machine is dominated by scheduling noise; this times only the server's own work).
//   node bench/broadcast/cpu.mjs [--conns 10000] [--rounds 20]      (QWS_TRANSPORT=node for net.Socket)
// Each round: 10 messages of 16 B to every connection (broadcast(), or publish() to a topic all
// subscribed to with TOPICS=1), then the writes at the end of the tick; prints the median.
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { WebSocketServer } = require('../../dist/cjs/index.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const conns = arg('conns', 10000);
const rounds = arg('rounds', 20);
const topics = process.env.TOPICS === '1';

const server = new WebSocketServer('bench');
server.setMaxPendingConnections(1 << 20);
server.on('newConnection', () => {
  let ws;
  while ((ws = server.nextPendingConnection())) if (topics) ws.subscribe('all');
});
if (!(await server.listen('127.0.0.1', 0))) throw new Error(server.errorString());
const loadgen = fileURLToPath(new URL('../loadgen/loadgen', import.meta.url));
const lg = spawn(loadgen, ['--port', String(server.serverPort()), '--conns', String(conns), '--sink', '1000000000000', '--duration', '600'], { stdio: ['pipe', 'pipe', 'inherit'] });
await new Promise((r) => lg.stdout.on('data', (d) => String(d).includes('READY') && r()));
await new Promise((r) => setTimeout(r, 500));
const msg = 'a'.repeat(16);
const times = [];
for (let r = 0; r < rounds; r++) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < 10; i++) topics ? server.publish('all', msg) : server.broadcast(msg);
  await new Promise((res) => setImmediate(res));
  const c = process.cpuUsage(c0);
  times.push(c.user + c.system);
  await new Promise((res) => setTimeout(res, 30));
}
const median = times.sort((a, b) => a - b)[times.length >> 1];
const what = topics ? 'publish' : 'broadcast';
console.log(`${what} (${process.env.QWS_TRANSPORT === 'node' ? 'net.Socket' : 'default'} transport), ${server.connections().length} connections: ${((median * 1000) / (10 * conns)).toFixed(0)} ns server CPU per delivery (median of ${rounds})`);
lg.kill();
process.exit(0);
