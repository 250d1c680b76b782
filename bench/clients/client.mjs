// Client-side throughput: `node client.mjs <qwebsocket|ws|undici> PORT SECONDS INFLIGHT [CONNS]`
// against an echo server; each of CONNS connections (default 1) keeps INFLIGHT 16-byte binary
// messages in flight; prints JSON. `undici` is Node's built-in WebSocket (globalThis.WebSocket;
// on Node 20 the harness starts this process with --experimental-websocket).
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

const fail = (why) => {
  console.error(why);
  process.exit(1);
};

// each opener connects once, sends `inflight` messages when open and one more per echo
const OPENERS = {
  qwebsocket() {
    const { WebSocket } = require('../../dist/cjs/index.js');
    const c = new WebSocket();
    c.on('binaryMessageReceived', () => {
      if (measuring) count++;
      c.sendBinaryMessage(payload);
    });
    c.on('connected', () => {
      for (let i = 0; i < inflight; i++) c.sendBinaryMessage(payload);
    });
    c.on('errorOccurred', () => fail(c.errorString()));
    c.open(url);
  },
  ws() {
    const WebSocket = require('ws');
    const c = new WebSocket(url);
    c.on('message', () => {
      if (measuring) count++;
      c.send(payload);
    });
    c.on('open', () => {
      for (let i = 0; i < inflight; i++) c.send(payload);
    });
    c.on('error', (e) => fail(e.message));
  },
  undici() {
    if (typeof globalThis.WebSocket !== 'function') fail('no built-in WebSocket in this Node (need --experimental-websocket on Node 20)');
    const c = new globalThis.WebSocket(url);
    c.binaryType = 'arraybuffer';
    c.onmessage = () => {
      if (measuring) count++;
      c.send(payload);
    };
    c.onopen = () => {
      for (let i = 0; i < inflight; i++) c.send(payload);
    };
    c.onerror = (e) => fail(e.message ?? 'undici WebSocket error');
  },
};
const openOne = OPENERS[lib] ?? fail(`unknown client ${lib}`);
for (let k = 0; k < conns; k++) openOne();
setTimeout(() => (measuring = true), warm);
setTimeout(finish, Number(seconds) * 1000);
