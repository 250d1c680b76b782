/**
 * The `npm start` demo, end to end in headless Chromium, with examples/demo-server.mjs as its own
 * process on a free port.
 *
 * 1. The dashboard, read through the DevTools protocol (over one of our own clients): with no
 *    click, the page shows the numbers of the sample the server pushed (connections, messages in
 *    and out, rates, memory), equal to what the server counted for the traffic this test made;
 *    its charts move from sample to sample; the load button opens N connections from the page,
 *    which the server counts, and closes them again.
 * 2. The echo console, driven by the page itself with ?auto=1: two echoed texts (one multibyte),
 *    two "/all …" broadcasts, the 1 KiB binary, then "/all auto-result:<json>" with everything
 *    the page got back, and a close; a client of ours sees the broadcasts and the counters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index';
import { CdpPage } from '../../scripts/headless-chromium.mjs';
import { connectClient, startDemo, StatsObserver, stopGroup, type DemoSample, type Group } from '../helpers/demo';
import { findBinary, headlessChromiumArgs, peerAvailable, startGroup } from '../helpers/spawnPeer';
import { until } from '../helpers/wait';

const chromium = findBinary('chromium') ?? findBinary('chromium-browser') ?? findBinary('google-chrome');
const available = peerAvailable('chromium', chromium !== null);

/** What the dashboard shows, as text, read from the page's DOM. */
interface Shown {
  seq: string;
  connections: string;
  echoConnections: string;
  inRate: string;
  outRate: string;
  received: string;
  sent: string;
  rss: string;
  heap: string;
  codec: string;
  feed: string;
  loadOpen: string;
  loadEchoes: string;
  /** each chart's first polyline `points`, as [x, y] pairs */
  charts: Record<'connections' | 'rate' | 'memory', [number, number][]>;
}

const READ_DASHBOARD = `(() => {
  const t = (id) => document.getElementById(id).textContent;
  const pts = (id) => { const p = document.querySelector('#' + id + ' polyline'); return p ? p.getAttribute('points').split(' ').map((xy) => xy.split(',').map(Number)) : []; };
  return { seq: t('seq'), connections: t('connections'), echoConnections: t('echo-connections'), inRate: t('in-rate'), outRate: t('out-rate'),
    received: t('received'), sent: t('sent'), rss: t('rss'), heap: t('heap'), codec: t('codec'), feed: t('feed'),
    loadOpen: t('load-open'), loadEchoes: t('load-echoes'),
    charts: { connections: pts('chart-connections'), rate: pts('chart-rate'), memory: pts('chart-memory') } };
})()`;

/** The page's formatting, in Node (same ICU): integers grouped en-US, megabytes with one decimal. */
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);

/** The texts the dashboard must show for sample `s`. */
function expectedText(s: DemoSample): Omit<Shown, 'charts' | 'feed' | 'loadOpen' | 'loadEchoes'> {
  return {
    seq: String(s.seq),
    connections: int(s.connections),
    echoConnections: int(s.echoConnections),
    inRate: int(s.inPerSec),
    outRate: int(s.outPerSec),
    received: int(s.received),
    sent: int(s.sent),
    rss: mb(s.rss),
    heap: mb(s.heapUsed),
    codec: s.codec,
  };
}

