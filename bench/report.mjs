// Renders bench results as a markdown table and an SVG bar chart of ratios against ws.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');

export function renderMarkdown(r) {
  let md = `Run ${r.date}, Node ${r.node}. Medians of messages/s (min–max); ratios in the same run.\n\n`;
  const echo = r.scenarios.echo;
  if (echo) {
    const names = Object.keys(echo[0].contenders);
    md += `### Echo (16 in flight per connection)\n\n| conns | payload | ${names.join(' | ')} | qws / ws+bufferutil | qws / raw | loadgen CPU |\n|---|---|${names.map(() => '---').join('|')}|---|---|---|\n`;
    for (const cell of echo) {
      const c = cell.contenders;
      const q = c.qwebsocket?.median ?? 0;
      md += `| ${cell.conns} | ${cell.payload} | ${names.map((n) => `${fmt(c[n].median)} (${fmt(c[n].min)}–${fmt(c[n].max)})`).join(' | ')} | ${ratio(q, c['ws+bufferutil']?.median ?? 0)} | ${ratio(q, c.raw?.median ?? 0)} | ${Math.max(...names.map((n) => c[n].loadgenCpu)).toFixed(0)}% |\n`;
    }
    md += '\nLatency p50/p99 (µs), median of runs:\n\n| conns | payload | ' + names.join(' | ') + ' |\n|---|---|' + names.map(() => '---').join('|') + '|\n';
    for (const cell of echo) md += `| ${cell.conns} | ${cell.payload} | ${names.map((n) => `${cell.contenders[n].p50us}/${cell.contenders[n].p99us}`).join(' | ')} |\n`;
  }
  const b = r.scenarios.broadcast;
  if (b) {
    md += `\n### Broadcast (one 16 B message ×10 to ${Object.values(b)[0]?.connections} connections)\n\n| contender | delivered/s |\n|---|---|\n`;
    for (const [n, v] of Object.entries(b)) md += `| ${n} | ${fmt(v.deliveredPerSec)} (${fmt(v.min)}–${fmt(v.max)}) |\n`;
    if (b.qwebsocket && b['ws+bufferutil']) md += `\nqwebsocket / ws: ${ratio(b.qwebsocket.deliveredPerSec, b['ws+bufferutil'].deliveredPerSec)}\n`;
  }
  const m = r.scenarios.memory;
  if (m) {
    md += `\n### Idle memory per connection (RSS delta after GC)\n\n| contender | bytes/connection |\n|---|---|\n`;
    for (const [n, v] of Object.entries(m)) md += `| ${n} | ${v.bytesPerConnection} |\n`;
    if (m.qwebsocket && m['ws+bufferutil']) md += `\nqwebsocket / ws: ${ratio(m.qwebsocket.bytesPerConnection, m['ws+bufferutil'].bytesPerConnection)}\n`;
  }
  const cs = r.scenarios.client;
  if (cs) {
    md += `\n### Client throughput (Node client process, 16 in flight per connection, 16 B, against the raw echo server)\n\n| connections | qwebsocket | ws | qwebsocket / ws |\n|---|---|---|---|\n`;
    for (const [conns, c] of Object.entries(cs)) {
      const cell = (v) => (v ? `${fmt(v.median)} (${fmt(v.min)}–${fmt(v.max)})` : '–');
      md += `| ${conns} | ${cell(c.qwebsocket)} | ${cell(c.ws)} | ${c.qwebsocket && c.ws ? ratio(c.qwebsocket.median, c.ws.median) : '–'} |\n`;
    }
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
  const colors = ['#2b6cb0', '#63b3ed', '#c53030', '#fc8181', '#718096'];
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
