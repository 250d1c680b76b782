// The `npm start` page: a dashboard fed by the server (ws://…/stats, one sample a second), a load
// generator that opens N connections to the echo endpoint, and an echo console. Plain DOM, no
// framework; the charts are SVG polylines drawn here.
'use strict';

const $ = (id) => document.getElementById(id);
const wsUrl = (path) => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtMB = (bytes) => (bytes / 1048576).toFixed(1);
const fmtUptime = (s) => (s < 120 ? `${s} s` : s < 7200 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h`);

// ---- dashboard ------------------------------------------------------------------------------

const WINDOW = 60; // samples on a chart: the last minute
const SVG_NS = 'http://www.w3.org/2000/svg';
let samples = [];

/** A "nice" upper bound for a chart's scale: 1, 2 or 5 times a power of ten, at least `floor`. */
function niceMax(v, floor) {
  const x = Math.max(v, floor);
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= x);
}

/**
 * Draws one or two series (arrays of numbers, oldest first) into `svg` as polylines over the
 * chart's own pixel size (so nothing is stretched), newest sample at the right edge.
 */
function drawChart(svg, series, floor) {
  const w = Math.max(Math.round(svg.getBoundingClientRect().width), 100);
  const h = 90;
  const top = 14;
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  const max = niceMax(Math.max(0, ...series.flat()), floor);
  const x = (i, n) => w - (n - 1 - i) * (w / (WINDOW - 1));
  const y = (v) => h - 2 - (v / max) * (h - top - 4);
  const parts = [
    `<line class="grid" x1="0" x2="${w}" y1="${y(max)}" y2="${y(max)}"/>`,
    `<line class="grid" x1="0" x2="${w}" y1="${y(max / 2)}" y2="${y(max / 2)}"/>`,
    `<text x="4" y="${top - 3}">${max.toLocaleString('en-US')}</text>`,
  ];
  series.forEach((values, k) => {
    const pts = values.map((v, i) => `${x(i, values.length).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    if (k === 0 && values.length > 1) parts.push(`<polygon class="area" points="${x(0, values.length).toFixed(1)},${h} ${pts} ${w},${h}"/>`);
    parts.push(`<polyline class="line${k > 0 ? ' second' : ''}" points="${pts}"/>`);
  });
  svg.innerHTML = parts.join('');
}

/** Shows the newest sample's numbers and redraws the three charts. */
function render() {
  const s = samples[samples.length - 1];
  if (s === undefined) return;
  $('seq').textContent = String(s.seq);
  $('codec').textContent = s.codec;
  $('uptime').textContent = fmtUptime(s.uptime);
  $('connections').textContent = fmtInt(s.connections);
  $('echo-connections').textContent = fmtInt(s.echoConnections);
  $('in-rate').textContent = fmtInt(s.inPerSec);
  $('out-rate').textContent = fmtInt(s.outPerSec);
  $('received').textContent = fmtInt(s.received);
  $('sent').textContent = fmtInt(s.sent);
  $('rss').textContent = fmtMB(s.rss);
  $('heap').textContent = fmtMB(s.heapUsed);
  const recent = samples.slice(-WINDOW);
  drawChart($('chart-connections'), [recent.map((r) => r.connections)], 5);
  drawChart($('chart-rate'), [recent.map((r) => r.inPerSec), recent.map((r) => r.outPerSec)], 10);
  drawChart($('chart-memory'), [recent.map((r) => r.rss / 1048576), recent.map((r) => r.heapUsed / 1048576)], 10);
}

/** The stats feed: reconnects (1 s, then up to 10 s apart) while the server is away. */
function connectFeed(delay = 1000) {
  const feed = new WebSocket(wsUrl('/stats'));
  const status = $('feed');
  feed.onopen = () => {
    status.textContent = 'live';
    status.className = 'feed on';
    delay = 1000;
  };
  feed.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === 'history') samples = m.samples;
    else if (m.type === 'stats') samples.push(m);
    if (samples.length > WINDOW * 2) samples = samples.slice(-WINDOW);
    render();
  };
  feed.onclose = () => {
    status.textContent = 'offline — retrying';
    status.className = 'feed off';
    setTimeout(() => connectFeed(Math.min(delay * 2, 10000)), delay);
  };
}
connectFeed();
window.addEventListener('resize', render);

// ---- load -----------------------------------------------------------------------------------

// Chromium refuses WebSockets beyond about 255 per browser (measured: 600 asked, 254 opened
// beside the stats feed), so more would only count as failed.
const MAX_LOAD = 250;
const load = { sockets: [], timer: null, echoes: 0, failed: 0 };

function showLoad() {
  $('load-open').textContent = fmtInt(load.sockets.filter((s) => s.readyState === WebSocket.OPEN).length);
  $('load-echoes').textContent = fmtInt(load.echoes);
  $('load-failed').textContent = fmtInt(load.failed);
}

/** Opens `n` connections to /ws; each sends a short text `rate` times a second (one shared timer). */
function startLoad(n, rate) {
  for (let i = 0; i < n; i++) {
    const s = new WebSocket(wsUrl('/ws'));
    s.onmessage = () => load.echoes++;
    s.onopen = showLoad;
    s.onclose = (e) => {
      if (!e.wasClean) load.failed++;
      showLoad();
    };
    load.sockets.push(s);
  }
  let tick = 0;
  load.timer = setInterval(() => {
    tick++;
    for (const s of load.sockets) if (s.readyState === WebSocket.OPEN && s.bufferedAmount < 65536) s.send(`load ${tick}`);
    if (tick % rate === 0) showLoad();
  }, 1000 / rate);
  $('load-toggle').textContent = 'Stop and close them';
  $('load-toggle').classList.add('running');
}

