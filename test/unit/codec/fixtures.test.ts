/**
 * Decoder byte fixtures (issue #2): the RFC 6455 §5.7 examples and more valid streams, then a table
 * of invalid streams with the error and close code each must produce. Every fixture is decoded
 * whole, split in two at every byte offset, in 1-byte pieces and (when short) split in three at
 * every pair of offsets, by the native decoder AND the TS fallback, with fixed expected values.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError as E, State as S } from '../../../src/codec/constants';
import type { DecoderOptions } from '../../../src/codec/decoder';
import { IMPLS, diffFrames, feed, fresh, payloadOf, splits, wire, type DecodedFrame, type FrameSpec } from '../../helpers/decoderFeed';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const fr = (opcode: number, payload: string | Buffer, fin = true, extra: Partial<DecodedFrame> = {}): DecodedFrame => ({
  opcode,
  fin,
  rsv1: false,
  payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
  ...extra,
});
const TEXT = 1, BIN = 2, CONT = 0, CLOSE = 8, PING = 9, PONG = 10;

const bin256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const bin64k = Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 31 + 7) & 0xff));

interface Valid {
  name: string;
  /** The receiving side: a server expects masked frames, a client unmasked ones. */
  server: boolean;
  opts?: Partial<DecoderOptions>;
  bytes: Buffer;
  want: DecodedFrame[];
}

