/**
 * A short soak: our WebSocketServer with 200 of our clients and 50 `ws` clients at once, exchanging
 * random-size messages (0 B..256 KiB, text and binary, random fragmentation on both sides), pings,
 * and clients closing and reconnecting all the time. Every echo must come back intact and in
 * order, every close must be clean, the server must end with no connection, and the heap must not
 * keep growing. Duration: QWS_SOAK_SECONDS (default 20). Nothing here asserts a duration.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket as WsClient } from 'ws';
import { SslMode, WebSocket, WebSocketServer } from '../../src/index';
import { getGc, heapNow, until } from '../helpers/wait';
import { seededRandom } from '../helpers/prng';

const SECONDS = Number(process.env.QWS_SOAK_SECONDS ?? 20);
const OUR_CLIENTS = 200;
const WS_CLIENTS = 50;
const WINDOW = 3; // messages in flight per client
const MAX_SIZE = 256 * 1024;
const FRAME_SIZES = [64, 1000, 4096, 65536, 512 * 1024];

/**
 * A seeded PRNG (mulberry32): QWS_SOAK_SEED repeats a failing run's choices (sizes, kinds, frame
 * sizes, closes), though not its exact interleaving, which depends on timing.
 */
const seed = Number(process.env.QWS_SOAK_SEED ?? Date.now() % 1e9);
const { rand, randInt, pick } = seededRandom(seed);

/** Mostly small messages, some large, a few empty: sizes in bytes. */
function randomSize(): number {
  const r = rand();
  if (r < 0.03) return 0;
  if (r < 0.7) return randInt(0, 1024);
  if (r < 0.95) return randInt(0, 16 * 1024);
  return randInt(0, MAX_SIZE);
}

// Message bodies are slices of two pools, so that making a message costs nothing. The text pool
// has only BMP characters (1, 2 and 3 UTF-8 bytes) so that any slice is valid UTF-16.
const TEXT_POOL = 'aé€日bç→語 z'.repeat(Math.ceil(MAX_SIZE / 10) + 1);
const BIN_POOL = Buffer.alloc(MAX_SIZE * 2);
for (let i = 0; i < BIN_POOL.length; i++) BIN_POOL[i] = (i * 2654435761) >>> 24;

function randomMessage(): string | Buffer {
  const size = randomSize();
  if (rand() < 0.5) {
    const chars = Math.floor(size / 2); // ~2 bytes a character on average
    const at = randInt(0, TEXT_POOL.length - chars);
    return TEXT_POOL.slice(at, at + chars);
  }
  const at = randInt(0, BIN_POOL.length - size);
  return BIN_POOL.subarray(at, at + size);
}

function same(a: string | Buffer, b: string | Buffer): boolean {
  if (typeof a === 'string') return typeof b === 'string' && a === b;
  return Buffer.isBuffer(b) && a.equals(b);
}




interface Stats {
  sent: number;
  echoed: number;
  bytes: number;
  pings: number;
  pongs: number;
  reconnects: number;
  fragmentedSends: number;
}

/** The behaviour shared by both client kinds: a window of messages in flight, pings, close/reopen. */
abstract class SoakClient {
  expected: Array<string | Buffer> = [];
  pings: string[] = [];
  closing = false;
  closeCode = 0;
  closeReason = '';
  closeCalled = false;
  connected = false;
  everConnected = false;
  done = false;
  constructor(
    readonly name: string,
    readonly url: string,
    readonly stats: Stats,
    readonly errors: string[],
    readonly running: () => boolean,
  ) {}

  get idle(): boolean {
    return this.expected.length === 0 && this.pings.length === 0;
  }

  protected fail(msg: string): void {
    if (this.errors.length < 50) this.errors.push(`${this.name}: ${msg}`);
  }

  protected onMessage(m: string | Buffer): void {
    const want = this.expected.shift();
    if (want === undefined) return this.fail(`unexpected message of ${m.length}`);
    if (!same(want, m)) {
      return this.fail(`echo mismatch: sent ${typeof want} of ${want.length}, got ${typeof m} of ${m.length}`);
    }
    this.stats.echoed++;
    this.pump();
  }

  protected onPong(payload: string): void {
    const want = this.pings.shift();
    if (want !== payload) return this.fail(`pong ${JSON.stringify(payload)} for ping ${JSON.stringify(want)}`);
    this.stats.pongs++;
    this.pump();
  }

