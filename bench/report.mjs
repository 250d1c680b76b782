// Renders bench results as a markdown table and an SVG bar chart of ratios against ws.
import { PLACEMENT_LABEL } from './placement.mjs';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');

const cellOf = (v) => (v ? `${fmt(v.median)} (${fmt(v.min)}–${fmt(v.max)})` : '–');
const ratioOf = (a, b) => (a && b ? ratio(a, b) : '–');
// contenders in first-seen order across cells (the text variants appear in text cells only)
const namesOf = (cells) => [...new Set(cells.flatMap((cell) => Object.keys(cell.contenders)))];
// qwebsocket against each contender it is compared with, where both ran in the cell
const VERSUS = ['ws+bufferutil', 'uws', 'uws-text', 'raw', 'raw-text'];
// the payload, and where server and load generator ran when the bench placed them (placement.mjs)
const payloadOf = (cell) => (cell.placement && cell.placement !== 'free' ? `${cell.payload}, ${PLACEMENT_LABEL[cell.placement]}` : cell.payload);

function echoTable(cells, title) {
  const names = namesOf(cells);
  const versus = VERSUS.filter((v) => names.includes(v));
  // the ws face against the Qt face (issue 15: its rate must be ≥ 0.95x in every cell)
  const faces = names.includes('qws-ws') && names.includes('qwebsocket');
  const heads = ['conns', 'payload', ...names, ...versus.map((v) => `qws / ${v}`), ...(faces ? ['qws-ws / qws'] : []), 'loadgen CPU'];
  let md = `### ${title}\n\n| ${heads.join(' | ')} |\n|${heads.map(() => '---|').join('')}\n`;
  for (const cell of cells) {
    const c = cell.contenders;
    const q = c.qwebsocket?.median;
    const row = [cell.conns, payloadOf(cell), ...names.map((n) => cellOf(c[n])), ...versus.map((v) => ratioOf(q, c[v]?.median))];
    if (faces) row.push(ratioOf(c['qws-ws']?.median, q));
    row.push(`${Math.max(...Object.values(c).map((v) => v.loadgenCpu)).toFixed(0)}%`);
    md += `| ${row.join(' | ')} |\n`;
  }
  md += `\nServer CPU per message (µs, median of runs; lower is better; ratios are contender / qwebsocket, so ≥ 1.00x means qwebsocket spends no more):\n\n| conns | payload | ${names.join(' | ')} | ${versus.map((v) => `${v} / qws`).join(' | ')} |\n|---|---|${names.map(() => '---').join('|')}|${versus.map(() => '---').join('|')}|\n`;
  for (const cell of cells) {
    const c = cell.contenders;
    const us = (v) => (v && Number.isFinite(v.cpuUsPerMsg) ? v.cpuUsPerMsg : undefined);
    md += `| ${cell.conns} | ${payloadOf(cell)} | ${names.map((n) => us(c[n])?.toFixed(2) ?? '–').join(' | ')} | ${versus.map((v) => ratioOf(us(c[v]), us(c.qwebsocket))).join(' | ')} |\n`;
  }
  md += '\nLatency p50/p99 (µs), median of runs:\n\n| conns | payload | ' + names.join(' | ') + ' |\n|---|---|' + names.map(() => '---').join('|') + '|\n';
  for (const cell of cells) md += `| ${cell.conns} | ${payloadOf(cell)} | ${names.map((n) => (cell.contenders[n] ? `${cell.contenders[n].p50us}/${cell.contenders[n].p99us}` : '–')).join(' | ')} |\n`;
  return md;
}

// a one-value-per-contender table, with qwebsocket's ratio to uws and to ws+bufferutil
function singleTable(title, entries, header, value, show) {
  let md = `\n### ${title}\n\n| contender | ${header} |\n|---|---|\n`;
  for (const [n, v] of Object.entries(entries)) md += `| ${n} | ${show(v)} |\n`;
  const q = entries.qwebsocket && value(entries.qwebsocket);
  const vs = ['uws', 'ws+bufferutil'].filter((n) => q && entries[n]).map((n) => `qwebsocket / ${n}: ${ratio(q, value(entries[n]))}`);
  return vs.length ? `${md}\n${vs.join(' · ')}\n` : md;
}