const valid: Valid[] = [
  // RFC 6455 §5.7 -----------------------------------------------------------------------------
  // 81 = FIN|text; 05 = unmasked, length 5; 48 65 6c 6c 6f = "Hello"
  { name: '§5.7 single-frame unmasked text "Hello"', server: false, bytes: hex('81 05 48656c6c6f'), want: [fr(TEXT, 'Hello')] },
  // 81 = FIN|text; 85 = masked, length 5; 37 fa 21 3d = mask key; 7f 9f 4d 51 58 = "Hello" xor key
  { name: '§5.7 single-frame masked text "Hello"', server: true, bytes: hex('81 85 37fa213d 7f9f4d5158'), want: [fr(TEXT, 'Hello')] },
  // 01 03 = text, no FIN, length 3, "Hel"; 80 02 = FIN|continuation, length 2, "lo"
  { name: '§5.7 fragmented unmasked text "Hel" + "lo"', server: false, bytes: hex('01 03 48656c  80 02 6c6f'), want: [fr(TEXT, 'Hel', false), fr(CONT, 'lo')] },
  // 89 = FIN|ping; 05 = unmasked, length 5; "Hello"
  { name: '§5.7 unmasked ping "Hello"', server: false, bytes: hex('89 05 48656c6c6f'), want: [fr(PING, 'Hello')] },
  // 8a = FIN|pong; 85 = masked, length 5; key 37 fa 21 3d; "Hello" masked
  { name: '§5.7 masked pong "Hello"', server: true, bytes: hex('8a 85 37fa213d 7f9f4d5158'), want: [fr(PONG, 'Hello')] },
  // 82 = FIN|binary; 7e = 16-bit length follows; 01 00 = 256; then bytes 00..ff
  { name: '§5.7 256 bytes binary, 16-bit length', server: false, bytes: Buffer.concat([hex('82 7e 0100'), bin256]), want: [fr(BIN, bin256)] },
  // 82 = FIN|binary; 7f = 64-bit length follows; 00 00 00 00 00 01 00 00 = 65536; then 64 KiB
  { name: '§5.7 64 KiB binary, 64-bit length', server: false, bytes: Buffer.concat([hex('82 7f 0000000000010000'), bin64k]), want: [fr(BIN, bin64k)] },

  // more valid streams --------------------------------------------------------------------------
  // 01 03 "Hel" (text, no FIN); 89 01 "p" (ping between fragments, §5.4); 80 02 "lo" (FIN|cont)
  { name: 'ping between fragments', server: false, bytes: hex('01 03 48656c  89 01 70  80 02 6c6f'), want: [fr(TEXT, 'Hel', false), fr(PING, 'p'), fr(CONT, 'lo')] },
  // 81 00 = empty text; 89 00 = empty ping; 82 00 = empty binary
  { name: 'empty frames', server: false, bytes: hex('8100 8900 8200'), want: [fr(TEXT, ''), fr(PING, ''), fr(BIN, '')] },
  // 88 00 = close without payload: reported as 1005 (RFC 6455 §7.1.5)
  { name: 'close without payload → code 1005', server: false, bytes: hex('88 00'), want: [fr(CLOSE, '', true, { closeCode: 1005 })] },
  // 88 05 = close, length 5: 03 e8 = 1000, "bye"; then ff ff ff: garbage that must be ignored (§5.5.1)
  { name: 'close 1000 "bye", bytes after it ignored', server: false, bytes: hex('88 05 03e8 627965  ffffff'), want: [fr(CLOSE, hex('03e8627965'), true, { closeCode: 1000 })] },
  // 88 fd = masked close, length 125: 03 e8 = 1000 + 123-byte reason (the largest control payload)
  {
    name: 'masked close with a 123-byte reason (largest control frame)',
    server: true,
    bytes: wire([{ b0: 0x88, payload: Buffer.concat([hex('03e8'), Buffer.alloc(123, 0x72)]) }], true).bytes,
    want: [fr(CLOSE, Buffer.concat([hex('03e8'), Buffer.alloc(123, 0x72)]), true, { closeCode: 1000 })],
  },
  // 81 7e 00 05 "Hello": a non-minimal 16-bit length. RFC 6455 §5.2 tells senders to use the minimal
  // encoding but names no receiver action; this decoder accepts it (so do ws and Autobahn's peers).
  { name: 'non-minimal 16-bit length is accepted', server: false, bytes: hex('81 7e 0005 48656c6c6f'), want: [fr(TEXT, 'Hello')] },
  // 81 7f 00000000 00000005 "Hello": non-minimal 64-bit length, accepted likewise
  { name: 'non-minimal 64-bit length is accepted', server: false, bytes: hex('81 7f 0000000000000005 48656c6c6f'), want: [fr(TEXT, 'Hello')] },
  // 82 ff = masked binary with 64-bit length; 00..00 c8 = 200; key 37 fa 21 3d; 200 masked bytes:
  // the largest header (14 bytes), split everywhere inside it
  {
    name: 'masked frame with the 14-byte header (64-bit length)',
    server: true,
    bytes: wire([{ b0: 0x82, len7: 127, ext: [0, 0, 0, 0, 0, 0, 0, 200], payload: bin256.subarray(0, 200) }], true).bytes,
    want: [fr(BIN, bin256.subarray(0, 200))],
  },
  // c1 02 ff fe = FIN|RSV1|text, "compressed" bytes: with permessage-deflate RSV1 is allowed and
  // UTF-8 is checked after inflating (RFC 7692 §6), so the raw bytes pass
  { name: 'RSV1 text with permessage-deflate: not UTF-8-checked here', server: false, opts: { allowRsv1: true }, bytes: hex('c1 02 fffe'), want: [fr(TEXT, hex('fffe'), true, { rsv1: true })] },
  // ce ba e1 bd b9 cf 83 ce bc ce b5 = "κόσμε" split inside a code point: 01 04 (4 bytes) + 80 07
  {
    name: 'UTF-8 code point split across fragments',
    server: false,
    bytes: hex('01 04 cebae1bd  80 07 b9cf83cebcceb5'),
    want: [fr(TEXT, hex('cebae1bd'), false), fr(CONT, hex('b9cf83cebcceb5'))],
  },
  // 82 0a + 10 bytes with maxFrameSize 10: exactly at the limit
  { name: 'frame exactly at maxFrameSize', server: false, opts: { maxFrameSize: 10 }, bytes: Buffer.concat([hex('82 0a'), bin256.subarray(0, 10)]), want: [fr(BIN, bin256.subarray(0, 10))] },
  // 02 06 + 6 bytes, 80 04 + 4 bytes with maxMessageSize 10: exactly at the limit
  {
    name: 'message exactly at maxMessageSize',
    server: false,
    opts: { maxMessageSize: 10 },
    bytes: Buffer.concat([hex('02 06'), bin256.subarray(0, 6), hex('80 04'), bin256.subarray(6, 10)]),
    want: [fr(BIN, bin256.subarray(0, 6), false), fr(CONT, bin256.subarray(6, 10))],
  },
  // masked close frames with every legal code (RFC 6455 §7.4.1, 1012–1014 IANA, 3000–4999 private)
  ...[1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999].map((code): Valid => {
    const p = Buffer.from([code >> 8, code & 0xff, 0x6f, 0x6b]); // code + "ok"
    return { name: `masked close with legal code ${code}`, server: true, bytes: wire([{ b0: 0x88, payload: p }], true).bytes, want: [fr(CLOSE, p, true, { closeCode: code })] };
  }),
];

