/**
 * Pure-TS frame decoder, the twin of native/core/decoder.cc: same state layout, same records,
 * same errors, byte for byte. See {@link Record} and {@link State} for the formats.
 *
 * One call walks every frame in `chunk` from `pos`, unmasks payloads in place, validates the
 * RFC 6455 §5 framing rules and (for uncompressed text) UTF-8, and writes one record per frame
 * piece. It stops early only when the record array is full; `words[State.RESUME]` tells where.
 * @module
 */
import { DECODE_ERROR_CLOSE_CODE, DecodeError, Opcode, Record as R, State as S, isValidReceivedCloseCode } from './constants';
import { unmaskRange } from './mask.fallback';
import { utf8Step } from './utf8.fallback';

const INVALID = 0xffffffff;

function emitError(rec: Uint32Array, n: number, words: Uint32Array, id: number, offset: number, end: number): number {
  const o = n * R.STRIDE;
  rec[o + R.KIND] = R.KIND_ERROR;
  rec[o + R.OPCODE] = id;
  rec[o + R.FLAGS] = 0;
  rec[o + R.START] = 0;
  rec[o + R.LENGTH] = 0;
  rec[o + R.REMAINING] = 0;
  rec[o + R.AUX] = DECODE_ERROR_CLOSE_CODE[id];
  rec[o + R.OFFSET] = offset;
  words[S.PHASE] = S.PHASE_POISONED;
  words[S.RESUME] = end;
  return n + 1;
}

/** Checks a complete close payload (RFC 6455 §5.5.1, §7.4): returns 0 or a DecodeError id. */
function checkClose(buf: Uint8Array, start: number, len: number): number {
  if (len === 0) return 0;
  if (len === 1) return DecodeError.CLOSE_LENGTH_ONE;
  if (!isValidReceivedCloseCode((buf[start] << 8) | buf[start + 1])) return DecodeError.CLOSE_INVALID_CODE;
  if (utf8Step(0, buf, start + 2, start + len) !== 0) return DecodeError.CLOSE_INVALID_UTF8;
  return 0;
}

/**
 * Checks the first two header bytes (RFC 6455 §5.2, §5.4, §5.5; RFC 7692 §6.1).
 * @returns 0 or a DecodeError id.
 */
function checkHead(words: Uint32Array, b0: number, b1: number): number {
  const opcode = b0 & 0x0f;
  const fin = b0 & 0x80;
  const control = opcode >= Opcode.Close;
  if (opcode > Opcode.Binary && (opcode < Opcode.Close || opcode > Opcode.Pong)) return DecodeError.BAD_OPCODE;
  if (b0 & 0x30) return DecodeError.RSV_BITS;
  if (b0 & 0x40 && ((words[S.CONFIG] & S.CONFIG_ALLOW_RSV1) === 0 || control || opcode === Opcode.Continuation)) {
    return DecodeError.RSV_BITS;
  }
  if (control) {
    if (!fin) return DecodeError.CONTROL_FRAGMENTED;
    if ((b1 & 0x7f) > 125) return DecodeError.CONTROL_TOO_LONG;
  }
  const masked = b1 & 0x80;
  if (words[S.CONFIG] & S.CONFIG_SERVER) {
    if (!masked) return DecodeError.MASK_EXPECTED; // RFC 6455 §5.1
  } else if (masked) {
    return DecodeError.MASK_UNEXPECTED;
  }
  if (!control) {
    const inMessage = words[S.MSG_OPCODE] !== 0;
    if (opcode === Opcode.Continuation && !inMessage) return DecodeError.UNEXPECTED_CONTINUATION;
    if (opcode !== Opcode.Continuation && inMessage) return DecodeError.EXPECTED_CONTINUATION;
  }
  return 0;
}

