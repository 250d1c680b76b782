/**
 * Differential test: random valid and invalid frame sequences, split at random points, fed to the
 * native decoder and the TS fallback; records, state bytes and unmasked chunk bytes must match.
 */
import { describe, expect, it } from 'vitest';
import { native } from '../../../src/codec/native';
import { decode as decodeFallback } from '../../../src/codec/decoder.fallback';
import { mask as maskFallback, unmask as unmaskFallback } from '../../../src/codec/mask.fallback';
import { utf8Step as utf8Fallback } from '../../../src/codec/utf8.fallback';
import { Record as R, State as S, Limits } from '../../../src/codec/constants';

/** xorshift32: seeded so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function randomFrame(r: () => number, server: boolean): Buffer {
  const int = (n: number): number => Math.floor(r() * n);
  const opcodes = [0, 1, 2, 8, 9, 10, 0, 1, 2, 3, 0xb];
  let op = opcodes[int(opcodes.length)];
  const fin = r() < 0.7;
  let rsv = r() < 0.05 ? int(8) : r() < 0.1 ? 4 : 0;
  const lens = [0, 1, 2, 5, 125, 126, 127, 300, 65535, 65536, 70000];
  let len = op >= 8 ? [0, 1, 2, 5, 125, 126][int(6)] : lens[int(lens.length)];
  let payload = Buffer.alloc(len);
  const kind = int(4);
  for (let i = 0; i < len; i++) payload[i] = kind === 0 ? 0x61 + (i % 26) : kind === 1 ? int(256) : [0xc3, 0xa9, 0x61, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80][i % 10];
  if (op === 8 && len >= 2) {
    const codes = [1000, 1001, 1002, 1005, 1006, 999, 3000, 4999, 5000, 1012];
    payload.writeUInt16BE(codes[int(codes.length)], 0);
  }
  const masked = r() < 0.95 ? server : !server;
  const head: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | op];
  const m = masked ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536 && r() < 0.9) head.push(m | 126, len >> 8, len & 0xff);
  else {
    const hi = r() < 0.03 ? 0x80000000 : r() < 0.03 ? 1 : 0;
    head.push(m | 127, hi >>> 24, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (masked) {
    const key = [int(256), int(256), int(256), int(256)];
    head.push(...key);
    payload = Buffer.from(payload.map((b, i) => b ^ key[i & 3]));
  }
  return Buffer.concat([Buffer.from(head), payload]);
}

function stream(r: () => number, server: boolean): Buffer {
  const frames: Buffer[] = [];
  const n = 1 + Math.floor(r() * 12);
  for (let i = 0; i < n; i++) frames.push(randomFrame(r, server));
  return Buffer.concat(frames);
}

describe.skipIf(native === null)('native vs fallback decoder (differential)', () => {
  it('gives identical records, state and unmasked bytes on 2000 random streams at random splits', () => {
    const r = rng(0xdecade);
    for (let iter = 0; iter < 2000; iter++) {
      const server = r() < 0.5;
      const data = stream(r, server);
      const stA = new Uint8Array(S.BYTES);
      const stB = new Uint8Array(S.BYTES);
      const wA = new Uint32Array(stA.buffer);
      const wB = new Uint32Array(stB.buffer);
      for (const w of [wA, wB]) {
        w[S.CONFIG] = (server ? S.CONFIG_SERVER : 0) | (r() < 0.3 ? S.CONFIG_ALLOW_RSV1 : 0);
        w[S.MAX_FRAME] = r() < 0.2 ? 1000 : Limits.MAX_INCOMING_FRAME_SIZE;
        w[S.MAX_MESSAGE] = r() < 0.2 ? 5000 : Limits.MAX_INCOMING_MESSAGE_SIZE;
        if (w === wB) {
          wB[S.CONFIG] = wA[S.CONFIG];
          wB[S.MAX_FRAME] = wA[S.MAX_FRAME];
          wB[S.MAX_MESSAGE] = wA[S.MAX_MESSAGE];
        }
      }
      const cap = r() < 0.2 ? 2 + Math.floor(r() * 3) : Limits.RECORD_CAPACITY;
      const recA = new Uint32Array(cap * R.STRIDE);
      const recB = new Uint32Array(cap * R.STRIDE);
      let off = 0;
      while (off < data.length) {
        const size = r() < 0.3 ? 1 + Math.floor(r() * 16) + (data.length > 4096 ? 1024 : 0) : 1 + Math.floor(r() * data.length);
        const a = Buffer.from(data.subarray(off, off + size));
        const b = Buffer.from(a);
        off += size;
        let pa = 0;
        let pb = 0;
        do {
          const na = native!.decode(stA, a, pa, recA);
          const nb = decodeFallback(wB, stB, b, pb, recB);
          // compare cheaply; build the (slow) expect() diff only on a mismatch
          let same = na === nb && Buffer.from(stA).equals(Buffer.from(stB));
          for (let k = 0; same && k < na * R.STRIDE; k++) same = recA[k] === recB[k];
          if (!same) {
            expect(na, `iteration ${iter}`).toBe(nb);
            expect(Array.from(recA.subarray(0, na * R.STRIDE))).toEqual(Array.from(recB.subarray(0, nb * R.STRIDE)));
            expect(Array.from(stA)).toEqual(Array.from(stB));
          }
          pa = wA[S.RESUME];
          pb = wB[S.RESUME];
        } while (pa < a.length && wA[S.PHASE] < S.PHASE_CLOSED);
        expect(a.equals(b)).toBe(true);
      }
    }
  });
});

describe.skipIf(native === null)('native mask / UTF-8 vs fallback', () => {
  it('mask and unmask agree at many lengths and offsets', () => {
    const r = rng(7);
    for (let len = 0; len < 300; len++) {
      for (const off of [0, 1, 3, 7]) {
        const src = Buffer.alloc(len + off).map(() => Math.floor(r() * 256)).subarray(off);
        const key = Math.floor(r() * 0x100000000);
        const before = Buffer.from(src);
        const d1 = Buffer.alloc(len + 5);
        const d2 = Buffer.alloc(len + 5);
        native!.mask(src, d1, 5, key);
        maskFallback(src, d2, 5, key);
        expect(d1.equals(d2)).toBe(true);
        expect(src.equals(before)).toBe(true); // the caller's buffer is never mutated
        const u1 = Buffer.from(src);
        const u2 = Buffer.from(src);
        native!.unmask(u1, key);
        unmaskFallback(u2, key);
        expect(u1.equals(u2)).toBe(true);
      }
    }
  });

  it('utf8Step agrees with the fallback and with buffer.isUtf8 on random and multibyte data', async () => {
    const { isUtf8 } = await import('node:buffer');
    const r = rng(11);
    const alphabet = [0x41, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xc0, 0xff];
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(r() * 80);
      const ascii = r() < 0.5;
      const buf = Buffer.alloc(len).map(() => (ascii && r() < 0.9 ? 0x20 + Math.floor(r() * 90) : alphabet[Math.floor(r() * alphabet.length)]));
      const a = native!.utf8Step(0, buf, 0, len);
      expect(a).toBe(utf8Fallback(0, buf, 0, len));
      expect(a === 0).toBe(isUtf8(buf));
      const cut = Math.floor(r() * (len + 1));
      const s1 = native!.utf8Step(0, buf, 0, cut);
      const s2 = s1 === 0xffffffff ? s1 : native!.utf8Step(s1, buf, cut, len);
      expect(s2 === 0).toBe(isUtf8(buf));
    }
  });

  it('vector UTF-8 validation agrees with buffer.isUtf8 on long multibyte text with one corrupted byte', async () => {
    const { isUtf8 } = await import('node:buffer');
    const r = rng(99);
    const pieces = ['a', 'é', '€', '😀', 'ÿ', '\u07ff', '\u0800', '\uffff', '\u{10000}', '\u{10ffff}', ' '];
    for (let i = 0; i < 3000; i++) {
      let text = '';
      const n = 10 + Math.floor(r() * 600);
      for (let k = 0; k < n; k++) text += pieces[Math.floor(r() * pieces.length)];
      const buf = Buffer.from(text);
      if (r() < 0.7) buf[Math.floor(r() * buf.length)] = Math.floor(r() * 256);
      const want = isUtf8(buf);
      expect(native!.isValidUtf8(buf), `case ${i}`).toBe(want);
      const cut = Math.floor(r() * (buf.length + 1));
      const s1 = native!.utf8Step(0, buf, 0, cut);
      expect(s1).toBe(utf8Fallback(0, buf, 0, cut));
      const s2 = s1 === 0xffffffff ? s1 : native!.utf8Step(s1, buf, cut, buf.length);
      expect(s2 === 0).toBe(want);
    }
  });

  it('reports a vector path and the layout version', () => {
    expect(['avx512', 'avx2', 'sse2', 'neon', 'scalar']).toContain(native!.simd());
    expect(native!.layoutVersion()).toBe(R.LAYOUT_VERSION);
  });
});
