// Codec micro-benchmarks, contenders side by side in one run, reporting ratios:
// frame decoding (native, TS fallback, ws's Receiver), masking (native, fallback, bufferutil),
// UTF-8 validation (native, fallback, buffer.isUtf8, utf-8-validate).
//   node bench/codec/run.mjs [--rounds 7]      (needs `npm run build`)
import { createRequire } from 'node:module';
import { isUtf8 } from 'node:buffer';
import { writeFileSync, mkdirSync } from 'node:fs';

const require = createRequire(import.meta.url);
const codec = require('../../dist/cjs/codec/index.js');
const { native } = require('../../dist/cjs/codec/native.js');
const { decode: decodeFallback } = require('../../dist/cjs/codec/decoder.fallback.js');
const maskFb = require('../../dist/cjs/codec/mask.fallback.js');
const utf8Fb = require('../../dist/cjs/codec/utf8.fallback.js');
const { State: S, Record: R, Limits } = require('../../dist/cjs/codec/constants.js');
const { Receiver } = require('ws');
const bufferutil = require('bufferutil');
const utf8Validate = require('utf-8-validate');

if (native === null) throw new Error('native addon not loaded: run `npm run build` first');
const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] || 7);

/** ns per call: median over rounds, each round sized to run ~40 ms. */
function time(fn) {
  let n = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    const dt = Number(process.hrtime.bigint() - t0);
    if (dt > 4e7 || n > 1e8) break;
    n *= 2;
  }
  const res = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    res.push(Number(process.hrtime.bigint() - t0) / n);
  }
  res.sort((a, b) => a - b);
  return res[res.length >> 1];
}

function maskedFrames(count, size) {
  const frames = [];
  for (let i = 0; i < count; i++) {
    const len = size;
    const head = len < 126 ? [0x82, 0x80 | len] : len < 65536 ? [0x82, 0xfe, len >> 8, len & 0xff] : [0x82, 0xff, 0, 0, 0, 0, len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff];
    frames.push(Buffer.from([...head, 1, 2, 3, 4]), Buffer.alloc(len, 0x5a));
  }
  return Buffer.concat(frames);
}

const lines = [];
const out = (s) => {
  console.log(s);
  lines.push(s);
};
const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);

out(`# Codec benchmarks (${new Date().toISOString()}, Node ${process.version}, SIMD path: ${native.simd()})\n`);
out('## Decoding (server side, masked binary frames, per frame)\n');
out('| input | native | fallback | ws Receiver | native vs ws | native vs fallback |');
out('|---|---|---|---|---|---|');
for (const [label, count, size] of [['100 × 16 B', 100, 16], ['100 × 1 KiB', 100, 1024], ['1 × 64 KiB', 1, 65536], ['1 × 1 MiB', 1, 1 << 20]]) {
  const chunk = maskedFrames(count, size);
  const recs = new Uint32Array(Limits.RECORD_CAPACITY * R.STRIDE);
  const mk = () => {
    const st = new Uint8Array(S.BYTES);
    const w = new Uint32Array(st.buffer);
    w[S.CONFIG] = S.CONFIG_SERVER;
    w[S.MAX_FRAME] = Limits.MAX_INCOMING_FRAME_SIZE;
    w[S.MAX_MESSAGE] = Limits.MAX_INCOMING_MESSAGE_SIZE;
    return { st, w };
  };
  const a = mk();
  const b = mk();
  // each call decodes the whole chunk; the state returns to "header" after the last frame
  const tn = time(() => native.decode(a.st, chunk, 0, recs)) / count;
  const tf = time(() => decodeFallback(b.w, b.st, chunk, 0, recs)) / count;
  const rcv = new Receiver({ isServer: true, maxPayload: 0, binaryType: 'nodebuffer', extensions: {} });
  let got = 0;
  rcv.on('message', () => got++);
  const tw = time(() => rcv.write(chunk)) / count;
  if (got === 0) throw new Error('ws Receiver delivered nothing');
  out(`| ${label} | ${fmt(tn)} | ${fmt(tf)} | ${fmt(tw)} | ${(tw / tn).toFixed(1)}x | ${(tf / tn).toFixed(1)}x |`);
}

out('\n## Masking (copy src → dst with a key)\n');
out('| size | native | fallback | bufferutil | native vs bufferutil | native unmask in place | bufferutil unmask |');
out('|---|---|---|---|---|---|---|');
const crossover = [];
for (const size of [16, 64, 128, 1024, 16384, 65536, 1 << 20]) {
  const src = Buffer.alloc(size, 0x33);
  const dst = Buffer.alloc(size);
  const key = 0x12345678;
  const keyBuf = Buffer.from([0x78, 0x56, 0x34, 0x12]);
  const tn = time(() => native.mask(src, dst, 0, key));
  const tf = time(() => maskFb.mask(src, dst, 0, key));
  const tb = time(() => bufferutil.mask(src, keyBuf, dst, 0, size));
  const un = time(() => native.unmask(dst, key));
  const ub = time(() => bufferutil.unmask(dst, keyBuf));
  crossover.push([size, tn, tf]);
  out(`| ${size} | ${fmt(tn)} | ${fmt(tf)} | ${fmt(tb)} | ${(tb / tn).toFixed(2)}x | ${fmt(un)} | ${fmt(ub)} |`);
}
out(`\nNative-vs-JS masking crossover (src/codec/encoder.ts NATIVE_MASK_THRESHOLD): ${crossover.map(([s, n, f]) => `${s} B: ${(f / n).toFixed(2)}x`).join(', ')}`);

out('\n## UTF-8 validation\n');
out('| input | native | fallback | buffer.isUtf8 | utf-8-validate | native vs isUtf8 |');
out('|---|---|---|---|---|---|');
for (const size of [16, 1024, 65536, 1 << 20]) {
  for (const kind of ['ascii', 'mixed']) {
    const unit = kind === 'ascii' ? 'hello world, ' : 'héllo wörld €😀 ';
    const buf = Buffer.from(unit.repeat(Math.ceil(size / Buffer.byteLength(unit)) + 1)).subarray(0, size);
    // cut back to a code-point boundary
    let end = buf.length;
    while (end > 0 && (buf[end - 1] & 0xc0) === 0x80) end--;
    if (end > 0 && buf[end - 1] >= 0xc0) end--;
    const b = buf.subarray(0, end);
    if (!native.isValidUtf8(b)) throw new Error('fixture is not UTF-8');
    const tn = time(() => native.isValidUtf8(b));
    const tf = time(() => utf8Fb.isValidUtf8(b));
    const ti = time(() => isUtf8(b));
    const tv = time(() => utf8Validate(b));
    out(`| ${size} B ${kind} | ${fmt(tn)} | ${fmt(tf)} | ${fmt(ti)} | ${fmt(tv)} | ${(ti / tn).toFixed(2)}x |`);
  }
}
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../results/codec.md', import.meta.url), lines.join('\n') + '\n');
