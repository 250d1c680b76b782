/**
 * A bounded soak with thousands of connections (issue #6): two of our echo servers (one plain,
 * whose connections stop reading from a peer that does not drain — setMaxBufferedBytes(n,
 * 'pause') —, one with permessage-deflate) and 2,000 of our clients, half on each, each doing
 * random things on a seeded PRNG: text and binary messages of 0 B..64 KiB (mostly small) with
 * random fragmentation, pings, clean closes with messages still in flight, abort(), slow reads
 * (setReadBufferSize), and reconnects after every close or abort.
 *
 * Checked: every message sent on a connection that ended with a clean close came back intact and
 * in order (each carries its sequence number), every ping got its pong, no errorOccurred except
 * on the server side of a connection our own abort() cut, no uncaught exception, all clients
 * closed and both servers' connections() empty at the end, and the heap back near its baseline.
 *
 * Duration: QWS_SOAK_MANY_SECONDS (default 25); clients: QWS_SOAK_MANY_CLIENTS (default 2000),
 * scaled down when the open-file limit is too low (both ends of every connection live in this
 * process). QWS_SOAK_MANY_SEED repeats a run's choices. Nothing here asserts a duration.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { SocketState, SslMode, WebSocket, WebSocketServer } from '../../src/index';
import { getGc, heapNow, until } from '../helpers/wait';
import { seededRandom } from '../helpers/prng';

const SECONDS = Number(process.env.QWS_SOAK_MANY_SECONDS ?? 25);
const WANTED_CLIENTS = Number(process.env.QWS_SOAK_MANY_CLIENTS ?? 2000);
const BATCH = 100; // connections opened at once while ramping up
const WINDOW = 4; // messages in flight per client at most
const MAX_SIZE = 64 * 1024;
const FRAME_SIZES = [16, 125, 126, 1000, 4096, 65535, 512 * 1024];
const SERVER_BUFFER_CAP = 32 * 1024; // plain server: stop reading a peer with more unsent than this

/** The soft open-file limit of this process (Node cannot raise it), or Infinity when unknown. */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m === null || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return Infinity;
  }
}
const FD_LIMIT = openFileLimit();
// two descriptors per connection (client and server end), plus room for everything else
const CLIENTS = Math.max(10, Math.min(WANTED_CLIENTS, Math.floor((FD_LIMIT - 300) / 2.2)));

/**
 * Operations get rarer as clients get more numerous, so that the whole run stays near a few
 * thousand operations a second: the point is many connections, not throughput (both ends of
 * every connection share this one event loop on a 2-core machine).
 */
const PACE = Number(process.env.QWS_SOAK_MANY_PACE ?? Math.max(1, CLIENTS / 400));

/** mulberry32: QWS_SOAK_MANY_SEED repeats the choices (not the exact interleaving). */
const seed = Number(process.env.QWS_SOAK_MANY_SEED ?? Date.now() % 1e9);
const { rand, randInt, pick } = seededRandom(seed);

/** Payload sizes in bytes: a few empty, mostly small, some up to 64 KiB. */
function randomSize(): number {
  const r = rand();
  if (r < 0.03) return 0;
  if (r < 0.75) return randInt(0, 512);
  if (r < 0.96) return randInt(0, 4096);
  return randInt(0, MAX_SIZE);
}

// Bodies are slices of two pools (cheap to make, cheap to check again). The text pool has only
// BMP characters of 1, 2 and 3 UTF-8 bytes, so any slice is valid UTF-16.
const TEXT_POOL = 'aé€日bç→語 z'.repeat(Math.ceil(MAX_SIZE / 10) + 1);
const BIN_POOL = Buffer.alloc(MAX_SIZE * 2);
for (let i = 0; i < BIN_POOL.length; i++) BIN_POOL[i] = (i * 2654435761) >>> 24;

/** What a message was made of: enough to make it again for the comparison. */
interface Sent {
  text: boolean;
  seq: number;
  at: number;
  len: number;
}