  /** Sends until WINDOW messages are in flight; sometimes pings; sometimes closes to reconnect. */
  pump(): void {
    if (!this.connected) return;
    if (this.closing) {
      if (this.idle) this.closeOnce();
      return;
    }
    if (!this.running()) {
      if (this.idle) this.startClose(1000, '');
      return;
    }
    if (rand() < 0.004) {
      this.startClose(pick([1000, 1001, 4000, 4999]), rand() < 0.5 ? '' : 'soak ✓ reconnect');
      return;
    }
    while (this.expected.length < WINDOW) {
      const m = randomMessage();
      this.expected.push(m);
      this.stats.sent++;
      this.stats.bytes += typeof m === 'string' ? Buffer.byteLength(m) : m.length;
      this.send(m);
      if (rand() < 0.05) {
        const p = `p${randInt(0, 1e9)}`.repeat(randInt(1, 10)).slice(0, 125);
        this.pings.push(p);
        this.stats.pings++;
        this.ping(p);
      }
    }
  }

  startClose(code: number, reason: string): void {
    this.closing = true;
    this.closeCode = code;
    this.closeReason = reason;
    if (this.idle) this.closeOnce();
  }
  closeOnce(): void {
    if (this.closeCalled) return;
    this.closeCalled = true;
    this.doClose();
  }

  /** Called when the connection is gone: checks the close and reconnects while running. */
  protected afterClose(code: number): void {
    this.connected = false;
    if (this.closing && code !== this.closeCode) this.fail(`closed with ${code}, expected the echo of ${this.closeCode}`);
    if (!this.closing) this.fail(`connection lost (code ${code})`);
    if (this.expected.length > 0) this.fail(`${this.expected.length} echoes missing at close`);
    this.expected = [];
    this.pings = [];
    this.closing = false;
    this.closeCalled = false;
    if (this.running()) {
      this.stats.reconnects++;
      setTimeout(() => this.connect(), randInt(0, 30));
    } else {
      this.done = true;
    }
  }

  /** For timeout messages: where this client is stuck. */
  describe(): string {
    return `${this.name} connected=${this.connected} closing=${this.closing}(${this.closeCode}) awaiting ${this.expected.length} echoes [${this.expected.map((m) => `${typeof m} ${m.length}`).join(', ')}] and ${this.pings.length} pongs; ${this.transportState()}`;
  }
  abstract transportState(): string;
  abstract connect(): void;
  abstract send(m: string | Buffer): void;
  abstract ping(p: string): void;
  abstract doClose(): void;
}

/** One of our clients; reconnects by calling open() again on the same object. */
class OurClient extends SoakClient {
  readonly ws = new WebSocket();
  constructor(...args: ConstructorParameters<typeof SoakClient>) {
    super(...args);
    this.ws.setMaxAllowedIncomingMessageSize(MAX_SIZE * 4);
    this.ws.on('connected', () => {
      this.connected = this.everConnected = true;
      this.pump();
    });
    this.ws.on('textMessageReceived', (m) => this.onMessage(m));
    this.ws.on('binaryMessageReceived', (m) => this.onMessage(m));
    this.ws.on('pong', (_ms, p) => this.onPong(p.toString()));
    this.ws.on('errorOccurred', () => this.fail(`errorOccurred: ${this.ws.errorString()}`));
    this.ws.on('disconnected', () => this.afterClose(this.ws.closeCode()));
  }
  connect(): void {
    this.ws.open(this.url);
  }
  transportState(): string {
    return `state=${this.ws.state()} bytesToWrite=${this.ws.bytesToWrite()} frameSize=${this.ws.outgoingFrameSize()} error=${this.ws.errorString()}`;
  }
  send(m: string | Buffer): void {
    const frame = pick(FRAME_SIZES);
    this.ws.setOutgoingFrameSize(frame);
    if (m.length > frame) this.stats.fragmentedSends++;
    if (typeof m === 'string') this.ws.sendTextMessage(m);
    else this.ws.sendBinaryMessage(m);
  }
  ping(p: string): void {
    this.ws.ping(p);
  }
  doClose(): void {
    this.ws.close(this.closeCode, this.closeReason);
  }
}