// The goal-4 view of issue 17: qwebsocket against uWebSockets.js, cell by cell, as rate ratios
// (≥ 1.00x: we are at least as fast) and CPU ratios (uws CPU / our CPU: ≥ 1.00x, we spend no more).
export function renderVersusUws(r) {
  const { echo, latency, accept, broadcast, memory } = r.scenarios;
  const cells = [...(echo ?? []), ...(latency ?? [])].filter((cell) => cell.contenders.qwebsocket && cell.contenders.uws);
  if (cells.length === 0) return '';
  const cpu = (v) => (v && Number.isFinite(v.cpuUsPerMsg) ? v.cpuUsPerMsg : undefined);
  let md = '### qwebsocket against uWebSockets.js (same run)\n\n| cell | rate qws / uws | rate qws / uws-text | CPU per message uws / qws | uws-text / qws | rate qws / ws+bufferutil |\n|---|---|---|---|---|---|\n';
  for (const cell of cells) {
    const c = cell.contenders;
    const q = c.qwebsocket;
    md += `| ${cell.conns} × ${payloadOf(cell)}, ${cell.inflight} in flight | ${ratioOf(q.median, c.uws.median)} | ${ratioOf(q.median, c['uws-text']?.median)} | ${ratioOf(cpu(c.uws), cpu(q))} | ${ratioOf(cpu(c['uws-text']), cpu(q))} | ${ratioOf(q.median, c['ws+bufferutil']?.median)} |\n`;
  }
  const both = (x) => x?.qwebsocket && x?.uws;
  if (both(accept)) md += `| accepted connections/s | ${ratio(accept.qwebsocket.perSec, accept.uws.perSec)} | | CPU per connection ${ratioOf(accept.uws.cpuUsPerConn, accept.qwebsocket.cpuUsPerConn)} | | ${ratioOf(accept.qwebsocket.perSec, accept['ws+bufferutil']?.perSec)} |\n`;
  if (both(broadcast)) md += `| broadcast delivered/s | ${ratio(broadcast.qwebsocket.deliveredPerSec, broadcast.uws.deliveredPerSec)} | | | | ${ratioOf(broadcast.qwebsocket.deliveredPerSec, broadcast['ws+bufferutil']?.deliveredPerSec)} |\n`;
  if (both(memory)) {
    const row = (label, key) => `| ${label} (qws / uws, lower is better) | ${memory.qwebsocket[key]} / ${memory.uws[key]} = ${ratio(memory.qwebsocket[key], memory.uws[key])} | | | | ws+bufferutil ${memory['ws+bufferutil']?.[key] ?? '–'} |\n`;
    md += row('idle bytes per connection', 'bytesPerConnection');
    if (memory.qwebsocket.retainedBytesPerConnection !== undefined) md += row('retained after a memory-reducing GC', 'retainedBytesPerConnection');
    if (memory.qwebsocket.marginalBytesPerConnection !== undefined) md += row('marginal (one more idle connection)', 'marginalBytesPerConnection');
  }
  return md + '\n';
}