/** Text: "#seq|" then pool characters. Binary of 4+ bytes: the sequence number (u32 BE) then pool bytes. */
function makeMessage(s: Sent): string | Buffer {
  if (s.text) return `#${s.seq}|${TEXT_POOL.slice(s.at, s.at + s.len)}`;
  if (s.len < 4) return BIN_POOL.subarray(s.at, s.at + s.len);
  const b = Buffer.allocUnsafe(s.len);
  b.writeUInt32BE(s.seq >>> 0, 0);
  BIN_POOL.copy(b, 4, s.at, s.at + s.len - 4);
  return b;
}

function describeMessage(m: string | Buffer): string {
  if (typeof m === 'string') return `text of ${m.length} chars starting ${JSON.stringify(m.slice(0, 12))}`;
  return `binary of ${m.length} bytes${m.length >= 4 ? ` seq ${m.readUInt32BE(0)}` : ''}`;
}




const stats = {
  opened: 0,
  sent: 0,
  echoed: 0,
  bytes: 0,
  pings: 0,
  pongs: 0,
  cleanCloses: 0,
  aborts: 0,
  fragmentedSends: 0,
  closesWithMessagesInFlight: 0,
  readBufferChanges: 0,
  discardedAtAbort: 0,
};
const errors: string[] = [];
/** `${client}/${generation}` of every connection our own abort() cut. */
const aborted = new Set<string>();
let running = true;

function fail(msg: string): void {
  if (errors.length < 50) errors.push(msg);
}

type Phase = 'waiting' | 'connecting' | 'open' | 'closing' | 'done';

