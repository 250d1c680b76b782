/**
 * Helpers for byte-level decoder tests: both decoder implementations (native addon and TS
 * fallback) behind one signature, a frame builder that records where each frame's header and
 * payload sit, chunk splitters, and a feeder that turns decoder records back into whole frames
 * while checking the record invariants (FIRST/LAST/REMAINING, nothing after an error).
 */
import { native } from '../../src/codec/native';
import { decode as decodeFallback } from '../../src/codec/decoder.fallback';
import { FrameDecoder, type DecoderOptions } from '../../src/codec/decoder';
import { Limits, Record as R, State as S } from '../../src/codec/constants';

/** One decoder implementation: decode(state, chunk, offset, records) → record count. */
export interface DecoderImpl {
  name: 'native' | 'fallback';
  /** True when this implementation is not available in this run (QWS_NO_NATIVE=1). */
  skip: boolean;
  decode(state: Uint8Array, chunk: Uint8Array, offset: number, records: Uint32Array): number;
}

/** Both implementations; the native one is skipped when the addon is not loaded. */
export const IMPLS: DecoderImpl[] = [
  { name: 'native', skip: native === null, decode: (st, c, o, r) => native!.decode(st, c, o, r) },
  { name: 'fallback', skip: false, decode: (st, c, o, r) => decodeFallback(new Uint32Array(st.buffer, st.byteOffset, S.BYTES / 4), st, c, o, r) },
];

/** The mask key of RFC 6455 §5.7's masked examples: 37 fa 21 3d. */
export const RFC_KEY = [0x37, 0xfa, 0x21, 0x3d];

/** A frame to build: first header byte, payload, and optionally a forced length encoding. */
export interface FrameSpec {
  /** FIN(0x80) | RSV1(0x40) | RSV2(0x20) | RSV3(0x10) | opcode. */
  b0: number;
  payload?: Buffer | string;
  /** Forced 7-bit length field (126/127 or a lie); ext gives the extended length bytes. */
  len7?: number;
  ext?: number[];
  /** Force the mask bit (default: masked when the receiver is a server, RFC 6455 §5.1). */
  masked?: boolean;
}

/** Where a built frame sits in the stream. */
export interface FrameLayout {
  start: number;
  headerEnd: number;
  end: number;
}

export function payloadOf(spec: FrameSpec): Buffer {
  const p = spec.payload ?? Buffer.alloc(0);
  return typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
}

/** Builds the frames as a stream for a receiver on the given side. */
export function wire(frames: FrameSpec[], server: boolean): { bytes: Buffer; layout: FrameLayout[] } {
  const parts: Buffer[] = [];
  const layout: FrameLayout[] = [];
  let at = 0;
  for (const f of frames) {
    const p = payloadOf(f);
    const masked = f.masked ?? server;
    const m = masked ? 0x80 : 0;
    const head: number[] = [f.b0];
    if (f.len7 !== undefined) head.push(m | f.len7, ...(f.ext ?? []));
    else if (p.length < 126) head.push(m | p.length);
    else if (p.length < 65536) head.push(m | 126, p.length >> 8, p.length & 0xff);
    else head.push(m | 127, 0, 0, 0, 0, (p.length >>> 24) & 0xff, (p.length >>> 16) & 0xff, (p.length >>> 8) & 0xff, p.length & 0xff);
    let body = p;
    if (masked) {
      head.push(...RFC_KEY);
      body = Buffer.from(p.map((b, i) => b ^ RFC_KEY[i & 3]));
    }
    parts.push(Buffer.from(head), body);
    layout.push({ start: at, headerEnd: at + head.length, end: at + head.length + body.length });
    at += head.length + body.length;
  }
  return { bytes: Buffer.concat(parts), layout };
}

/** A frame as reassembled from decoder records. */
export interface DecodedFrame {
  opcode: number;
  fin: boolean;
  rsv1: boolean;
  payload: Buffer;
  /** Close frames: the received close code (1005 when the payload was empty). */
  closeCode?: number;
}

export interface DecodeFailure {
  id: number;
  code: number;
  /** The record's OFFSET field (chunk offset where the decoder found the error). */
  offset: number;
  /** The stream range [chunkStart, chunkEnd) of the chunk whose decode reported it. */
  chunkStart: number;
  chunkEnd: number;
  /** Index of the chunk (0-based) that reported it. */
  chunkIndex: number;
}

export interface Outcome {
  frames: DecodedFrame[];
  /** Bytes of a frame started but not finished when the input ended (or the error came). */
  partial: { opcode: number; payload: Buffer } | null;
  error: DecodeFailure | null;
  /** Records written after the error record (must be 0: the decoder is poisoned). */
  recordsAfterError: number;
  /** Decoder PHASE at the end. */
  phase: number;
}

const recordArrays = new Map<number, Uint32Array>();

