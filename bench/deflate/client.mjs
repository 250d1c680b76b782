// Drives a compressed echo server with `ws` clients (permessage-deflate on).
//   node bench/deflate/client.mjs PORT CONNS SECONDS [echo|idle] [NO_CONTEXT]
// echo: each client keeps DEPTH messages in flight; prints "RATE <echoes per second>".
// idle: each client sends one message, waits for the echo, then stays idle; prints "READY".
import { WebSocket } from 'ws';

const [port, conns, seconds, mode = 'echo', noContext = '0'] = process.argv.slice(2);
const DEPTH = 4;
// a compressible JSON message of about 2 KiB, different each time
const body = (i) => JSON.stringify({ id: i, user: `user-${i % 97}`, items: Array.from({ length: 24 }, (_, k) => ({ k, name: `item ${k}`, price: (k * 1.25).toFixed(2), tags: ['a', 'b', 'c'] })) });
const pmd = { clientNoContextTakeover: noContext === '1', serverNoContextTakeover: noContext === '1' };
let echoes = 0;
let counting = false;
const sockets = [];
await Promise.all(
  Array.from({ length: Number(conns) }, (_, c) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: pmd });
      sockets.push(ws);
      let n = 0;
      ws.on('open', () => {
        if (mode === 'idle') ws.send(body(c));
        else for (let d = 0; d < DEPTH; d++) ws.send(body(n++));
        resolve();
      });
      ws.on('message', () => {
        if (mode === 'idle') return;
        if (counting) echoes++;
        ws.send(body(n++));
      });
      ws.on('error', reject);
    }),
  ),
);
if (mode === 'idle') {
  await new Promise((r) => setTimeout(r, 1000));
  console.log('READY');
  await new Promise((r) => process.stdin.once('data', r));
} else {
  await new Promise((r) => setTimeout(r, 500)); // warm-up
  counting = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`RATE ${Math.round(echoes / dt)}`);
}
for (const s of sockets) s.terminate();
process.exit(0);