/** A `ws` client; fragments some messages itself (text split at any byte, even inside a character). */
class WsSoakClient extends SoakClient {
  ws: WsClient | null = null;
  connect(): void {
    const ws = new WsClient(this.url, { perMessageDeflate: false, maxPayload: MAX_SIZE * 4 });
    this.ws = ws;
    ws.on('open', () => {
      this.connected = this.everConnected = true;
      this.pump();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(isBinary ? data : data.toString('utf8')));
    ws.on('pong', (p: Buffer) => this.onPong(p.toString()));
    ws.on('error', (e) => this.fail(`ws error: ${e.message}`));
    ws.on('close', (code: number) => this.afterClose(code));
  }
  transportState(): string {
    return `readyState=${this.ws?.readyState} bufferedAmount=${this.ws?.bufferedAmount}`;
  }
  send(m: string | Buffer): void {
    const ws = this.ws!;
    const binary = typeof m !== 'string';
    const bytes = typeof m === 'string' ? Buffer.from(m, 'utf8') : m;
    if (bytes.length > 1 && rand() < 0.3) {
      this.stats.fragmentedSends++;
      let off = 0;
      while (off < bytes.length) {
        const end = Math.min(bytes.length, off + randInt(1, Math.max(1, bytes.length >> 1)));
        ws.send(bytes.subarray(off, end), { binary, fin: end === bytes.length });
        off = end;
      }
    } else {
      ws.send(m, { binary });
    }
  }
  ping(p: string): void {
    this.ws!.ping(p);
  }
  doClose(): void {
    this.ws!.close(this.closeCode, this.closeReason);
  }
}

describe('soak: our server with 200 of our clients and 50 ws clients', () => {
  it(`echoes everything intact and in order for ${SECONDS} s while clients come and go (seed ${seed})`, async () => {
    const gc = getGc();
    const serverCloses = new Map<number, number>();
    let serverConnections = 0;
    // an echo server that keeps no reference to closed connections (the heap check needs that)
    const server = new WebSocketServer('soak', SslMode.NonSecureMode);
    server.setMaxPendingConnections(1000);
    server.setMaxAllowedIncomingMessageSize(MAX_SIZE * 4);
    server.on('newConnection', () => {
      let next: WebSocket | null;
      while ((next = server.nextPendingConnection()) !== null) {
        const ws = next;
        serverConnections++;
        ws.setOutgoingFrameSize(pick(FRAME_SIZES));
        ws.on('textMessageReceived', (m) => ws.sendTextMessage(m));
        ws.on('binaryMessageReceived', (m) => ws.sendBinaryMessage(m));
        ws.on('disconnected', () => serverCloses.set(ws.closeCode(), (serverCloses.get(ws.closeCode()) ?? 0) + 1));
      }
    });
    if (!(await server.listen('127.0.0.1', 0))) throw new Error(server.errorString());
    const port = server.serverPort();
    const url = `ws://127.0.0.1:${port}/soak`;
    const stats: Stats = { sent: 0, echoed: 0, bytes: 0, pings: 0, pongs: 0, reconnects: 0, fragmentedSends: 0 };
    const errors: string[] = [];
    let running = true;
    const isRunning = (): boolean => running;

    let clients: SoakClient[] = [];
    for (let i = 0; i < OUR_CLIENTS; i++) clients.push(new OurClient(`ours#${i}`, url, stats, errors, isRunning));
    for (let i = 0; i < WS_CLIENTS; i++) clients.push(new WsSoakClient(`ws#${i}`, url, stats, errors, isRunning));
    for (const c of clients) c.connect();

    // early heap: once everyone is connected and traffic flows
    await until(
      () => clients.every((c) => c.everConnected),
      30000,
      () => `${clients.filter((c) => !c.everConnected).map((c) => c.name).slice(0, 10).join(', ')}… never connected; errors: ${errors.slice(0, 5).join('; ')}`,
    );
    await new Promise((r) => setTimeout(r, Math.min(3000, SECONDS * 150)));
    const early = await heapNow(gc);

    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    running = false;
    for (const c of clients) c.pump(); // idle ones close now; busy ones when their echoes are in
    await until(
      () => clients.every((c) => c.done),
      60000,
      () => `${clients.filter((c) => !c.done).length} clients still open: ${clients.filter((c) => !c.done).slice(0, 5).map((c) => c.describe()).join('; ')}; errors: ${errors.slice(0, 5).join('; ')}`,
    );
    await until(() => server.connections().length === 0, 10000, () => `server still has ${server.connections().length} connections`);
    server.close();
    const summary = { seed, seconds: SECONDS, ...stats, serverConnections, serverCloses: Object.fromEntries(serverCloses), gc: gc !== null };
    clients = [];
    const final = await heapNow(gc);

    console.log(`soak: ${JSON.stringify(summary)} heap early ${(early / 2 ** 20).toFixed(1)} MiB, final ${(final / 2 ** 20).toFixed(1)} MiB`);
    expect(errors).toEqual([]);
    expect(stats.echoed).toBe(stats.sent);
    expect(stats.pongs).toBe(stats.pings);
    expect(stats.sent).toBeGreaterThan(OUR_CLIENTS + WS_CLIENTS);
    expect(stats.reconnects).toBeGreaterThan(0);
    expect(stats.fragmentedSends).toBeGreaterThan(0);
    expect(serverConnections).toBe(OUR_CLIENTS + WS_CLIENTS + stats.reconnects);
    // every connection, on the server side too, ended with a close handshake
    expect(serverCloses.get(1006) ?? 0).toBe(0);
    expect(server.connections()).toHaveLength(0);
    // bounded heap: what the run left behind is small next to the live state it measured early
    const bound = gc !== null ? 32 * 2 ** 20 : 256 * 2 ** 20;
    expect(final - early).toBeLessThan(bound);
  }, (SECONDS + 120) * 1000);
});