/** One of our clients: one WebSocket object, reopened after every close or abort. */
class Client {
  readonly ws = new WebSocket();
  phase: Phase = 'waiting';
  gen = 0;
  seq = 0;
  pingNo = 0;
  everConnected = false;
  expected: Sent[] = [];
  pings: string[] = [];
  closeCode = 1000;
  timer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: number,
    readonly baseUrl: string,
    readonly deflate: boolean,
  ) {
    const ws = this.ws;
    // a fifth of the clients read slowly from the start (a few hundred bytes per loop turn)
    if (rand() < 0.2) ws.setReadBufferSize(randInt(64, 1024));
    ws.on('connected', () => this.onConnected());
    ws.on('textMessageReceived', (m) => this.onMessage(m));
    ws.on('binaryMessageReceived', (m) => this.onMessage(m));
    ws.on('pong', (_ms, p) => this.onPong(p.toString()));
    ws.on('errorOccurred', () => {
      fail(`${this.key}: client errorOccurred ${ws.error()} ${ws.errorString()} (phase ${this.phase})`);
      if (this.phase === 'connecting') this.phase = 'done'; // a failed handshake: never comes back
    });
    ws.on('disconnected', () => this.onDisconnected());
  }

  get key(): string {
    return `${this.id}/${this.gen}`;
  }

  connect(): void {
    if (!running) {
      this.phase = 'done';
      return;
    }
    this.gen++;
    this.seq = 0;
    this.phase = 'connecting';
    stats.opened++;
    this.ws.open(`${this.baseUrl}/${this.id}/${this.gen}`, this.deflate ? { perMessageDeflate: true } : {});
  }

  onConnected(): void {
    this.phase = 'open';
    this.everConnected = true;
    this.schedule();
  }

  schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
    }, randInt(5, 300) * PACE);
  }

  /** One random operation, then the next one later. */
  tick(): void {
    if (this.phase !== 'open') return;
    if (!running) return this.closeNow(1000, '');
    const r = rand();
    if (r < 0.01) {
      // often with messages (and a ping) still in flight: at a clean close they must all come
      // back first; at an abort they are not expected back
      if (rand() < 0.6) {
        for (let n = randInt(1, 3); n > 0 && this.expected.length < WINDOW; n--) this.send();
        if (rand() < 0.3) this.ping();
      }
      if (r < 0.006) return this.closeNow(pick([1000, 1001, 4000, 4999]), rand() < 0.5 ? '' : 'many ✓ reconnect');
      return this.abortNow();
    }
    if (r < 0.05) this.ping();
    else if (r < 0.07) {
      stats.readBufferChanges++;
      this.ws.setReadBufferSize(rand() < 0.5 ? 0 : randInt(16, 4096));
    } else {
      for (let n = randInt(1, 3); n > 0 && this.expected.length < WINDOW; n--) this.send();
    }
    this.schedule();
  }

  send(): void {
    const len = randomSize();
    const text = rand() < 0.5;
    const chars = text ? Math.floor(len / 2) : len; // ~2 UTF-8 bytes a character
    const s: Sent = { text, seq: ++this.seq, at: randInt(0, (text ? TEXT_POOL.length : BIN_POOL.length) - chars - 1), len: chars };
    const m = makeMessage(s);
    const bytes = typeof m === 'string' ? Buffer.byteLength(m) : m.length;
    if (rand() < 0.3) this.ws.setOutgoingFrameSize(pick(FRAME_SIZES));
    if (bytes > this.ws.outgoingFrameSize()) stats.fragmentedSends++;
    const queued = typeof m === 'string' ? this.ws.sendTextMessage(m) : this.ws.sendBinaryMessage(m);
    if (queued !== bytes) fail(`${this.key}: send queued ${queued} of ${bytes} bytes`);
    this.expected.push(s);
    stats.sent++;
    stats.bytes += bytes;
  }

  ping(): void {
    const p = `p${this.id}.${this.gen}.${++this.pingNo}`.padEnd(randInt(0, 125), '~');
    this.pings.push(p);
    stats.pings++;
    this.ws.ping(p);
  }

  onMessage(m: string | Buffer): void {
    const want = this.expected.shift();
    if (want === undefined) return fail(`${this.key}: unexpected ${describeMessage(m)} (phase ${this.phase})`);
    const exp = makeMessage(want);
    const ok = typeof exp === 'string' ? m === exp : Buffer.isBuffer(m) && exp.equals(m);
    if (!ok) return fail(`${this.key}: echo of #${want.seq} (${want.text ? 'text' : 'binary'}, ${want.len}) came back as ${describeMessage(m)}`);
    stats.echoed++;
  }

  onPong(payload: string): void {
    const want = this.pings.shift();
    if (want !== payload) return fail(`${this.key}: pong ${JSON.stringify(payload.slice(0, 30))} for ping ${JSON.stringify(want?.slice(0, 30))}`);
    stats.pongs++;
  }

  closeNow(code: number, reason: string): void {
    this.phase = 'closing';
    this.closeCode = code;
    if (this.expected.length > 0) stats.closesWithMessagesInFlight++;
    this.ws.close(code, reason);
  }

  abortNow(): void {
    aborted.add(this.key);
    stats.discardedAtAbort += this.expected.length;
    this.expected = [];
    this.pings = [];
    this.phase = 'waiting';
    stats.aborts++;
    this.ws.abort(); // emits disconnected now, which reconnects
  }

  onDisconnected(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.phase === 'closing') {
      stats.cleanCloses++;
      if (this.ws.closeCode() !== this.closeCode) fail(`${this.key}: closed with ${this.ws.closeCode()}, expected the echo of ${this.closeCode}`);
      if (this.expected.length > 0) fail(`${this.key}: ${this.expected.length} echoes missing at a clean close (first #${this.expected[0].seq})`);
      if (this.pings.length > 0) fail(`${this.key}: ${this.pings.length} pongs missing at a clean close`);
    } else if (this.phase !== 'waiting') {
      fail(`${this.key}: connection lost in phase ${this.phase}, code ${this.ws.closeCode()} ${this.ws.errorString()}`);
    }
    this.expected = [];
    this.pings = [];
    this.phase = 'waiting';
    if (!running) {
      this.phase = 'done';
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, randInt(10, 300));
  }

  /** At the end: a waiting client is done now; an open one closes (tick does it). */
  finish(): void {
    if (this.phase === 'waiting') {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.phase = 'done';
    } else if (this.phase === 'open') {
      this.closeNow(1000, '');
    }
    // 'connecting': closes as soon as it is connected (tick sees !running)
  }

  describe(): string {
    return `${this.key} phase=${this.phase} state=${this.ws.state()} awaiting ${this.expected.length} echoes, ${this.pings.length} pongs; bytesToWrite=${this.ws.bytesToWrite()} error=${this.ws.errorString()}`;
  }
}

