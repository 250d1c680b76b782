/** The reassembly buffer: memory proportional to the message, not to its pieces (issue #14). */
import { describe, expect, it } from 'vitest';
import { AssemblyBuffer } from '../../../src/protocol/assemblyBuffer';
import { Limits } from '../../../src/codec/constants';

describe('AssemblyBuffer', () => {
  it('4,000,000 one-byte pieces: the bytes in order, capacity at most 2x the message plus the minimum', () => {
    const a = new AssemblyBuffer();
    const src = Buffer.from([0, 1, 2, 3, 4, 5, 6]);
    const n = 4_000_000;
    for (let i = 0; i < n; i++) a.append(src, i % 7, 1, 0);
    const out = a.take();
    expect(out.length).toBe(n);
    for (let i = 0; i < n; i += 9973) expect(out[i]).toBe(i % 7);
    expect(out.buffer.byteLength).toBeLessThanOrEqual(2 * n + Limits.MIN_ASSEMBLY_BUFFER);
    expect(a.length).toBe(0);
  });

  it('a frame whose rest is announced gets exactly its size in one allocation, however chopped', () => {
    const a = new AssemblyBuffer();
    const frame = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < frame.length; i++) frame[i] = (i * 31) & 0xff;
    for (let off = 0; off < frame.length; off += 64) {
      a.append(frame, off, 64, frame.length - off - 64);
    }
    const out = a.take();
    expect(out.equals(frame)).toBe(true);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(frame.length);
  });

  it('pieces of every size around the loop/native copy switch, and clear() drops everything', () => {
    const a = new AssemblyBuffer();
    const parts: Buffer[] = [];
    for (let len = 0; len < 200; len += 3) {
      const p = Buffer.alloc(len + 3, len);
      a.append(p, 3, len, 0);
      parts.push(p.subarray(3));
    }
    expect(a.take().equals(Buffer.concat(parts))).toBe(true);
    a.append(Buffer.from('abc'), 0, 3, 0);
    a.clear();
    expect(a.take().length).toBe(0);
  });
  it('held in place: pieces that follow each other in the read buffer are neither copied nor allocated apart', () => {
    // (Buffer.alloc: a buffer of its own, never a slice of Node's shared pool)
    const read = Buffer.alloc(4096).map((_, i) => i & 0xff);
    const a = new AssemblyBuffer();
    a.hold(read, 100, 1000);
    expect(a.holdsIn(read)).toBe(true);
    a.append(read, 1100, 500, 0);
    a.append(read, 1600, 10, 0);
    expect(a.length).toBe(1510);
    const out = a.take();
    expect(out.buffer).toBe(read.buffer);
    expect(out.equals(read.subarray(100, 1610))).toBe(true);
    expect(a.holdsIn(read)).toBe(false);
  });

  it('held in place: a piece that does not follow (a gap, or another buffer) gets everything copied out, sized for the rest', () => {
    const read = Buffer.alloc(4096).map((_, i) => (i * 3) & 0xff);
    const other = Buffer.from('the rest');
    const a = new AssemblyBuffer();
    a.hold(read, 0, 2000);
    a.append(read, 2001, 8, 0); // a gap of one byte: not the next piece in place
    expect(a.holdsIn(read)).toBe(false);
    a.append(other, 0, other.length, 0);
    const out = a.take();
    expect(out.buffer).not.toBe(read.buffer);
    expect(out.equals(Buffer.concat([read.subarray(0, 2000), read.subarray(2001, 2009), other]))).toBe(true);
    const b = new AssemblyBuffer();
    b.hold(read, 0, 1500);
    b.append(other, 0, 4, 5000);
    expect(b.holdsIn(read)).toBe(false);
    b.append(other, 4, 4, 4996);
    expect(b.take().equals(Buffer.concat([read.subarray(0, 1500), other]))).toBe(true);
  });

  it('clear() lets go of a buffer held in place', () => {
    const read = Buffer.alloc(2048, 1);
    const a = new AssemblyBuffer();
    a.hold(read, 0, 1024);
    a.clear();
    expect(a.holdsIn(read)).toBe(false);
    expect(a.length).toBe(0);
    expect(a.take().length).toBe(0);
  });
});
