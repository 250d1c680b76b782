#!/usr/bin/env node
// The probes of issue #14: what one unauthenticated client can make a DEFAULT server hold.
// Each probe starts a fresh server process (`new WebSocketServer('x', SslMode.NonSecureMode)`,
// nothing configured) that samples its own RSS every 10 ms; the hostile client runs here, so
// its memory does not count. Prints one line per probe: RSS growth at the peak, and how the
// connection ended.
//   node bench/limits/probe.mjs [--only stream,onebyte,noread,upgrade]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { upgraded, writeAll } from '../clients/rawSocket.mjs';

const MiB = 1024 * 1024;
const here = fileURLToPath(import.meta.url);

// ---- the server side (child process) ---------------------------------------------------------

async function serve(mode) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const { WebSocketServer, SslMode } = require('../../dist/cjs/index.js');
  const { createServer } = await import('node:http');
  const server = new WebSocketServer('x', SslMode.NonSecureMode);
  let peak = process.memoryUsage().rss;
  const base = peak;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10).unref();
  const sendForever = (ws) => {
    const msg = Buffer.alloc(MiB, 1);
    const tick = () => {
      if (!ws.isValid()) return;
      ws.sendBinaryMessage(msg);
      setImmediate(tick);
    };
    tick();
  };
  const closeCodes = new Map();
  const ended = (ws) => ws.once('disconnected', () => closeCodes.set(ws.closeCode(), (closeCodes.get(ws.closeCode()) ?? 0) + 1));
  let port;
  if (mode === 'upgrade') {
    // a framework owns the http server and hands every upgrade over with a callback
    const http = createServer();
    http.on('upgrade', (req, socket, head) => server.handleUpgrade(req, socket, head, (ws) => ws.on('textMessageReceived', (m) => ws.sendTextMessage(m))));
    await new Promise((r) => http.listen(0, '127.0.0.1', r));
    port = http.address().port;
  } else {
    server.on('newConnection', () => {
      let ws;
      while ((ws = server.nextPendingConnection()) !== null) {
        const s = ws;
        ended(s);
        if (mode === 'noread') sendForever(s);
        s.on('binaryMessageReceived', (m) => s.sendBinaryMessage(m));
      }
    });
    await server.listen('127.0.0.1', 0);
    port = server.serverPort();
  }
  process.on('message', (m) => {
    if (m === 'report') {
      let pending = 0;
      if (mode === 'upgrade') while (server.nextPendingConnection() !== null) pending++;
      process.send({ growth: peak - base, pending, open: server.connections().length, closeCodes: [...closeCodes].map(([c, n]) => (n > 1 ? `${n}x ${c}` : `${c}`)) });
    }
  });
  process.send({ port });
}

// ---- the hostile client (this process) -------------------------------------------------------


/** A masked frame header (the zero mask key leaves the payload as is). */
function header(b0, len) {
  if (len < 126) return Buffer.from([b0, 0x80 | len, 0, 0, 0, 0]);
  if (len < 65536) return Buffer.from([b0, 0x80 | 126, len >> 8, len & 255, 0, 0, 0, 0]);
  const h = Buffer.alloc(14);
  h[0] = b0;
  h[1] = 0x80 | 127;
  h.writeUInt32BE(len, 6);
  return h;
}

/** Watches a socket for the server's close frame; returns a getter for the outcome. */
function outcome(s) {
  let code = null;
  let closed = false;
  let buf = Buffer.alloc(0);
  s.on('data', (d) => {
    if (code !== null) return;
    buf = Buffer.concat([buf, d]).subarray(-64);
    // the last close frame header (0x88 len code) in what we saw
    for (let i = buf.length - 4; i >= 0; i--) if (buf[i] === 0x88 && buf[i + 1] >= 2 && buf[i + 1] <= 125) {
      code = buf.readUInt16BE(i + 2);
      break;
    }
  });
  s.on('close', () => (closed = true));
  s.on('error', () => {});
  return () => (closed ? `closed${code !== null ? ` with ${code}` : ''}` : `still open${code !== null ? ` (close ${code} sent)` : ''}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const probes = {
  /** One binary message in 1 MiB frames, never finished: 400 MiB or until the server closes. */
  async stream(port) {
    const s = await upgraded(port);
    const end = outcome(s);
    const payload = Buffer.alloc(MiB, 7);
    for (let i = 0; i < 400 && !s.destroyed; i++) {
      await writeAll(s, header(i === 0 ? 0x02 : 0x00, MiB));
      await writeAll(s, payload);
    }
    await sleep(500);
    return end;
  },
  /** One 4 MB message as 4,000,000 one-byte frames (28 MB on the wire). */
  async onebyte(port) {
    const s = await upgraded(port);
    const end = outcome(s);
    const n = 4_000_000;
    const f = Buffer.from([0x00, 0x81, 0, 0, 0, 0, 0x61]);
    const batch = 16384;
    const block = Buffer.alloc(batch * 7);
    for (let i = 0; i < batch; i++) f.copy(block, i * 7);
    const first = Buffer.from(block);
    first[0] = 0x02;
    for (let sent = 0; sent < n && !s.destroyed; sent += batch) {
      const last = sent + batch >= n;
      const b = sent === 0 ? first : last ? Buffer.from(block) : block;
      if (last) b[(batch - 1) * 7] = 0x80;
      await writeAll(s, b);
    }
    await sleep(1000);
    return end;
  },
  /** Never reads while the server sends 1 MiB messages, one per setImmediate, for 7 s. */
  async noread(port) {
    const s = await upgraded(port);
    s.pause();
    s.on('error', () => {});
    await sleep(7000);
    s.destroy();
    return () => 'never read by the client';
  },
  /** handleUpgrade(req, socket, head, cb) 2,000 times, clients close, nobody calls nextPendingConnection. */
  async upgrade(port) {
    for (let i = 0; i < 2000; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => upgraded(port)));
      for (const s of batch) s.destroy();
    }
    await sleep(500);
    return () => 'all 2,000 clients closed';
  },
};

async function run(name) {
  const child = fork(here, ['--serve', name === 'upgrade' ? 'upgrade' : name === 'noread' ? 'noread' : 'echo'], { stdio: 'inherit' });
  const first = await new Promise((r) => child.once('message', r));
  const end = await probes[name](first.port);
  child.send('report');
  const rep = await new Promise((r) => child.once('message', r));
  child.kill();
  const extra = name === 'upgrade' ? `, ${rep.pending} left in the pending queue` : '';
  const server = rep.closeCodes.length > 0 ? `; server closed it (${rep.closeCodes.join(', ')})` : `; server: ${rep.open} open`;
  console.log(`${name.padEnd(8)} RSS +${(rep.growth / MiB).toFixed(0)} MiB at the peak; client: ${end()}${server}${extra}`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--serve') {
  await serve(argv[1]);
} else {
  const i = argv.indexOf('--only');
  const names = i >= 0 ? argv[i + 1].split(',') : Object.keys(probes);
  for (const n of names) await run(n);
  process.exit(0);
}