/** An echo server that keeps no reference to closed connections. */
function echoServer(name: string, deflate: boolean, serverSide: { accepted: number; gone: number; closes: Map<number, number> }): WebSocketServer {
  const server = new WebSocketServer(name, SslMode.NonSecureMode);
  server.setMaxPendingConnections(100000);
  if (deflate) server.setPerMessageDeflate(true);
  else server.setMaxBufferedBytes(SERVER_BUFFER_CAP, 'pause');
  server.on('newConnection', () => {
    let next: WebSocket | null;
    while ((next = server.nextPendingConnection()) !== null) {
      const ws = next;
      serverSide.accepted++;
      // /many/<client>/<generation>
      const key = ws.resourceName().split('/').slice(2, 4).join('/');
      if (rand() < 0.5) ws.setOutgoingFrameSize(pick(FRAME_SIZES));
      ws.on('textMessageReceived', (m) => ws.sendTextMessage(m));
      ws.on('binaryMessageReceived', (m) => ws.sendBinaryMessage(m));
      ws.on('errorOccurred', () => {
        // the only errors allowed: the server end of a connection our client aborted
        if (!aborted.has(key)) fail(`${name} ${key}: server errorOccurred ${ws.error()} ${ws.errorString()}`);
      });
      ws.on('disconnected', () => {
        serverSide.gone++;
        const code = ws.closeCode();
        serverSide.closes.set(code, (serverSide.closes.get(code) ?? 0) + 1);
        if (code === 1006 && !aborted.has(key)) fail(`${name} ${key}: server side ended without a close handshake`);
      });
    }
  });
  server.on('serverError', (code) => fail(`${name}: serverError ${code}`));
  server.on('acceptError', (e) => fail(`${name}: acceptError ${e}`));
  return server;
}

