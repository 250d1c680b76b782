/**
 * The hostile-mix soak (issue #14): a DEFAULT server (test/interop/peers/hostile_server.mjs, its
 * own process, so its RSS is its own) serves 500 well-behaved echo clients for
 * QWS_SOAK_HOSTILE_SECONDS (default 60) while, on the same server, hostile clients keep coming:
 * one message streamed in 1 MiB frames and never finished, a 4 MB message as 4,000,000 one-byte
 * frames, a peer that has the server send to it and never reads, upgrades handed over by
 * handleUpgrade(cb) and dropped, slowloris handshakes, garbage instead of HTTP, oversized
 * headers, unmasked frames, invalid UTF-8, a flood of pings.
 *
 * Asserted: every well-behaved echo intact and in order; every hostile connection ends as it
 * must (its close code or HTTP status); the server's RSS stays under RSS_BOUND; it never crashes
 * and ends with no connection and an empty pending queue. The well-behaved clients' p99 round
 * trip is measured and printed, not asserted.
 */
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { frame, rawClient, type FrameReader } from '../helpers/rawPeer';
import { rawExchange } from '../helpers/server';
import { seededRandom } from '../helpers/prng';
// a plain .mjs module shared with the benchmarks
import { writeAll } from '../../bench/clients/rawSocket.mjs';

const SECONDS = Number(process.env.QWS_SOAK_HOSTILE_SECONDS ?? 60);
const GOOD = 500;
const MiB = 1024 * 1024;
/** The bound on the server's RSS growth over its start: see README "Limits and defaults". */
const RSS_BOUND = 512 * MiB;
const seed = Number(process.env.QWS_SOAK_SEED ?? Date.now() % 1e9);
const { randInt } = seededRandom(seed);

interface Report {
  baseRss: number;
  peakRss: number;
  closeCodes: Record<string, number>;
  serverErrors: Record<string, number>;
  open: number;
  handed: number;
  pending: boolean;
  connections: number;
}

