/**
 * The `npm start` demo, end to end: examples/demo-server.mjs runs as its own process (on a free
 * port, through PORT) and headless Chromium loads its page with ?auto=1, which drives the page's
 * own buttons: two echoed texts (one multibyte), two "/all …" broadcasts, the 1 KiB binary, then
 * "/all auto-result:<json>" with everything the page got back, and a close. A client of ours,
 * connected to the demo server before the page loads, checks that the broadcasts arrived intact,
 * reads the page's result, and sees the page's connection gone in the server's stats push.
 *
 * The demo server loads dist/ (as `npm start` does after build:ts).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index';
import { findBinary, headlessChromiumArgs, peerAvailable, startGroup } from '../helpers/spawnPeer';
import { until } from '../helpers/wait';

const root = new URL('../../', import.meta.url).pathname;
const chromium = findBinary('chromium') ?? findBinary('chromium-browser') ?? findBinary('google-chrome');
const available = peerAvailable('chromium', chromium !== null);

/** A port free right now (the demo server takes its port from PORT, not 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

type Group = ReturnType<typeof startGroup>;

/** Kills a process group and waits (up to 5 s) for its leader to exit. */
async function stopGroup(g: Group): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (g.child.exitCode !== null || g.child.signalCode !== null) resolve();
    else g.child.once('exit', () => resolve());
  });
  g.stop();
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
}


interface Stats {
  connections: number;
  received: number;
  echoed: number;
  broadcasts: number;
}

interface AutoResult {
  texts: string[];
  broadcasts: string[];
  binary: number[];
  stats: Stats | null;
  timedOut: boolean;
  mine: number;
  status: string;
}

describe.skipIf(!available)('interop: the demo page (npm start) in Chromium', () => {
  let profile: string;
  beforeAll(() => {
    profile = mkdtempSync(join(tmpdir(), 'qws-chromium-demo-'));
  });
  afterAll(() => {
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('drives the page with ?auto=1: echoes, broadcasts reach another client, and the page reports what it got', async () => {
    if (!existsSync(join(root, 'dist/cjs/index.js'))) throw new Error('dist/ is missing: run `npm run build:ts` first (npm start and npm test do)');
    const port = await freePort();
    const server = startGroup(process.execPath, [join(root, 'examples/demo-server.mjs')], { ...process.env, PORT: String(port), HOST: '127.0.0.1' });
    let browser: Group | null = null;
    const observer = new WebSocket();
    try {
      await until(() => /on http:\/\/127\.0\.0\.1:\d+\//.test(server.output()), 15000, () => `demo server did not start:\n${server.output()}`);

      // our observer: every broadcast and stats push the demo server sends to everyone
      const broadcasts: string[] = [];
      const stats: Stats[] = [];
      const errors: string[] = [];
      let connected = false;
      observer.on('connected', () => (connected = true));
      observer.on('errorOccurred', () => errors.push(observer.errorString()));
      observer.on('textMessageReceived', (m) => {
        if (m.startsWith('{"stats"')) stats.push((JSON.parse(m) as { stats: Stats }).stats);
        else if (m.startsWith('[broadcast] ')) broadcasts.push(m.slice('[broadcast] '.length));
        else errors.push(`unexpected message ${JSON.stringify(m.slice(0, 80))}`);
      });
      observer.open(`ws://127.0.0.1:${port}/ws`);
      await until(() => connected || errors.length > 0, 10000, () => 'observer did not connect');
      expect(errors).toEqual([]);

      browser = startGroup(chromium!, headlessChromiumArgs(profile, `http://127.0.0.1:${port}/?auto=1`));
      const b = browser;
      const resultLine = (): string | undefined => broadcasts.find((m) => m.startsWith('auto-result:'));
      await until(() => resultLine() !== undefined, 60000, () => `no auto-result from the page; broadcasts so far ${JSON.stringify(broadcasts)}; chromium said:\n${b.output().slice(-3000)}`);

      // the page's broadcasts reached another client intact (multibyte text included), in order
      expect(broadcasts.slice(0, 3)).toEqual(['hello', 'ünïcödé 😀 ✓ 日本', resultLine()]);

      // what the page itself got back
      const r = JSON.parse(resultLine()!.slice('auto-result:'.length)) as AutoResult;
      expect(r.timedOut).toBe(false);
      expect(r.status).toBe('connected');
      expect(r.texts).toEqual(['hello', 'héllo wörld € 😀 — ✓ 日本語']);
      expect(r.broadcasts).toEqual(['hello', 'ünïcödé 😀 ✓ 日本']);
      expect(r.binary).toEqual([1024]);
      expect(r.mine).toBe(3); // the page's own echo counter: two texts and the binary
      expect(r.stats).not.toBeNull();
      expect(r.stats!.connections).toBeGreaterThanOrEqual(2); // the page and our observer

      // the page closed (4000, "bye"): a later stats push counts our observer alone, and the
      // server's counters include everything the page sent (2 echoes + 1 binary + 3 broadcasts)
      const seen = stats.length;
      await until(() => stats.length > seen && stats[stats.length - 1].connections === 1, 10000, () => `stats never showed the page gone: ${JSON.stringify(stats.slice(-3))}`);
      const last = stats[stats.length - 1];
      expect(last).toMatchObject({ connections: 1, received: 6, echoed: 3, broadcasts: 3 });
      expect(errors).toEqual([]);
    } finally {
      observer.abort();
      if (browser !== null) await stopGroup(browser);
      await stopGroup(server);
    }
  }, 120000);
});