export function renderMarkdown(r) {
  let md = `Run ${r.date}, Node ${r.node}. Medians of messages/s (min–max); ratios in the same run.\n\n`;
  if (r.skipped?.length) md += `Skipped: ${r.skipped.join('; ')}.\n\n`;
  md += renderVersusUws(r);
  if (r.scenarios.echo) md += echoTable(r.scenarios.echo, `Echo (${r.scenarios.echo[0].inflight ?? 16} in flight per connection)`);
  if (r.scenarios.latency) md += '\n' + echoTable(r.scenarios.latency, 'One connection, one message in flight (round-trip latency)');
  const a = r.scenarios.accept;
  if (a) {
    md += singleTable(`Connections accepted and upgraded per second (${Object.values(a)[0]?.connections} opened, 64 handshakes outstanding, held open)`, a, 'upgrades/s', (v) => v.perSec, (v) => `${fmt(v.perSec)} (${fmt(v.min)}–${fmt(v.max)})`);
    md += `\nServer CPU per accepted connection (µs, median; lower is better): ${Object.entries(a).map(([n, v]) => `${n} ${v.cpuUsPerConn?.toFixed(0) ?? '–'}`).join(' · ')}\n`;
  }
  const b = r.scenarios.broadcast;
  if (b) md += singleTable(`Broadcast (one 16 B message ×10 to ${Object.values(b)[0]?.connections} connections; uws: publish to one topic)`, b, 'delivered/s', (v) => v.deliveredPerSec, (v) => `${fmt(v.deliveredPerSec)} (${fmt(v.min)}–${fmt(v.max)})`);
  const p = r.scenarios.publish;
  if (p) {
    md += singleTable(`Topics: publish (one 16 B message ×10 to ${Object.values(p)[0]?.connections} subscribers of one topic) vs our broadcast() and ws's loop over clients`, p, 'delivered/s (min–max) · server CPU µs per delivery', (v) => v.deliveredPerSec, (v) => `${fmt(v.deliveredPerSec)} (${fmt(v.min)}–${fmt(v.max)}) · ${v.cpuUsPerDelivery?.toFixed(2)}`);
    const pub = p['qwebsocket publish'];
    const others = Object.entries(p).filter(([n]) => n !== 'qwebsocket publish');
    md += `\npublish / ${others.map(([n, v]) => `${n}: ${ratio(pub?.deliveredPerSec, v.deliveredPerSec)} the rate, ${ratio(v.cpuUsPerDelivery, pub?.cpuUsPerDelivery)} less CPU`).join(' · ')}\n`;
  }
  const m = r.scenarios.memory;
  if (m) {
    const n = Object.values(m)[0]?.connections;
    md += singleTable(`Idle memory per connection: RSS delta over ${n} connections after an ordinary GC · after a memory-reducing GC · marginal (median of 4 steps of ${Math.floor(n / 8)} more)`, m, 'bytes/connection', (v) => v.bytesPerConnection, (v) => `${v.bytesPerConnection} · ${v.retainedBytesPerConnection ?? '–'} · ${v.marginalBytesPerConnection ?? '–'}`);
    for (const [label, key] of [['Retained', 'retainedBytesPerConnection'], ['Marginal', 'marginalBytesPerConnection']]) {
      const q = m.qwebsocket?.[key];
      const vs = ['uws', 'ws+bufferutil'].filter((x) => q && m[x]?.[key]).map((x) => `qwebsocket / ${x}: ${ratio(q, m[x][key])}`);
      if (vs.length) md += `${label}: ${vs.join(' · ')}\n`;
    }
  }
  const cs = r.scenarios.client;
  if (cs) {
    const libs = [...new Set(Object.values(cs).flatMap((c) => Object.keys(c)))];
    const others = libs.filter((l) => l !== 'qwebsocket');
    md += `\n### Client throughput (Node client process, 16 in flight per connection, 16 B, against the raw echo server; undici = Node's built-in WebSocket)\n\n| connections | ${libs.join(' | ')} | ${others.map((l) => `qwebsocket / ${l}`).join(' | ')} |\n|---|${libs.map(() => '---').join('|')}|${others.map(() => '---').join('|')}|\n`;
    for (const [conns, c] of Object.entries(cs)) md += `| ${conns} | ${libs.map((l) => cellOf(c[l])).join(' | ')} | ${others.map((l) => ratioOf(c.qwebsocket?.median, c[l]?.median)).join(' | ')} |\n`;
  }
  return md;
}

export function renderSvg(r) {
  const bars = [];
  for (const cell of r.scenarios.echo ?? []) {
    const ws = cell.contenders['ws+bufferutil']?.median;
    if (!ws) continue;
    for (const [n, v] of Object.entries(cell.contenders)) bars.push({ label: `${cell.conns}c ${cell.payload}`, name: n, value: v.median / ws });
  }
  const names = [...new Set(bars.map((b) => b.name))];
  const labels = [...new Set(bars.map((b) => b.label))];
  const colors = ['#2b6cb0', '#63b3ed', '#2f855a', '#9ae6b4', '#c53030', '#fc8181', '#718096', '#cbd5e0'];
  const max = Math.max(1, ...bars.map((b) => b.value));
  const bw = 12, gap = 18, left = 50, top = 30, h = 260;
  const width = left + labels.length * (names.length * bw + gap) + 20;
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + h + 90}" font-family="sans-serif" font-size="11">`;
  s += `<text x="${left}" y="18" font-size="13">Echo messages/s relative to ws+bufferutil (1.0 = ws), same run</text>`;
  for (let t = 0; t <= Math.ceil(max); t++) {
    const y = top + h - (t / max) * h;
    s += `<line x1="${left}" x2="${width - 10}" y1="${y}" y2="${y}" stroke="#e2e8f0"/><text x="${left - 6}" y="${y + 4}" text-anchor="end">${t}x</text>`;
  }
  labels.forEach((label, i) => {
    const x0 = left + i * (names.length * bw + gap);
    names.forEach((n, j) => {
      const b = bars.find((bb) => bb.label === label && bb.name === n);
      if (!b) return;
      const bh = (b.value / max) * h;
      s += `<rect x="${x0 + j * bw}" y="${top + h - bh}" width="${bw - 2}" height="${bh}" fill="${colors[j % colors.length]}"><title>${n} ${label}: ${b.value.toFixed(2)}x</title></rect>`;
    });
    s += `<text x="${x0}" y="${top + h + 14}" transform="rotate(30 ${x0} ${top + h + 14})">${label}</text>`;
  });
  names.forEach((n, j) => {
    s += `<rect x="${left + j * 140}" y="${top + h + 62}" width="10" height="10" fill="${colors[j % colors.length]}"/><text x="${left + j * 140 + 14}" y="${top + h + 71}">${n}</text>`;
  });
  return s + '</svg>\n';
}