function stopLoad() {
  clearInterval(load.timer);
  load.timer = null;
  for (const s of load.sockets) s.close(1000, 'load stopped');
  load.sockets = [];
  $('load-toggle').textContent = 'Open connections';
  $('load-toggle').classList.remove('running');
  showLoad();
}

$('load-toggle').onclick = () => {
  if (load.timer !== null) return stopLoad();
  const n = Math.min(Math.max(Number($('load-n').value) | 0, 1), MAX_LOAD);
  const rate = Math.min(Math.max(Number($('load-rate').value) | 0, 1), 100);
  startLoad(n, rate);
};

// ---- echo console ---------------------------------------------------------------------------

let ws = null;
let mine = 0;
const log = (line) => {
  const div = document.createElement('div');
  div.textContent = line;
  $('log').append(div);
  $('log').scrollTop = 1e9;
};
const setConnected = (on) => {
  $('status').textContent = on ? 'connected' : 'disconnected';
  for (const id of ['send', 'broadcast', 'binary', 'disconnect']) $(id).disabled = !on;
  $('connect').disabled = on;
};
const countMine = () => ($('mine').textContent = String(++mine));
$('connect').onclick = () => {
  ws = new WebSocket(wsUrl('/ws'));
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => { setConnected(true); log('connected'); };
  ws.onclose = (e) => { setConnected(false); log(`closed: ${e.code} ${e.reason}`); };
  ws.onmessage = (e) => {
    if (typeof e.data !== 'string') { countMine(); log(`binary echo: ${e.data.byteLength} bytes`); return; }
    if (!e.data.startsWith('[broadcast]')) countMine();
    log(e.data);
  };
};
$('disconnect').onclick = () => ws.close(4000, 'bye');
$('send').onclick = () => ws.send($('msg').value);
$('broadcast').onclick = () => ws.send('/all ' + $('msg').value);
$('binary').onclick = () => ws.send(new Uint8Array(1024));

// ?auto=1: a scripted session through the console's buttons (test/interop/chromium-demo.test.ts
// loads the page this way in headless Chromium). It echoes two texts (one multibyte), broadcasts
// two, sends the binary and waits for the answers, then broadcasts what it got as
// "/all auto-result:<json>" and closes. Without ?auto the console waits for clicks.
const AUTO_TEXTS = ['hello', 'héllo wörld € 😀 — ✓ 日本語'];
const AUTO_BROADCASTS = ['hello', 'ünïcödé 😀 ✓ 日本'];
function runAuto() {
  const got = { texts: [], broadcasts: [], binary: [] };
  let finished = false;
  const finish = (timedOut) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    const result = { ...got, timedOut, mine: Number($('mine').textContent), status: $('status').textContent };
    ws.send('/all auto-result:' + JSON.stringify(result));
    log(`auto: done${timedOut ? ' (timed out)' : ''}`);
    $('disconnect').onclick();
  };
  const complete = () => got.texts.length >= AUTO_TEXTS.length && got.broadcasts.length >= AUTO_BROADCASTS.length && got.binary.length >= 1;
  $('connect').onclick();
  const timer = setTimeout(() => finish(true), 10000);
  ws.addEventListener('close', () => finish(true)); // a no-op after a normal finish
  ws.addEventListener('open', () => {
    for (const t of AUTO_TEXTS) { $('msg').value = t; $('send').onclick(); }
    for (const t of AUTO_BROADCASTS) { $('msg').value = t; $('broadcast').onclick(); }
    $('binary').onclick();
  });
  ws.addEventListener('message', (e) => {
    if (typeof e.data !== 'string') got.binary.push(e.data.byteLength);
    else if (e.data.startsWith('[broadcast] ')) got.broadcasts.push(e.data.slice(12));
    else got.texts.push(e.data);
    if (complete()) finish(false);
  });
}
if (new URLSearchParams(location.search).get('auto') === '1') runAuto();

// ---- the chat room: one socket on /chat; the server publishes to the room's topic ----------------
let chat = null;
const chatLog = (line) => {
  const div = document.createElement('div');
  div.textContent = line;
  $('chat-log').append(div);
  $('chat-log').scrollTop = $('chat-log').scrollHeight;
};
const chatOpen = (on) => {
  $('chat-join').disabled = on;
  $('chat-leave').disabled = !on;
  $('chat-send').disabled = !on;
};
$('chat-join').onclick = () => {
  const q = new URLSearchParams({ room: $('chat-room').value, name: $('chat-name').value });
  chat = new WebSocket(wsUrl(`/chat?${q}`));
  chat.onopen = () => chatOpen(true);
  chat.onmessage = (e) => {
    const m = JSON.parse(e.data);
    chatLog(m.from === '*' ? `— ${m.text}` : `${m.from}: ${m.text}`);
  };
  chat.onclose = () => {
    chatOpen(false);
    chatLog('— you left');
  };
};
$('chat-leave').onclick = () => chat?.close(1000, 'left');
$('chat-send').onclick = () => {
  if (chat?.readyState === WebSocket.OPEN && $('chat-text').value !== '') chat.send($('chat-text').value);
};
$('chat-text').onkeydown = (e) => e.key === 'Enter' && $('chat-send').onclick();
