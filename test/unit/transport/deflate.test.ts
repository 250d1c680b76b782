/**
 * The zlib side of permessage-deflate: RFC 7692 §7.2.3 examples as byte fixtures, context
 * takeover, BFINAL, and the inflated-size limit.
 */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PerMessageDeflate, deflateSupported } from '../../../src/transport/deflate';
import { InflateError, type DeflateAgreement } from '../../../src/protocol/permessageDeflate';

const takeover: DeflateAgreement = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
const b = (...x: number[]): Buffer => Buffer.from(x);
const pmd = (a = takeover, max = 1 << 20, threshold = 0): PerMessageDeflate => new PerMessageDeflate(a, { threshold }, { server: true, maxMessageSize: max });

describe('PerMessageDeflate', () => {
  it('is supported on this Node', () => {
    expect(deflateSupported).toBe(true);
  });
  it('§7.2.3.1: "Hello" compressed is f2 48 cd c9 c9 07 00', () => {
    expect(pmd().inflate(b(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), true).toString()).toBe('Hello');
    // and our compressor produces exactly these bytes
    expect(pmd().compress(Buffer.from('Hello'))).toEqual(b(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00));
  });
  it('§7.2.3.2: a second "Hello" sharing the LZ77 window is f2 00 11 00 00', () => {
    const p = pmd();
    expect(p.inflate(b(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), true).toString()).toBe('Hello');
    expect(p.inflate(b(0xf2, 0x00, 0x11, 0x00, 0x00), true).toString()).toBe('Hello');
    const q = pmd();
    q.compress(Buffer.from('Hello'));
    expect(q.compress(Buffer.from('Hello'))).toEqual(b(0xf2, 0x00, 0x11, 0x00, 0x00));
  });
  it('§7.2.3.2: without context takeover the second "Hello" is compressed afresh', () => {
    const q = pmd({ ...takeover, serverNoContextTakeover: true });
    q.compress(Buffer.from('Hello'));
    expect(q.compress(Buffer.from('Hello'))).toEqual(b(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00));
  });
  it('§7.2.3.3: a stored (uncompressed) DEFLATE block', () => {
    // 00: BFINAL=0 BTYPE=00; 05 00 / fa ff: LEN=5, NLEN; then "Hello"; 00: the empty block start
    expect(pmd().inflate(b(0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00), true).toString()).toBe('Hello');
  });
  it('§7.2.3.4: BFINAL set, and the next message still inflates', () => {
    const p = pmd();
    expect(p.inflate(b(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00), true).toString()).toBe('Hello');
    expect(p.inflate(b(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), true).toString()).toBe('Hello');
  });
  it('§7.2.3.5: two DEFLATE blocks in one message', () => {
    expect(pmd().inflate(b(0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00), true).toString()).toBe('Hello');
  });
  it('§7.2.1: a fragmented compressed message inflates piece by piece, split at every offset', () => {
    const data = b(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00);
    for (let cut = 0; cut <= data.length; cut++) {
      const p = pmd();
      const out = Buffer.concat([p.inflate(data.subarray(0, cut), false), p.inflate(data.subarray(cut), true)]);
      expect(out.toString()).toBe('Hello');
    }
  });
  it('an empty message is one 00 byte and inflates to nothing', () => {
    expect(pmd().compress(Buffer.alloc(0))).toEqual(b(0x00));
    expect(pmd().inflate(b(0x00), true).length).toBe(0);
  });
  it('keeps messages below the threshold uncompressed, and with an 8-bit window', () => {
    expect(pmd(takeover, 1 << 20, 100).compress(Buffer.alloc(99))).toBeNull();
    expect(pmd(takeover, 1 << 20, 100).compress(Buffer.alloc(100))).not.toBeNull();
    expect(pmd({ ...takeover, serverMaxWindowBits: 8 }).compress(Buffer.alloc(5000))).toBeNull();
  });
  it('round-trips many messages with context takeover, both window limits', () => {
    for (const bits of [9, 12, 15]) {
      const a = { ...takeover, serverMaxWindowBits: bits, clientMaxWindowBits: bits };
      const server = new PerMessageDeflate(a, { threshold: 0 }, { server: true, maxMessageSize: 1 << 24 });
      const client = new PerMessageDeflate(a, { threshold: 0 }, { server: false, maxMessageSize: 1 << 24 });
      for (let i = 0; i < 50; i++) {
        const msg = Buffer.from(`message ${i} `.repeat(i * 37));
        expect(client.inflate(server.compress(msg) ?? msg, true).equals(msg)).toBe(true);
        expect(server.inflate(client.compress(msg) ?? msg, true).equals(msg)).toBe(true);
      }
    }
  });
  it('fails a zip bomb with 1009 before inflating it whole', () => {
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { finishFlush: 2 /* Z_SYNC_FLUSH */ });
    const p = pmd(takeover, 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    let err: unknown = null;
    try {
      p.inflate(bomb, true);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InflateError);
    expect((err as InflateError).closeCode).toBe(1009);
    // far less than the 64 MiB the bomb would inflate to
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });
  it('counts the limit over a fragmented message', () => {
    const msg = deflateRawSync(Buffer.alloc(3000), { finishFlush: 2 });
    const p = pmd(takeover, 2000);
    const half = msg.length >> 1;
    expect(() => {
      p.inflate(msg.subarray(0, half), false);
      p.inflate(msg.subarray(half, msg.length - 4), true);
    }).toThrow(InflateError);
  });
  it('fails bad DEFLATE data with 1007', () => {
    let err: unknown = null;
    try {
      pmd().inflate(b(0xff, 0xff, 0xff, 0xff), true);
    } catch (e) {
      err = e;
    }
    expect((err as InflateError).closeCode).toBe(1007);
  });
});