// ---- invalid streams ------------------------------------------------------------------------

type Side = 'server' | 'client';
interface Bad {
  name: string;
  sides: Side[];
  opts?: Partial<DecoderOptions>;
  /** The stream (a valid text "ok" is put before it and a text "after" after it). */
  frames: FrameSpec[];
  /** Index in `frames` of the frame that breaks a rule. */
  bad: number;
  id: number;
  code: number;
  /**
   * Where the error becomes knowable: 'head' = the second header byte (b0/b1 rules), 'header' =
   * the header's last byte (length rules), 'end' = the frame's last byte, or an index into the
   * bad frame's payload (UTF-8: the first byte that cannot continue).
   */
  detect: 'head' | 'header' | 'end' | number;
}

const BOTH: Side[] = ['server', 'client'];
const t = (payload: string | Buffer, fin = true): FrameSpec => ({ b0: (fin ? 0x80 : 0) | TEXT, payload });
const u = (...bytes: number[]): Buffer => Buffer.from(bytes);
const closeWith = (code: number, reason: Buffer = Buffer.alloc(0)): Buffer => Buffer.concat([u(code >> 8, code & 0xff), reason]);

const bad: Bad[] = [
  // RFC 6455 §5.2: RSV bits without a negotiated extension
  { name: 'RSV1 without extension (c1 = FIN|RSV1|text)', sides: BOTH, frames: [{ b0: 0xc1, payload: 'x' }], bad: 0, id: E.RSV_BITS, code: 1002, detect: 'head' },
  { name: 'RSV2 (a1 = FIN|RSV2|text)', sides: BOTH, frames: [{ b0: 0xa1, payload: 'x' }], bad: 0, id: E.RSV_BITS, code: 1002, detect: 'head' },
  { name: 'RSV3 (91 = FIN|RSV3|text)', sides: BOTH, frames: [{ b0: 0x91, payload: 'x' }], bad: 0, id: E.RSV_BITS, code: 1002, detect: 'head' },
  { name: 'RSV2 even with permessage-deflate (e1)', sides: BOTH, opts: { allowRsv1: true }, frames: [{ b0: 0xe1, payload: 'x' }], bad: 0, id: E.RSV_BITS, code: 1002, detect: 'head' },
  // RFC 7692 §6.1: RSV1 only on the first frame of a data message, never on control frames
  { name: 'RSV1 on a ping with permessage-deflate (c9)', sides: BOTH, opts: { allowRsv1: true }, frames: [{ b0: 0xc9, payload: 'p' }], bad: 0, id: E.RSV_BITS, code: 1002, detect: 'head' },
  { name: 'RSV1 on a continuation with permessage-deflate (41 "a", c0 "b")', sides: BOTH, opts: { allowRsv1: true }, frames: [{ b0: 0x41, payload: 'a' }, { b0: 0xc0, payload: 'b' }], bad: 1, id: E.RSV_BITS, code: 1002, detect: 'head' },
  // RFC 6455 §5.2: reserved opcodes 3–7 and 0xB–0xF
  ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((op): Bad => ({
    name: `reserved opcode 0x${op.toString(16)} (b0 = 0x${(0x80 | op).toString(16)})`,
    sides: BOTH, frames: [{ b0: 0x80 | op, payload: 'x' }], bad: 0, id: E.BAD_OPCODE, code: 1002, detect: 'head',
  })),
  // RFC 6455 §5.5: control frames are not fragmented and carry at most 125 bytes
  { name: 'fragmented ping (09 = ping without FIN)', sides: BOTH, frames: [{ b0: 0x09, payload: 'p' }, { b0: 0x80, payload: 'q' }], bad: 0, id: E.CONTROL_FRAGMENTED, code: 1002, detect: 'head' },
  { name: 'fragmented pong (0a)', sides: BOTH, frames: [{ b0: 0x0a, payload: 'p' }], bad: 0, id: E.CONTROL_FRAGMENTED, code: 1002, detect: 'head' },
  { name: 'fragmented close (08 03e8)', sides: BOTH, frames: [{ b0: 0x08, payload: u(0x03, 0xe8) }], bad: 0, id: E.CONTROL_FRAGMENTED, code: 1002, detect: 'head' },
  { name: 'ping of 126 bytes (89 7e 007e)', sides: BOTH, frames: [{ b0: 0x89, payload: Buffer.alloc(126, 0x70) }], bad: 0, id: E.CONTROL_TOO_LONG, code: 1002, detect: 'head' },
  { name: 'close of 126 bytes (88 7e 007e, 1000 + 124-byte reason)', sides: BOTH, frames: [{ b0: 0x88, payload: closeWith(1000, Buffer.alloc(124, 0x72)) }], bad: 0, id: E.CONTROL_TOO_LONG, code: 1002, detect: 'head' },
  { name: 'pong claiming a 64-bit length (8a 7f …05)', sides: BOTH, frames: [{ b0: 0x8a, len7: 127, ext: [0, 0, 0, 0, 0, 0, 0, 5], payload: 'hello' }], bad: 0, id: E.CONTROL_TOO_LONG, code: 1002, detect: 'head' },
  // RFC 6455 §5.1: a server closes on an unmasked frame; a client on a masked one
  { name: 'unmasked text to a server (81 05 …)', sides: ['server'], frames: [{ b0: 0x81, payload: 'Hello', masked: false }], bad: 0, id: E.MASK_EXPECTED, code: 1002, detect: 'head' },
  { name: 'unmasked ping to a server', sides: ['server'], frames: [{ b0: 0x89, payload: '', masked: false }], bad: 0, id: E.MASK_EXPECTED, code: 1002, detect: 'head' },
  { name: 'masked text to a client (81 85 key …)', sides: ['client'], frames: [{ b0: 0x81, payload: 'Hello', masked: true }], bad: 0, id: E.MASK_UNEXPECTED, code: 1002, detect: 'head' },
  // RFC 6455 §5.4: fragmentation order
  { name: 'continuation without a start (80 "x")', sides: BOTH, frames: [{ b0: 0x80, payload: 'x' }], bad: 0, id: E.UNEXPECTED_CONTINUATION, code: 1002, detect: 'head' },
  { name: 'non-final continuation without a start (00 "x")', sides: BOTH, frames: [{ b0: 0x00, payload: 'x' }], bad: 0, id: E.UNEXPECTED_CONTINUATION, code: 1002, detect: 'head' },
  { name: 'text inside a fragmented text (01 "a", 81 "b")', sides: BOTH, frames: [t('a', false), t('b')], bad: 1, id: E.EXPECTED_CONTINUATION, code: 1002, detect: 'head' },
  { name: 'binary inside a fragmented text (01 "a", 82 "b")', sides: BOTH, frames: [t('a', false), { b0: 0x82, payload: 'b' }], bad: 1, id: E.EXPECTED_CONTINUATION, code: 1002, detect: 'head' },
  { name: 'continuation after the message ended (01 "a", 80 "b", 80 "c")', sides: BOTH, frames: [t('a', false), { b0: 0x80, payload: 'b' }, { b0: 0x80, payload: 'c' }], bad: 2, id: E.UNEXPECTED_CONTINUATION, code: 1002, detect: 'head' },
  // RFC 6455 §5.2: the 64-bit length's most significant bit must be 0
  { name: '64-bit length with the high bit set (82 7f 80000000 00000005)', sides: BOTH, frames: [{ b0: 0x82, len7: 127, ext: [0x80, 0, 0, 0, 0, 0, 0, 5], payload: 'hello' }], bad: 0, id: E.LENGTH_HIGH_BIT, code: 1002, detect: 'header' },
  // a 64-bit length of 2^32 (00000001 00000000) is over any 32-bit limit: 1009
  { name: '64-bit length of 2^32 (82 7f 00000001 00000000)', sides: BOTH, frames: [{ b0: 0x82, len7: 127, ext: [0, 0, 0, 1, 0, 0, 0, 0], payload: 'hello' }], bad: 0, id: E.FRAME_TOO_LARGE, code: 1009, detect: 'header' },
  // RFC 6455 §5.5.1: a close payload is empty or at least a 2-byte code
  { name: 'close payload of length 1 (88 01 03)', sides: BOTH, frames: [{ b0: 0x88, payload: u(0x03) }], bad: 0, id: E.CLOSE_LENGTH_ONE, code: 1002, detect: 'end' },
  // RFC 6455 §7.4: codes a peer must not send
  ...[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2999, 5000, 65535].map((code): Bad => ({
    name: `close code ${code} (88 02 ${code.toString(16).padStart(4, '0')})`,
    sides: BOTH, frames: [{ b0: 0x88, payload: closeWith(code) }], bad: 0, id: E.CLOSE_INVALID_CODE, code: 1002, detect: 'end',
  })),
  // RFC 6455 §5.5.1: the close reason is UTF-8 → 1007
  { name: 'close reason with byte ff (88 04 03e8 61ff)', sides: BOTH, frames: [{ b0: 0x88, payload: closeWith(1000, u(0x61, 0xff)) }], bad: 0, id: E.CLOSE_INVALID_UTF8, code: 1007, detect: 'end' },
  { name: 'close reason ending inside a code point (03e8 61 c3)', sides: BOTH, frames: [{ b0: 0x88, payload: closeWith(1000, u(0x61, 0xc3)) }], bad: 0, id: E.CLOSE_INVALID_UTF8, code: 1007, detect: 'end' },
  { name: 'close reason with a surrogate (03e8 eda080)', sides: BOTH, frames: [{ b0: 0x88, payload: closeWith(1000, u(0xed, 0xa0, 0x80)) }], bad: 0, id: E.CLOSE_INVALID_UTF8, code: 1007, detect: 'end' },
  // RFC 6455 §8.1: invalid UTF-8 in text fails as soon as it is seen → 1007
  { name: 'text with byte ff (61 ff 62)', sides: BOTH, frames: [t(u(0x61, 0xff, 0x62))], bad: 0, id: E.INVALID_UTF8, code: 1007, detect: 1 },
  { name: 'fail fast: unfinished message (01: ceba f4 90 8080, no FIN, nothing follows)', sides: BOTH, frames: [t(u(0xce, 0xba, 0xf4, 0x90, 0x80, 0x80), false)], bad: 0, id: E.INVALID_UTF8, code: 1007, detect: 3 },
  { name: 'fail fast: byte ff at offset 3 of a 304-byte frame', sides: BOTH, frames: [t(Buffer.concat([Buffer.from('abc'), u(0xff), Buffer.alloc(300, 0x78)]))], bad: 0, id: E.INVALID_UTF8, code: 1007, detect: 3 },
  { name: 'sequence broken across fragments (01 "a" e2 82, 80 28 61)', sides: BOTH, frames: [t(u(0x61, 0xe2, 0x82), false), { b0: 0x80, payload: u(0x28, 0x61) }], bad: 1, id: E.INVALID_UTF8, code: 1007, detect: 0 },
  { name: 'message ends inside a code point (81: 61 e2 82)', sides: BOTH, frames: [t(u(0x61, 0xe2, 0x82))], bad: 0, id: E.INVALID_UTF8, code: 1007, detect: 'end' },
  { name: 'message ends inside a code point across fragments (01 e2, 80 82)', sides: BOTH, frames: [t(u(0xe2), false), { b0: 0x80, payload: u(0x82) }], bad: 1, id: E.INVALID_UTF8, code: 1007, detect: 'end' },
  { name: 'lone continuation byte (80)', sides: BOTH, frames: [t(u(0x80))], bad: 0, id: E.INVALID_UTF8, code: 1007, detect: 0 },
  { name: 'valid "κ" then c3 28', sides: BOTH, frames: [t(u(0xce, 0xba, 0xc3, 0x28))], bad: 0, id: E.INVALID_UTF8, code: 1007, detect: 3 },
  // overlong encodings (RFC 3629 §3)
  ...([
    ['c0 80 (overlong NUL)', [0xc0, 0x80], 0],
    ['c1 bf (overlong U+007F)', [0xc1, 0xbf], 0],
    ['e0 80 80 (overlong 3-byte)', [0xe0, 0x80, 0x80], 1],
    ['e0 9f bf (overlong U+07FF)', [0xe0, 0x9f, 0xbf], 1],
    ['f0 80 80 80 (overlong 4-byte)', [0xf0, 0x80, 0x80, 0x80], 1],
    ['f0 8f bf bf (overlong U+FFFF)', [0xf0, 0x8f, 0xbf, 0xbf], 1],
    // UTF-16 surrogates are not characters (RFC 3629 §3)
    ['ed a0 80 (U+D800)', [0xed, 0xa0, 0x80], 1],
    ['ed bf bf (U+DFFF)', [0xed, 0xbf, 0xbf], 1],
    ['ed a0 80 ed b0 80 (surrogate pair)', [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80], 1],
    // code points above U+10FFFF
    ['f4 90 80 80 (U+110000)', [0xf4, 0x90, 0x80, 0x80], 1],
    ['f5 80 80 80', [0xf5, 0x80, 0x80, 0x80], 0],
    ['f8 88 80 80 80 (5-byte form)', [0xf8, 0x88, 0x80, 0x80, 0x80], 0],
    ['fe', [0xfe], 0],
    ['ff', [0xff], 0],
  ] as Array<[string, number[], number]>).map(([name, bytes, at]): Bad => ({
    name: `invalid UTF-8 ${name}`, sides: BOTH, frames: [t(Buffer.concat([Buffer.from('a'), Buffer.from(bytes)]))], bad: 0, id: E.INVALID_UTF8, code: 1007, detect: 1 + at,
  })),
  // limits → 1009
  { name: 'frame over maxFrameSize 10 (82 0b + 11 bytes)', sides: BOTH, opts: { maxFrameSize: 10 }, frames: [{ b0: 0x82, payload: Buffer.alloc(11, 1) }], bad: 0, id: E.FRAME_TOO_LARGE, code: 1009, detect: 'header' },
  { name: 'ping over maxFrameSize 10 (89 0b)', sides: BOTH, opts: { maxFrameSize: 10 }, frames: [{ b0: 0x89, payload: Buffer.alloc(11, 1) }], bad: 0, id: E.FRAME_TOO_LARGE, code: 1009, detect: 'header' },
  { name: 'message over maxMessageSize 10 (02 + 6 bytes, 80 + 5 bytes)', sides: BOTH, opts: { maxMessageSize: 10 }, frames: [{ b0: 0x02, payload: Buffer.alloc(6, 1) }, { b0: 0x80, payload: Buffer.alloc(5, 2) }], bad: 1, id: E.MESSAGE_TOO_LARGE, code: 1009, detect: 'header' },
  { name: 'single frame over maxMessageSize 10 (81 0b)', sides: BOTH, opts: { maxMessageSize: 10 }, frames: [t('x'.repeat(11))], bad: 0, id: E.MESSAGE_TOO_LARGE, code: 1009, detect: 'header' },
];

