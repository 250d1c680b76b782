// Client-side throughput: `node client.mjs <qwebsocket|ws> PORT SECONDS INFLIGHT [CONNS]` against
// an echo server; each of CONNS connections (default 1) keeps INFLIGHT 16-byte binary messages in
// flight; prints JSON.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const [lib, port, seconds, inflightArg, connsArg] = process.argv.slice(2);
const conns = Number(connsArg ?? 1);
const inflight = Number(inflightArg ?? 16);
const url = `ws://127.0.0.1:${port}/`;
const payload = Buffer.alloc(16, 0x61);
let count = 0;
let measuring = false;
const warm = 300;

function finish() {
  const secs = Number(seconds) - warm / 1000;
  console.log(JSON.stringify({ lib, msgsPerSec: count / secs }));
  process.exit(0);
}

for (let k = 0; k < conns; k++) open();

function open() {
if (lib === 'qwebsocket') {
  const { WebSocket } = require('../../dist/cjs/index.js');
  const c = new WebSocket();
  c.on('binaryMessageReceived', () => {
    if (measuring) count++;
    c.sendBinaryMessage(payload);
  });
  c.on('connected', () => {
    for (let i = 0; i < inflight; i++) c.sendBinaryMessage(payload);
  });
  c.on('errorOccurred', () => {
    console.error(c.errorString());
    process.exit(1);
  });
  c.open(url);
} else {
  const WebSocket = require('ws');
  const c = new WebSocket(url);
  c.on('message', () => {
    if (measuring) count++;
    c.send(payload);
  });
  c.on('open', () => {
    for (let i = 0; i < inflight; i++) c.send(payload);
  });
}
}
setTimeout(() => (measuring = true), warm);
setTimeout(finish, Number(seconds) * 1000);