describe.skipIf(!available)('interop: the demo page (npm start) in Chromium', () => {
  let profile: string;
  let demo: { port: number; server: Group } | null = null;
  let browser: Group | null = null;
  const clients: { abort(): void }[] = [];
  beforeEach(() => {
    profile = mkdtempSync(join(tmpdir(), 'qws-chromium-demo-'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.abort();
    if (browser !== null) await stopGroup(browser);
    if (demo !== null) await stopGroup(demo.server);
    browser = demo = null;
    rmSync(profile, { recursive: true, force: true });
  });

  it('the dashboard shows what the server counted, its charts move, and the load button opens N connections', async () => {
    demo = await startDemo();
    const { port } = demo;
    const observer = await StatsObserver.open(port);
    clients.push(observer.ws);
    browser = startGroup(chromium!, headlessChromiumArgs(profile, `http://127.0.0.1:${port}/`, { devtools: true }));
    const b = browser;
    const page = await CdpPage.open(WebSocket, profile, `http://127.0.0.1:${port}/`).catch((e: Error) => {
      throw new Error(`${e.message}; chromium said:\n${b.output().slice(-3000)}`);
    });
    clients.push({ abort: () => page.close() });
    const read = (): Promise<Shown> => page.evaluate<Shown>(READ_DASHBOARD);
    /** Reads the page until it shows a sample satisfying `cond`; returns what it shows and that sample. */
    const shownWhen = async (cond: (s: DemoSample) => boolean, timeoutMs = 15000): Promise<{ shown: Shown; sample: DemoSample }> => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const shown = await read();
        const sample = observer.samples.find((s) => String(s.seq) === shown.seq);
        if (sample !== undefined && cond(sample)) return { shown, sample };
        if (Date.now() > end) throw new Error(`the page never showed such a sample; it shows ${JSON.stringify({ ...shown, charts: undefined })}, last pushed ${JSON.stringify(observer.samples.slice(-1))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // no click: the page's feed is live and shows the pushed sample; the page and our observer are counted
    const first = await shownWhen((s) => s.connections === 2);
    expect(first.shown.feed).toBe('live');
    expect(first.shown).toMatchObject(expectedText(first.sample));

    // traffic of ours on /ws: the page's counters become exactly what the server counted
    const client = await connectClient(`ws://127.0.0.1:${port}/ws`);
    clients.push(client);
    let echoes = 0;
    client.on('textMessageReceived', () => echoes++);
    for (let i = 0; i < 250; i++) client.sendTextMessage(`hello ${i}`);
    await until(() => echoes === 250, 10000, () => `${echoes} echoes of 250`);
    const counted = await shownWhen((s) => s.received === 250);
    expect(counted.shown).toMatchObject(expectedText(counted.sample));
    expect(counted.sample).toMatchObject({ received: 250, sent: 250, connections: 3, echoConnections: 1 });
    expect(counted.shown.received).toBe('250');

    // the charts move: one more point per sample (up to a minute of them), the newest at the right
    const later = await shownWhen((s) => s.seq >= counted.sample.seq + 2);
    for (const name of ['connections', 'rate', 'memory'] as const) {
      const [before, after] = [counted.shown.charts[name], later.shown.charts[name]];
      expect(after.length).toBe(Math.min(later.sample.seq, 60));
      expect(after.length).toBeGreaterThan(before.length);
      expect(after[after.length - 1][0]).toBeCloseTo(before[before.length - 1][0], 0); // the right edge stays the newest
    }
    expect(new Set(later.shown.charts.rate.map(([, y]) => y)).size).toBeGreaterThan(1); // 250 messages in one second: not flat

    // the load button: 40 connections from the page, 20 messages a second each
    await page.evaluate(`document.getElementById('load-n').value = '40'; document.getElementById('load-rate').value = '20'; document.getElementById('load-toggle').click(); true`);
    const loaded = await shownWhen((s) => s.echoConnections === 41 && s.inPerSec > 0);
    expect(loaded.shown).toMatchObject(expectedText(loaded.sample));
    expect(loaded.sample.connections).toBe(43); // + the page's feed and our observer
    const busy = await shownWhen((s) => s.seq >= loaded.sample.seq + 2);
    expect(busy.shown).toMatchObject(expectedText(busy.sample));
    expect(busy.sample.inPerSec).toBeGreaterThan(0);
    expect(busy.sample.received).toBeGreaterThan(loaded.sample.received);
    const shownLoad = await read();
    expect(shownLoad.loadOpen).toBe('40');
    expect(Number(shownLoad.loadEchoes.replace(/,/g, ''))).toBeGreaterThan(0);

    // stop: the page closes them, and the server counts them gone
    await page.evaluate(`document.getElementById('load-toggle').click(); true`);
    const stopped = await shownWhen((s) => s.echoConnections === 1);
    expect(stopped.shown).toMatchObject(expectedText(stopped.sample));
    expect((await read()).loadOpen).toBe('0');
  }, 90000);

  it('drives the echo console with ?auto=1: echoes, broadcasts reach another client, and the counters add up', async () => {
    demo = await startDemo();
    const { port } = demo;
    const observer = await StatsObserver.open(port);
    clients.push(observer.ws);
    const echoClient = await connectClient(`ws://127.0.0.1:${port}/ws`);
    clients.push(echoClient);
    const broadcasts: string[] = [];
    const unexpected: string[] = [];
    echoClient.on('textMessageReceived', (m) => {
      if (m.startsWith('[broadcast] ')) broadcasts.push(m.slice('[broadcast] '.length));
      else unexpected.push(m.slice(0, 80));
    });

    browser = startGroup(chromium!, headlessChromiumArgs(profile, `http://127.0.0.1:${port}/?auto=1`));
    const b = browser;
    const resultLine = (): string | undefined => broadcasts.find((m) => m.startsWith('auto-result:'));
    await until(() => resultLine() !== undefined, 60000, () => `no auto-result from the page; broadcasts so far ${JSON.stringify(broadcasts)}; chromium said:\n${b.output().slice(-3000)}`);

    // the page's broadcasts reached another client intact (multibyte text included), in order
    expect(broadcasts.slice(0, 3)).toEqual(['hello', 'ünïcödé 😀 ✓ 日本', resultLine()]);
    expect(unexpected).toEqual([]);

    const r = JSON.parse(resultLine()!.slice('auto-result:'.length)) as { texts: string[]; broadcasts: string[]; binary: number[]; timedOut: boolean; mine: number; status: string };
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe('connected');
    expect(r.texts).toEqual(['hello', 'héllo wörld € 😀 — ✓ 日本語']);
    expect(r.broadcasts).toEqual(['hello', 'ünïcödé 😀 ✓ 日本']);
    expect(r.binary).toEqual([1024]);
    expect(r.mine).toBe(3); // the page's own echo counter: two texts and the binary

    // the console closed (4000, "bye"): /ws holds our client alone; the page's dashboard feed stays.
    // In: 2 texts + 1 binary + 3 broadcasts; out: 3 echoes + 3 broadcasts × 2 recipients
    const last = await observer.next((s) => s.echoConnections === 1 && s.received === 6);
    expect(last).toMatchObject({ connections: 3, echoConnections: 1, received: 6, sent: 9, broadcasts: 3 });
  }, 90000);
});