/** Feeds `chunks` in order to a fresh decoder configured with `opts`; decodes until each is used. */
export function feed(impl: DecoderImpl, opts: DecoderOptions, chunks: Uint8Array[], capacity: number = Limits.RECORD_CAPACITY): Outcome {
  const state = new FrameDecoder(opts).state;
  const words = new Uint32Array(state.buffer, state.byteOffset, S.BYTES / 4);
  let rec = recordArrays.get(capacity);
  if (rec === undefined) recordArrays.set(capacity, (rec = new Uint32Array(capacity * R.STRIDE)));
  const out: Outcome = { frames: [], partial: null, error: null, recordsAfterError: 0, phase: 0 };
  let cur: { opcode: number; fin: boolean; rsv1: boolean; parts: Uint8Array[] } | null = null;
  let abs = 0;
  chunks.forEach((chunk, chunkIndex) => {
    let pos = 0;
    for (;;) {
      const n = impl.decode(state, chunk, pos, rec);
      for (let i = 0; i < n; i++) {
        const o = i * R.STRIDE;
        if (out.error !== null) {
          out.recordsAfterError++;
          continue;
        }
        if (rec[o + R.KIND] === R.KIND_ERROR) {
          out.error = { id: rec[o + R.OPCODE], code: rec[o + R.AUX], offset: rec[o + R.OFFSET], chunkStart: abs, chunkEnd: abs + chunk.length, chunkIndex };
          continue;
        }
        if (rec[o + R.KIND] !== R.KIND_FRAME) throw new Error(`record kind ${rec[o + R.KIND]}`);
        const opcode = rec[o + R.OPCODE];
        const flags = rec[o + R.FLAGS];
        const len = rec[o + R.LENGTH];
        const data = flags & R.FLAG_BUFFERED
          ? Buffer.from(state.subarray(S.CTRL_BYTE, S.CTRL_BYTE + len))
          : chunk.subarray(rec[o + R.START], rec[o + R.START] + len);
        if (data.length !== len) throw new Error(`record points outside its chunk (${rec[o + R.START]}+${len} > ${chunk.length})`);
        if (flags & R.FLAG_FIRST) {
          if (cur !== null) throw new Error('FIRST piece while a frame is still open');
          cur = { opcode, fin: (flags & R.FLAG_FIN) !== 0, rsv1: (flags & R.FLAG_RSV1) !== 0, parts: [] };
        } else if (cur === null || cur.opcode !== opcode) {
          throw new Error('continuing piece without its frame');
        }
        cur.parts.push(data);
        if (((flags & R.FLAG_LAST) !== 0) !== (rec[o + R.REMAINING] === 0)) throw new Error('FLAG_LAST disagrees with REMAINING');
        if (flags & R.FLAG_LAST) {
          const payload = cur.parts.length === 1 ? Buffer.from(cur.parts[0].buffer, cur.parts[0].byteOffset, cur.parts[0].length) : Buffer.concat(cur.parts);
          const f: DecodedFrame = { opcode, fin: cur.fin, rsv1: cur.rsv1, payload };
          if (opcode === 8) f.closeCode = rec[o + R.AUX];
          out.frames.push(f);
          cur = null;
        }
      }
      const resume = words[S.RESUME];
      if (resume >= chunk.length || words[S.PHASE] >= S.PHASE_CLOSED) break;
      if (n === 0) throw new Error(`decoder stalled at ${resume} of ${chunk.length}`);
      pos = resume;
    }
    abs += chunk.length;
  });
  if (cur !== null) out.partial = { opcode: (cur as { opcode: number }).opcode, payload: Buffer.concat((cur as { parts: Uint8Array[] }).parts) };
  out.phase = words[S.PHASE];
  return out;
}

/**
 * The ways a stream is cut into chunks: whole, split in two at every byte offset, 1-byte pieces,
 * and (for streams up to `threeWayMax` bytes) split in three at every pair of offsets.
 */
export function* splits(buf: Buffer, threeWayMax = 40): Generator<[string, Buffer[]]> {
  yield ['whole', [buf]];
  for (let i = 1; i < buf.length; i++) yield [`split at ${i}`, [buf.subarray(0, i), buf.subarray(i)]];
  const ones: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) ones.push(buf.subarray(i, i + 1));
  yield ['1-byte pieces', ones];
  if (buf.length <= threeWayMax) {
    for (let i = 1; i < buf.length; i++) {
      for (let j = i + 1; j < buf.length; j++) yield [`split at ${i},${j}`, [buf.subarray(0, i), buf.subarray(i, j), buf.subarray(j)]];
    }
  }
}

/** Copies chunks (decoding unmasks in place, so each feed needs fresh bytes). */
export function fresh(chunks: Buffer[]): Buffer[] {
  return chunks.map((c) => Buffer.from(c));
}

/** A short description of frames for failure messages. */
export function show(frames: DecodedFrame[]): string {
  return frames
    .map((f) => `op${f.opcode}${f.fin ? '' : '(nofin)'}${f.rsv1 ? '(rsv1)' : ''}:${f.payload.length > 40 ? `${f.payload.length}B` : f.payload.toString('hex')}${f.closeCode !== undefined ? `#${f.closeCode}` : ''}`)
    .join(' ');
}

/** Compares frames; returns '' when equal, else a message. */
export function diffFrames(got: DecodedFrame[], want: DecodedFrame[]): string {
  if (got.length !== want.length) return `got [${show(got)}], want [${show(want)}]`;
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const w = want[i];
    if (g.opcode !== w.opcode || g.fin !== w.fin || g.rsv1 !== w.rsv1 || g.closeCode !== w.closeCode || !g.payload.equals(w.payload)) {
      return `frame ${i}: got [${show([g])}], want [${show([w])}]`;
    }
  }
  return '';
}