function headerSize(b1: number): number {
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

/**
 * Parses a complete header in `h[p..]` into the state. @returns 0 or a DecodeError id.
 */
function takeHeader(words: Uint32Array, h: Uint8Array, p: number): number {
  const b0 = h[p];
  const b1 = h[p + 1];
  const len7 = b1 & 0x7f;
  let len = len7;
  let q = p + 2;
  if (len7 === 126) {
    len = (h[q] << 8) | h[q + 1];
    q += 2;
  } else if (len7 === 127) {
    const hi = ((h[q] << 24) | (h[q + 1] << 16) | (h[q + 2] << 8) | h[q + 3]) >>> 0;
    if (hi & 0x80000000) return DecodeError.LENGTH_HIGH_BIT; // RFC 6455 §5.2: MSB must be 0
    if (hi !== 0) return DecodeError.FRAME_TOO_LARGE;
    len = ((h[q + 4] << 24) | (h[q + 5] << 16) | (h[q + 6] << 8) | h[q + 7]) >>> 0;
    q += 8;
  }
  if (len > words[S.MAX_FRAME]) return DecodeError.FRAME_TOO_LARGE;
  const opcode = b0 & 0x0f;
  if (opcode < Opcode.Close) {
    const size = opcode === Opcode.Continuation ? words[S.MSG_SIZE] + len : len;
    if (size > words[S.MAX_MESSAGE]) return DecodeError.MESSAGE_TOO_LARGE;
    if (opcode !== Opcode.Continuation) {
      words[S.MSG_OPCODE] = opcode;
      words[S.MSG_COMPRESSED] = b0 & 0x40 ? 1 : 0;
      words[S.UTF8] = 0;
    }
    words[S.MSG_SIZE] = size;
  } else {
    words[S.CTRL_LEN] = 0;
  }
  let flags = (b0 & 0x80 ? R.FLAG_FIN : 0) | (b0 & 0x40 ? R.FLAG_RSV1 : 0);
  if (b1 & 0x80) {
    flags |= S.FRAME_MASKED;
    words[S.MASK_KEY] = (h[q] | (h[q + 1] << 8) | (h[q + 2] << 16) | (h[q + 3] << 24)) >>> 0;
  } else {
    words[S.MASK_KEY] = 0;
  }
  words[S.MASK_PHASE] = 0;
  words[S.OPCODE] = opcode;
  words[S.FRAME_FLAGS] = flags;
  words[S.REMAINING] = len;
  words[S.FRAME_LEN] = len;
  return 0;
}

/**
 * Decodes frames from `chunk[pos..]`. See the module comment.
 * @param words the decoder state as uint32 fields
 * @param bytes the same state as bytes (spill and control buffers)
 * @returns the number of records written to `rec`
 */
export function decode(words: Uint32Array, bytes: Uint8Array, chunk: Uint8Array, pos: number, rec: Uint32Array): number {
  const end = chunk.length;
  const cap = (rec.length / R.STRIDE) | 0;
  let n = 0;
  let phase = words[S.PHASE];
  if (phase >= S.PHASE_CLOSED) {
    words[S.RESUME] = end;
    return 0;
  }
  for (;;) {
    if (phase === S.PHASE_HEADER) {
      if (pos >= end || n + 2 > cap) break;
      const startPos = pos;
      let spill = words[S.HDR_LEN];
      let err = 0;
      if (spill === 0 && end - pos >= 2 && end - pos >= headerSize(chunk[pos + 1])) {
        // fast path: the whole header is in this chunk
        err = checkHead(words, chunk[pos], chunk[pos + 1]);
        if (err === 0) err = takeHeader(words, chunk, pos);
        if (err !== 0) return emitError(rec, n, words, err, startPos, end);
        pos += headerSize(chunk[pos + 1]);
      } else {
        // slow path: gather the header in the spill area (at most 14 bytes)
        const sp = S.SPILL_BYTE;
        while (spill < 2 && pos < end) bytes[sp + spill++] = chunk[pos++];
        if (spill < 2) {
          words[S.HDR_LEN] = spill;
          break;
        }
        err = checkHead(words, bytes[sp], bytes[sp + 1]);
        if (err !== 0) return emitError(rec, n, words, err, startPos, end);
        const need = headerSize(bytes[sp + 1]);
        while (spill < need && pos < end) bytes[sp + spill++] = chunk[pos++];
        if (spill < need) {
          words[S.HDR_LEN] = spill;
          break;
        }
        words[S.HDR_LEN] = 0;
        err = takeHeader(words, bytes, sp);
        if (err !== 0) return emitError(rec, n, words, err, startPos, end);
      }
      phase = S.PHASE_PAYLOAD;
    }

    // PHASE_PAYLOAD
    const opcode = words[S.OPCODE];
    const ff = words[S.FRAME_FLAGS];
    const remaining = words[S.REMAINING];
    const avail = end - pos;
    const take = avail < remaining ? avail : remaining;
    if (take > 0 && ff & S.FRAME_MASKED) {
      unmaskRange(chunk, pos, pos + take, words[S.MASK_KEY], words[S.MASK_PHASE]);
      words[S.MASK_PHASE] = (words[S.MASK_PHASE] + take) & 3;
    }
    if (opcode >= Opcode.Close) {
      const ctrlLen = words[S.CTRL_LEN];
      let start = pos;
      let len = take;
      let src = chunk;
      let flags = (ff & (R.FLAG_FIN | R.FLAG_RSV1)) | R.FLAG_FIRST | R.FLAG_LAST;
      if (take < remaining || ctrlLen !== 0) {
        // split control frame: collect it in the control buffer
        bytes.set(chunk.subarray(pos, pos + take), S.CTRL_BYTE + ctrlLen);
        words[S.CTRL_LEN] = ctrlLen + take;
        pos += take;
        words[S.REMAINING] = remaining - take;
        if (take < remaining) break;
        src = bytes;
        start = S.CTRL_BYTE;
        len = ctrlLen + take;
        flags |= R.FLAG_BUFFERED;
      } else {
        pos += take;
        words[S.REMAINING] = 0;
      }
      let aux = 0;
      if (opcode === Opcode.Close) {
        const err = checkClose(src, start, len);
        if (err !== 0) return emitError(rec, n, words, err, pos - take, end);
        aux = len >= 2 ? (src[start] << 8) | src[start + 1] : 1005;
      }
      const o = n * R.STRIDE;
      rec[o + R.KIND] = R.KIND_FRAME;
      rec[o + R.OPCODE] = opcode;
      rec[o + R.FLAGS] = flags;
      rec[o + R.START] = flags & R.FLAG_BUFFERED ? 0 : start;
      rec[o + R.LENGTH] = len;
      rec[o + R.REMAINING] = 0;
      rec[o + R.AUX] = aux;
      rec[o + R.OFFSET] = 0;
      n++;
      phase = S.PHASE_HEADER;
      if (opcode === Opcode.Close) {
        // RFC 6455 §5.5.1: nothing after a close frame is processed
        words[S.PHASE] = S.PHASE_CLOSED;
        words[S.RESUME] = end;
        return n;
      }
      // The record's payload lives in the control buffer, which the next split control frame of
      // this chunk would overwrite before the caller reads it: end the batch here (the caller
      // decodes on from RESUME after handling the records).
      if (flags & R.FLAG_BUFFERED) break;
      continue;
    }

    // data frame piece
    if (take === 0 && remaining > 0) break;
    if (words[S.MSG_OPCODE] === Opcode.Text && words[S.MSG_COMPRESSED] === 0) {
      let u = utf8Step(words[S.UTF8], chunk, pos, pos + take);
      // RFC 6455 §8.1: a complete text message must end on a code-point boundary
      if (u !== INVALID && take === remaining && ff & R.FLAG_FIN && u !== 0) u = INVALID;
      if (u === INVALID) return emitError(rec, n, words, DecodeError.INVALID_UTF8, pos, end);
      words[S.UTF8] = u;
    }
    let flags = ff & (R.FLAG_FIN | R.FLAG_RSV1);
    if ((ff & S.FRAME_STARTED) === 0) flags |= R.FLAG_FIRST;
    const left = remaining - take;
    if (left === 0) flags |= R.FLAG_LAST;
    const o = n * R.STRIDE;
    rec[o + R.KIND] = R.KIND_FRAME;
    rec[o + R.OPCODE] = opcode;
    rec[o + R.FLAGS] = flags;
    rec[o + R.START] = pos;
    rec[o + R.LENGTH] = take;
    rec[o + R.REMAINING] = left;
    rec[o + R.AUX] = 0;
    rec[o + R.OFFSET] = 0;
    n++;
    pos += take;
    words[S.REMAINING] = left;
    if (left === 0) {
      if (ff & R.FLAG_FIN) {
        words[S.MSG_OPCODE] = 0;
        words[S.MSG_SIZE] = 0;
      }
      phase = S.PHASE_HEADER;
    } else {
      words[S.FRAME_FLAGS] = ff | S.FRAME_STARTED;
      break;
    }
  }
  words[S.PHASE] = phase;
  words[S.RESUME] = pos;
  return n;
}