// ---- the runs ---------------------------------------------------------------------------------

function decodedOf(spec: FrameSpec): DecodedFrame {
  const p = payloadOf(spec);
  const f: DecodedFrame = { opcode: spec.b0 & 0x0f, fin: (spec.b0 & 0x80) !== 0, rsv1: (spec.b0 & 0x40) !== 0, payload: p };
  if (f.opcode === CLOSE) f.closeCode = p.length >= 2 ? p.readUInt16BE(0) : 1005;
  return f;
}

for (const impl of IMPLS) {
  describe.skipIf(impl.skip)(`decoder fixtures (${impl.name})`, () => {
    describe('valid streams: whole, split at every offset, 1-byte pieces', () => {
      for (const v of valid) {
        it(v.name, () => {
          const opts: DecoderOptions = { server: v.server, ...v.opts };
          // big unmasked streams are fed as views (no copy per split); the decoder must not touch them
          const views = v.bytes.length > 4096 && !v.server;
          const original = Buffer.from(v.bytes);
          const endsClosed = v.want.length > 0 && v.want[v.want.length - 1].opcode === CLOSE;
          const failures: string[] = [];
          let runs = 0;
          for (const [how, chunks] of splits(v.bytes)) {
            runs++;
            const o = feed(impl, opts, views ? chunks : fresh(chunks));
            const d = diffFrames(o.frames, v.want);
            if (o.error !== null) failures.push(`${how}: error id ${o.error.id} code ${o.error.code}`);
            else if (d !== '') failures.push(`${how}: ${d}`);
            else if (o.partial !== null) failures.push(`${how}: unfinished frame left`);
            else if (o.phase !== (endsClosed ? S.PHASE_CLOSED : S.PHASE_HEADER)) failures.push(`${how}: phase ${o.phase}`);
            if (failures.length >= 5) break;
          }
          expect(failures).toEqual([]);
          expect(runs).toBeGreaterThanOrEqual(v.bytes.length + 1);
          if (views) expect(v.bytes.equals(original)).toBe(true);
        });
      }

      it('resumes when the record array fills (capacity 2, many small frames)', () => {
        // twenty 81 01 "a".."t" frames in one chunk, two records per call
        const frames = Array.from({ length: 20 }, (_, i): FrameSpec => t(String.fromCharCode(0x61 + i)));
        const { bytes } = wire(frames, true);
        const o = feed(impl, { server: true }, [bytes], 2);
        expect(o.error).toBeNull();
        expect(diffFrames(o.frames, frames.map(decodedOf))).toBe('');
      });
    });

    describe('invalid streams: error record, close code, nothing after the error', () => {
      for (const b of bad) {
        for (const side of b.sides) {
          it(`${b.name} [${side}] → ${b.code}`, () => {
            const server = side === 'server';
            const specs: FrameSpec[] = [t('ok'), ...b.frames, t('after')];
            const badAt = b.bad + 1;
            const { bytes, layout } = wire(specs, server);
            const L = layout[badAt];
            const detectAt = b.detect === 'head' ? L.start + 1 : b.detect === 'header' ? L.headerEnd - 1 : b.detect === 'end' ? L.end - 1 : L.headerEnd + b.detect;
            const headerLevel = b.detect === 'head' || b.detect === 'header';
            const before = specs.slice(0, badAt).map(decodedOf);
            const badPayload = payloadOf(specs[badAt]);
            const opts: DecoderOptions = { server, ...b.opts };
            const failures: string[] = [];
            for (const [how, chunks] of splits(bytes)) {
              const o = feed(impl, opts, fresh(chunks));
              const e = o.error;
              const d = diffFrames(o.frames, before);
              if (e === null) failures.push(`${how}: no error; frames ${d}`);
              else if (e.id !== b.id || e.code !== b.code) failures.push(`${how}: error id ${e.id} code ${e.code}`);
              else if (d !== '') failures.push(`${how}: before the error ${d}`);
              else if (o.recordsAfterError !== 0) failures.push(`${how}: ${o.recordsAfterError} records after the error`);
              else if (o.phase !== S.PHASE_POISONED) failures.push(`${how}: phase ${o.phase}, not poisoned`);
              else if (!(e.chunkStart <= detectAt && detectAt < e.chunkEnd)) {
                failures.push(`${how}: reported in chunk [${e.chunkStart}, ${e.chunkEnd}), the deciding byte is at ${detectAt}`);
              } else if (o.partial !== null && (headerLevel || o.partial.opcode !== (specs[badAt].b0 & 0x0f) || !badPayload.subarray(0, o.partial.payload.length).equals(o.partial.payload))) {
                failures.push(`${how}: unexpected partial frame op${o.partial.opcode} ${o.partial.payload.toString('hex')}`);
              } else if (how === 'whole' && e.offset !== (headerLevel ? L.start : L.headerEnd)) {
                failures.push(`whole: error offset ${e.offset}, want ${headerLevel ? L.start : L.headerEnd}`);
              }
              if (failures.length >= 5) break;
            }
            expect(failures).toEqual([]);
          });
        }
      }
    });
  });
}
