// Messages that arrive in many pieces — qwebsocket's echo server against ws+bufferutil's, same
// run, same client (this process, raw sockets), alternating rounds:
//   frames64  1 MiB binary message as 16,384 frames of 64 B (one write of the whole wire form)
//   writes64  1 MiB binary message in one frame, written as 16,385 socket writes of 64 B
//   frames1k  64 KiB binary message as 64 frames of 1 KiB
// One message in flight per connection: send it, wait for its whole echo, repeat (after a warm-up
// that is not counted). Reports echoes
// per second and the server's CPU per echo (the steadier figure: the client shares the machine).
//   node bench/fragments/run.mjs [--seconds S] [--warmup S] [--rounds R] [--conns N]
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { upgraded } from '../clients/rawSocket.mjs';
import { startServer } from '../servers/process.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const seconds = arg('seconds', 2);
const rounds = arg('rounds', 3);
const conns = arg('conns', 2);
const warmup = arg('warmup', 1);
const servers = { qwebsocket: join(here, '../servers/qwebsocket.mjs'), 'ws+bufferutil': join(here, '../servers/ws.mjs') };

/** A masked frame (client → server). */
function frame(b0, payload) {
  const len = payload.length;
  const head = len < 126 ? [b0, 0x80 | len] : len < 65536 ? [b0, 0x80 | 126, len >> 8, len & 255] : [b0, 0x80 | 127, 0, 0, 0, 0, len >>> 24, (len >> 16) & 255, (len >> 8) & 255, len & 255];
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < len; i++) body[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** The wire form of a binary message of `size` bytes cut into frames of `piece` bytes. */
function fragmented(size, piece) {
  const payload = Buffer.alloc(size, 0x5a);
  const frames = [];
  for (let off = 0; off < size; off += piece) {
    const end = Math.min(size, off + piece);
    frames.push(frame((end === size ? 0x80 : 0) | (off === 0 ? 0x02 : 0x00), payload.subarray(off, end)));
  }
  return Buffer.concat(frames);
}

const whole = frame(0x82, Buffer.alloc(1 << 20, 0x5a));
const CASES = {
  frames64: { size: 1 << 20, write: (s, wire) => s.write(wire), wire: fragmented(1 << 20, 64) },
  writes64: {
    size: 1 << 20,
    wire: whole,
    write: (s, wire) => {
      for (let off = 0; off < wire.length; off += 64) s.write(wire.subarray(off, off + 64));
    },
  },
  frames1k: { size: 1 << 16, write: (s, wire) => s.write(wire), wire: fragmented(1 << 16, 1024) },
};


/** Echoes one case on one connection until `until` (ms): @returns echoes completed after `from` */
function drive(s, c, from, until) {
  // the echo is one unmasked frame: its header (2 + 2 or 8 bytes) plus the payload
  const echoBytes = c.size + (c.size < 65536 ? 4 : 10);
  return new Promise((resolve) => {
    let got = 0;
    let echoes = 0;
    s.on('data', (d) => {
      got += d.length;
      if (got < echoBytes) return;
      got -= echoBytes;
      if (Date.now() >= from) echoes++;
      if (Date.now() < until) c.write(s, c.wire);
      else resolve(echoes);
    });
    s.on('close', () => resolve(echoes));
    c.write(s, c.wire);
  });
}

const results = {};
for (const name of Object.keys(CASES)) results[name] = Object.fromEntries(Object.keys(servers).map((k) => [k, { rates: [], cpu: [], errors: 0 }]));
for (let r = 0; r < rounds; r++) {
  const order = Object.keys(servers);
  if (r % 2 === 1) order.reverse();
  for (const server of order) {
    const srv = await startServer(servers[server]);
    for (const [name, c] of Object.entries(CASES)) {
      const sockets = await Promise.all(Array.from({ length: conns }, () => upgraded(srv.port)));
      // warm-up first (the JIT, the kernel's buffers): echoes completed then are not counted
      const from = Date.now() + warmup * 1000;
      let cpu0 = 0;
      const started = new Promise((r) => setTimeout(() => r((cpu0 = srv.cpu())), warmup * 1000));
      const counts = await Promise.all(sockets.map((s) => drive(s, c, from, from + seconds * 1000)));
      await started;
      const elapsed = (Date.now() - from) / 1000;
      const cpu1 = srv.cpu();
      const n = counts.reduce((a, b) => a + b, 0);
      const entry = results[name][server];
      entry.rates.push(n / elapsed);
      entry.cpu.push(n > 0 ? ((cpu1 - cpu0) * 1e3) / n : Infinity);
      if (sockets.some((s) => s.destroyed)) entry.errors++;
      for (const s of sockets) s.destroy();
      console.error(`round ${r + 1} ${server} ${name}: ${(n / elapsed).toFixed(1)} echoes/s, ${(((cpu1 - cpu0) * 1e3) / n).toFixed(2)} ms server CPU per echo`);
    }
    srv.stop();
  }
}

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const LABEL = { frames64: '1 MiB as 16,384 frames of 64 B', writes64: '1 MiB in one frame, 64 B socket writes', frames1k: '64 KiB as 64 frames of 1 KiB' };
let md = `# Messages in many pieces\n\n`;
md += `\`node bench/fragments/run.mjs --seconds ${seconds} --rounds ${rounds} --conns ${conns}\` — ${new Date().toISOString()}, Node ${process.version}\n\n`;
md += `${conns} raw client connections in the harness process, one message in flight each (send, wait for the whole echo); median of ${rounds} alternating rounds. Server CPU per echo is the steadier figure (the client shares the 2 cores).\n\n`;
md += `| message | server | echoes/s (median) | ratio vs ws | server CPU per echo | CPU ratio ws / qws | failed rounds |\n|---|---|---:|---:|---:|---:|---:|\n`;
for (const [name, byServer] of Object.entries(results)) {
  const w = byServer['ws+bufferutil'];
  const wr = median(w.rates);
  const wc = median(w.cpu);
  for (const [server, e] of Object.entries(byServer)) {
    const rate = median(e.rates);
    const cpu = median(e.cpu);
    md += `| ${LABEL[name]} | ${server} | ${rate.toFixed(1)} | ${(rate / wr).toFixed(2)}x | ${cpu.toFixed(2)} ms | ${(wc / cpu).toFixed(2)}x | ${e.errors} |\n`;
  }
}
const outDir = join(here, '../results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'fragments.md'), md);
console.log(md);
process.exit(0);
