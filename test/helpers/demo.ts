/**
 * The `npm start` demo server (examples/demo-server.mjs) as a child process on a free port, and
 * a client of ours that records its stats feed. The demo server loads dist/ (as `npm start` does
 * after build:ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from '../../src/index';
import { freePort, startGroup } from './spawnPeer';
import { until } from './wait';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const DEMO_SERVER = join(ROOT, 'examples/demo-server.mjs');

/** One sample of the demo's stats feed (see examples/demo-server.mjs). */
export interface DemoSample {
  seq: number;
  t: number;
  connections: number;
  echoConnections: number;
  received: number;
  sent: number;
  broadcasts: number;
  inPerSec: number;
  outPerSec: number;
  rss: number;
  heapUsed: number;
  codec: string;
  uptime: number;
}

export type Group = ReturnType<typeof startGroup>;

/** Kills a process group and waits (up to 5 s) for its leader to exit. */
export async function stopGroup(g: Group): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (g.child.exitCode !== null || g.child.signalCode !== null) resolve();
    else g.child.once('exit', () => resolve());
  });
  g.stop();
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
}

/** Starts the demo server on a free port (with extra `env`) and waits for its "on http://…" line. */
export async function startDemo(env: Record<string, string> = {}): Promise<{ port: number; server: Group }> {
  if (!existsSync(join(ROOT, 'dist/cjs/index.js'))) throw new Error('dist/ is missing: run `npm run build:ts` first (npm start and npm test do)');
  const port = await freePort();
  const server = startGroup(process.execPath, [DEMO_SERVER], { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' });
  try {
    await until(() => /on http:\/\/127\.0\.0\.1:\d+\//.test(server.output()), 15000, () => `demo server did not start:\n${server.output()}`);
  } catch (e) {
    await stopGroup(server);
    throw e;
  }
  return { port, server };
}

/**
 * Opens one of our clients on `url` and resolves once it is connected. `listen` attaches the
 * message handlers before the handshake: a server may send its first message in the same
 * chunk as the 101 response, delivered before a caller awaiting the promise could listen.
 */
export function connectClient(url: string, listen: (ws: WebSocket) => void = () => {}): Promise<WebSocket> {
  const ws = new WebSocket();
  listen(ws);
  return new Promise((resolve, reject) => {
    ws.once('connected', () => resolve(ws));
    ws.once('errorOccurred', () => reject(new Error(`${url}: ${ws.errorString()}`)));
    ws.open(url);
  });
}

/** Our client on the demo's /stats feed: every sample it pushed, in order. */
export class StatsObserver {
  readonly samples: DemoSample[] = [];
  history: DemoSample[] | null = null;
  ws: WebSocket | null = null;

  /** Connects a new observer to the demo on `port`. */
  static async open(port: number): Promise<StatsObserver & { ws: WebSocket }> {
    const o = new StatsObserver();
    o.ws = await connectClient(`ws://127.0.0.1:${port}/stats`, (ws) =>
      ws.on('textMessageReceived', (m) => {
        const msg = JSON.parse(m) as { type: string; samples?: DemoSample[] } & DemoSample;
        if (msg.type === 'history') o.history = msg.samples!;
        else if (msg.type === 'stats') o.samples.push(msg);
      }),
    );
    return o as StatsObserver & { ws: WebSocket };
  }

  /** The newest sample (throws when none has come yet). */
  last(): DemoSample {
    const s = this.samples[this.samples.length - 1];
    if (s === undefined) throw new Error('no stats sample yet');
    return s;
  }

  /** Waits for a sample pushed after now that satisfies `cond`, and returns it. */
  async next(cond: (s: DemoSample) => boolean, timeoutMs = 10000): Promise<DemoSample> {
    const from = this.samples.length;
    const hit = (): DemoSample | undefined => this.samples.slice(from).find(cond);
    await until(() => hit() !== undefined, timeoutMs, () => `no such stats sample; last ${JSON.stringify(this.samples.slice(-2))}`);
    return hit()!;
  }
}