/** The server process: its ports, and its report on request. */
async function startServer(): Promise<{ child: ChildProcess; port: number; httpPort: number; report: () => Promise<Report> }> {
  const script = fileURLToPath(new URL('./peers/hostile_server.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (): Promise<string> => {
    while (lines.length === 0) await new Promise<void>((r) => waiters.push(r));
    return lines.shift()!;
  };
  const [, port, httpPort] = (await next()).split(' ').map(Number);
  return {
    child,
    port,
    httpPort,
    report: async () => {
      child.stdin!.write('report\n');
      return JSON.parse(await next()) as Report;
    },
  };
}

// ---- well-behaved clients (test/interop/peers/echo_clients.mjs, their own process) ----------

interface GoodReport {
  echoes: number;
  wrong: number;
  closedEarly: number;
  failedOpens: number;
  clients: number;
  unanswered: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
}

/** Starts the echo clients; resolves once all are connected, with their final report to await. */
async function startGood(url: string, seconds: number): Promise<{ child: ChildProcess; report: Promise<GoodReport> }> {
  const script = fileURLToPath(new URL('./peers/echo_clients.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, url, String(GOOD), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  let ready: () => void = () => {};
  const isReady = new Promise<void>((r) => (ready = r));
  const report = new Promise<GoodReport>((resolve, reject) => {
    lines.on('line', (l) => {
      if (l === 'READY') ready();
      else if (l.startsWith('{')) resolve(JSON.parse(l) as GoodReport);
    });
    child.once('exit', (code) => reject(new Error(`echo clients exited (${code}) before reporting`)));
  });
  report.catch(() => {});
  await Promise.race([isReady, report]);
  return { child, report };
}

// ---- hostile clients -------------------------------------------------------------------------


/** The code of the next close frame, or -1 if the socket closed without one. */
async function closeCode(reader: FrameReader, timeoutMs = 20000): Promise<number> {
  for (;;) {
    const f = await reader.next(timeoutMs);
    if (f === null) return -1;
    if (f.opcode === 8) return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
  }
}

/** A masked frame header for `len` payload bytes with the zero key (the payload goes as is). */
function header(b0: number, len: number): Buffer {
  if (len < 126) return Buffer.from([b0, 0x80 | len, 0, 0, 0, 0]);
  if (len < 65536) return Buffer.from([b0, 0x80 | 126, len >> 8, len & 255, 0, 0, 0, 0]);
  const h = Buffer.alloc(14);
  h[0] = b0;
  h[1] = 0x80 | 127;
  h.writeUInt32BE(len, 6);
  return h;
}

/** The 4 MB message as 4,000,000 one-byte frames, in blocks of 16,384 frames (first and last marked). */
const ONE_BYTE_FRAMES = 4_000_000;
const oneByteBlock = Buffer.alloc(16384 * 7);
for (let i = 0; i < 16384; i++) Buffer.from([0x00, 0x81, 0, 0, 0, 0, 0x61]).copy(oneByteBlock, i * 7);

type Kind = 'stream' | 'onebyte' | 'noread' | 'handover' | 'slowloris' | 'garbage' | 'bigheaders' | 'unmasked' | 'badutf8' | 'pingflood';

/**
 * One hostile connection of each kind: @returns how it ended ('ok' when as expected, else what
 * happened). `port` is the listening server, `httpPort` the http server that hands upgrades over.
 */
const hostile: Record<Kind, (port: number, httpPort: number) => Promise<string>> = {
  // one binary message in 1 MiB frames, never finished: 1009 once it passes 64 MiB
  async stream(port) {
    const { socket, reader } = await rawClient(port);
    const payload = Buffer.alloc(MiB, 7);
    for (let i = 0; i < 100 && !socket.destroyed; i++) {
      await writeAll(socket, header(i === 0 ? 0x02 : 0x00, MiB));
      await writeAll(socket, payload);
    }
    const code = await closeCode(reader);
    socket.destroy();
    return code === 1009 ? 'ok' : `close ${code}`;
  },
  // a 4 MB message in one-byte frames: accepted, echoed whole, then a clean close
  async onebyte(port) {
    const { socket, reader } = await rawClient(port);
    for (let sent = 0; sent < ONE_BYTE_FRAMES; sent += 16384) {
      const n = Math.min(16384, ONE_BYTE_FRAMES - sent);
      const b = Buffer.from(oneByteBlock.subarray(0, n * 7));
      if (sent === 0) b[0] = 0x02;
      if (sent + n === ONE_BYTE_FRAMES) b[(n - 1) * 7] = 0x80;
      await writeAll(socket, b);
    }
    // the echo comes back in frames of the server's outgoingFrameSize
    let echoed = 0;
    let intact = true;
    for (let f = await reader.next(30000); f !== null; f = await reader.next(30000)) {
      echoed += f.payload.length;
      intact &&= f.payload.every((c) => c === 0x61);
      if (f.fin) break;
    }
    socket.write(frame(8, Buffer.from([0x03, 0xe8]), { mask: true }));
    const code = await closeCode(reader);
    socket.destroy();
    if (echoed !== ONE_BYTE_FRAMES || !intact) return `echo ${echoed} bytes${intact ? '' : ', not intact'}`;
    return code === 1000 ? 'ok' : `close ${code}`;
  },
  // has the server send 1 MiB messages and never reads: failed with 1008 (found at the end of
  // what the server sent before it hung up: its close frame)
  async noread(port) {
    const { socket } = await rawClient(port);
    socket.removeAllListeners('data');
    socket.write(frame(1, 'flood-me', { mask: true }));
    socket.pause();
    // reads again well before the server's 5 s close timeout, which would drop what is unsent
    await new Promise((r) => setTimeout(r, 500));
    let tail = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => (tail = Buffer.concat([tail, d]).subarray(-256)));
    socket.resume();
    await new Promise((r) => socket.once('close', r));
    for (let i = tail.length - 4; i >= 0; i--) {
      if (tail[i] === 0x88 && tail[i + 1] === tail.length - i - 2) return tail.readUInt16BE(i + 2) === 1008 ? 'ok' : `close ${tail.readUInt16BE(i + 2)}`;
    }
    return `no close frame at the end: ${tail.subarray(-32).toString('hex')}`;
  },
  // 50 upgrades through handleUpgrade(cb), dropped at once
  async handover(_port, httpPort) {
    const clients = await Promise.all(Array.from({ length: 50 }, () => rawClient(httpPort)));
    for (const c of clients) c.socket.destroy();
    return 'ok';
  },
  // a request head one byte a second: dropped at the 10 s handshake timeout, no response
  async slowloris(port) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    const closed = new Promise((r) => s.once('close', r));
    const head = 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nX-Slow: ' + 'a'.repeat(100);
    let i = 0;
    const timer = setInterval(() => {
      if (!s.destroyed) s.write(head[i++ % head.length]);
    }, 1000);
    const start = Date.now();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 20000))]);
    clearInterval(timer);
    const open = !s.destroyed;
    s.destroy();
    if (open) return 'still open after 20 s';
    return got === '' && Date.now() - start >= 9000 ? 'ok' : `closed after ${Date.now() - start} ms with ${JSON.stringify(got.slice(0, 40))}`;
  },
  // garbage instead of HTTP: 400
  async garbage(port) {
    const junk = Buffer.from(Array.from({ length: 512 }, () => randInt(0, 255)));
    junk[0] = 0x16; // never a valid method
    const resp = await rawExchange(port, junk, 30000);
    return resp.startsWith('HTTP/1.1 400') ? 'ok' : JSON.stringify(resp.slice(0, 40));
  },
  // a 16 KiB header: 431
  async bigheaders(port) {
    const resp = await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Big: ${'b'.repeat(16384)}\r\n\r\n`, 30000);
    return resp.startsWith('HTTP/1.1 431') ? 'ok' : JSON.stringify(resp.slice(0, 40));
  },
  // an unmasked frame from a client: 1002
  async unmasked(port) {
    const { socket, reader } = await rawClient(port);
    socket.write(frame(1, 'not masked'));
    const code = await closeCode(reader);
    socket.destroy();
    return code === 1002 ? 'ok' : `close ${code}`;
  },
  // invalid UTF-8 in a text message: 1007
  async badutf8(port) {
    const { socket, reader } = await rawClient(port);
    socket.write(frame(1, Buffer.from([0x61, 0xc3, 0x28, 0x62]), { mask: true }));
    const code = await closeCode(reader);
    socket.destroy();
    return code === 1007 ? 'ok' : `close ${code}`;
  },
  // 20,000 pings in one burst: 20,000 pongs with the same payloads, then a clean close
  async pingflood(port) {
    const { socket, reader } = await rawClient(port);
    const pings = Buffer.concat(Array.from({ length: 20000 }, (_, i) => frame(9, Buffer.from(String(i).padStart(125, '0')), { mask: true })));
    await writeAll(socket, pings);
    for (let i = 0; i < 20000; i++) {
      const f = await reader.next(20000);
      if (f === null || f.opcode !== 10 || f.payload.toString() !== String(i).padStart(125, '0')) return `pong ${i}: ${f?.opcode}`;
    }
    socket.write(frame(8, Buffer.from([0x03, 0xe8]), { mask: true }));
    const code = await closeCode(reader);
    socket.destroy();
    return code === 1000 ? 'ok' : `close ${code}`;
  },
};

/** How many of each kind run at once, and the pause between one's end and the next start. */
const SCHEDULE: Record<Kind, { parallel: number; pauseMs: number }> = {
  stream: { parallel: 1, pauseMs: 2000 },
  onebyte: { parallel: 1, pauseMs: 3000 },
  noread: { parallel: 2, pauseMs: 500 },
  handover: { parallel: 1, pauseMs: 500 },
  slowloris: { parallel: 20, pauseMs: 0 },
  garbage: { parallel: 2, pauseMs: 100 },
  bigheaders: { parallel: 2, pauseMs: 100 },
  unmasked: { parallel: 2, pauseMs: 100 },
  badutf8: { parallel: 2, pauseMs: 100 },
  pingflood: { parallel: 1, pauseMs: 500 },
};

describe(`hostile-mix soak (${SECONDS} s, seed ${seed})`, () => {
  it('500 echo clients stay intact and in order while hostile clients come and go; RSS bounded, no crash', async () => {
    const srv = await startServer();
    let goodChild: ChildProcess | null = null;
    try {
      const debug = (m: string): void => void (process.env.QWS_SOAK_DEBUG && console.error(m));
      const good = await startGood(`ws://127.0.0.1:${srv.port}/`, SECONDS);
      goodChild = good.child;
      debug('good clients connected');
      const ended: Record<Kind, { ok: number; bad: string[] }> = Object.fromEntries(Object.keys(SCHEDULE).map((k) => [k, { ok: 0, bad: [] }])) as never;
      const stopAt = Date.now() + SECONDS * 1000;
      const loops: Array<Promise<void>> = [];
      for (const [kind, { parallel, pauseMs }] of Object.entries(SCHEDULE) as Array<[Kind, { parallel: number; pauseMs: number }]>) {
        for (let p = 0; p < parallel; p++) {
          loops.push((async () => {
            while (Date.now() < stopAt) {
              let outcome: string;
              try {
                outcome = await hostile[kind](srv.port, srv.httpPort);
              } catch (e) {
                outcome = `threw ${(e as Error).message}`;
              }
              debug(`${(stopAt - Date.now()) / 1000} ${kind}: ${outcome}`);
              if (outcome === 'ok') ended[kind].ok++;
              else ended[kind].bad.push(outcome);
              if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
            }
          })());
        }
      }
      await Promise.all(loops);
      const during = await srv.report();
      const g = await good.report;
      await new Promise((r) => (good.child.exitCode !== null ? r(null) : good.child.once('exit', r)));
      let after = await srv.report();
      const deadline = Date.now() + 15000;
      while ((after.open > 0 || after.pending) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        after = await srv.report();
      }
      const summary = {
        seconds: SECONDS,
        goodClients: g.clients,
        goodEchoes: g.echoes,
        p50ms: g.p50ms,
        p99ms: g.p99ms,
        maxMs: g.maxMs,
        serverRssPeakMiB: +(during.peakRss / MiB).toFixed(0),
        serverRssGrowthMiB: +((during.peakRss - during.baseRss) / MiB).toFixed(0),
        hostile: Object.fromEntries(Object.entries(ended).map(([k, v]) => [k, v.ok + v.bad.length])),
        handedOver: after.handed,
        serverCloseCodes: after.closeCodes,
        serverErrors: after.serverErrors,
      };
      console.log(`hostile soak: ${JSON.stringify(summary)}`);

      expect(g.clients).toBe(GOOD);
      expect([g.wrong, g.closedEarly, g.failedOpens, g.unanswered]).toEqual([0, 0, 0, 0]);
      expect(g.echoes).toBeGreaterThan(GOOD);
      for (const [kind, e] of Object.entries(ended)) {
        expect(e.bad, kind).toEqual([]);
        expect(e.ok, kind).toBeGreaterThan(0);
      }
      expect(during.peakRss - during.baseRss).toBeLessThan(RSS_BOUND);
      expect(after.open).toBe(0);
      expect(after.pending).toBe(false);
      expect(srv.child.exitCode).toBeNull(); // still running: no crash
    } finally {
      if (goodChild !== null && goodChild.exitCode === null) goodChild.kill();
      srv.child.stdin!.write('exit\n');
      await new Promise((r) => (srv.child.exitCode !== null ? r(null) : srv.child.once('exit', r)));
    }
  }, (SECONDS + 120) * 1000);
});