describe('soak: thousands of our clients on two of our servers (plain + permessage-deflate)', () => {
  it(`echoes everything for ${SECONDS} s with ${CLIENTS} clients doing random things (seed ${seed})`, async () => {
    if (CLIENTS < WANTED_CLIENTS) {
      console.log(`soak-many: open-file limit ${FD_LIMIT} is too low for ${WANTED_CLIENTS} clients (2 descriptors each): running ${CLIENTS}`);
    }
    const uncaught: string[] = [];
    const onUncaught = (e: unknown): void => {
      uncaught.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    };
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    const loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    const gc = getGc();
    const baseline = await heapNow(gc);

    const plainSide = { accepted: 0, gone: 0, closes: new Map<number, number>() };
    const deflateSide = { accepted: 0, gone: 0, closes: new Map<number, number>() };
    let plain: WebSocketServer | null = echoServer('plain', false, plainSide);
    let deflate: WebSocketServer | null = echoServer('deflate', true, deflateSide);
    try {
      if (!(await plain.listen('127.0.0.1', 0))) throw new Error(plain.errorString());
      if (!(await deflate.listen('127.0.0.1', 0))) throw new Error(deflate.errorString());
      const plainUrl = `ws://127.0.0.1:${plain.serverPort()}/many`;
      const deflateUrl = `ws://127.0.0.1:${deflate.serverPort()}/many`;

      let clients: Client[] = [];
      for (let i = 0; i < CLIENTS; i++) clients.push(new Client(i, i % 2 === 0 ? plainUrl : deflateUrl, i % 2 === 1));
      // ramp up in batches, each connected before the next starts (the listen backlog and two
      // cores stay comfortable)
      for (let b = 0; b < CLIENTS; b += BATCH) {
        const batch = clients.slice(b, b + BATCH);
        for (const c of batch) c.connect();
        await until(
          () => batch.every((c) => c.everConnected || c.phase === 'done'),
          30000,
          () => `batch at ${b}: ${batch.filter((c) => !c.everConnected).slice(0, 5).map((c) => c.describe()).join('; ')}; errors: ${errors.slice(0, 5).join('; ')}`,
        );
      }
      const rampMs = (): string => `loop delay mean ${Math.round(loopDelay.mean / 1e6)} ms, max ${Math.round(loopDelay.max / 1e6)} ms`;
      if (errors.length > 0) console.log(`soak-many: errors while ramping up (${rampMs()})`);
      expect(errors).toEqual([]);
      const allConnectedAt = Date.now();
      await new Promise((r) => setTimeout(r, Math.min(3000, SECONDS * 150)));
      const early = await heapNow(gc);

      await new Promise((r) => setTimeout(r, Math.max(0, SECONDS * 1000 - (Date.now() - allConnectedAt))));
      running = false;
      for (const c of clients) c.finish();
      await until(
        () => clients.every((c) => c.phase === 'done'),
        60000,
        () => `${clients.filter((c) => c.phase !== 'done').length} clients not done: ${clients.filter((c) => c.phase !== 'done').slice(0, 5).map((c) => c.describe()).join('; ')}; errors: ${errors.slice(0, 5).join('; ')}`,
      );
      await until(
        () => plain!.connections().length === 0 && deflate!.connections().length === 0,
        15000,
        () => `servers still have ${plain!.connections().length} + ${deflate!.connections().length} connections`,
      );
      expect(clients.filter((c) => c.ws.state() !== SocketState.UnconnectedState).map((c) => c.describe())).toEqual([]);
      plain.close();
      deflate.close();
      const summary = {
        seed,
        seconds: SECONDS,
        clients: CLIENTS,
        ...stats,
        serverAccepted: plainSide.accepted + deflateSide.accepted,
        serverGone: plainSide.gone + deflateSide.gone,
        plainCloses: Object.fromEntries(plainSide.closes),
        deflateCloses: Object.fromEntries(deflateSide.closes),
        gc: gc !== null,
        loopDelayMs: { mean: Math.round(loopDelay.mean / 1e6), p99: Math.round(loopDelay.percentile(99) / 1e6), max: Math.round(loopDelay.max / 1e6) },
      };
      clients = [];
      plain = deflate = null;
      const final = await heapNow(gc);
      const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
      console.log(`soak-many: ${JSON.stringify(summary)} heap baseline ${mib(baseline)} MiB, early ${mib(early)} MiB, final ${mib(final)} MiB`);

      expect(errors).toEqual([]);
      expect(uncaught).toEqual([]);
      expect(stats.echoed + stats.discardedAtAbort).toBe(stats.sent);
      expect(stats.pongs).toBeGreaterThan(0);
      expect(stats.sent).toBeGreaterThan(CLIENTS);
      expect(stats.cleanCloses).toBeGreaterThan(CLIENTS); // the reconnect closes and the final ones
      expect(stats.aborts).toBeGreaterThan(0);
      expect(stats.fragmentedSends).toBeGreaterThan(0);
      // every connection a client opened was accepted, and is gone on the server side too
      expect(summary.serverAccepted).toBe(stats.opened);
      expect(summary.serverGone).toBe(summary.serverAccepted);
      // the only connections that ended without a close handshake are the aborted ones
      expect((plainSide.closes.get(1006) ?? 0) + (deflateSide.closes.get(1006) ?? 0)).toBeLessThanOrEqual(stats.aborts);
      // the heap returns near where it started (generous: no leak of per-connection state)
      const bound = gc !== null ? 48 * 2 ** 20 : 512 * 2 ** 20;
      expect(final - baseline).toBeLessThan(bound);
    } finally {
      running = false;
      loopDelay.disable();
      plain?.close();
      deflate?.close();
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
  }, (SECONDS + 240) * 1000);
});
