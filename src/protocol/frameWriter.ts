/**
 * The sending half of a session, sans I/O (the {@link Session} extends it): encodes outgoing
 * frames into its {@link Outbox} (it extends that too: one object per connection for all three) —
 * small frames copied into one shared batch, large server payloads queued by reference (never
 * copied), client frames masked with keys from a pool or a {@link MaskSource} (RFC 6455 §5.3);
 * messages fragmented by the outgoing frame size (§5.4) and compressed when permessage-deflate
 * takes them (RFC 7692 §6.1). What may be sent when (nothing after our close, fragments in order)
 * is the {@link Session}'s rule; this class only frames.
 * @module
 */
import { encodeFrame, encodeFrameInto, headerSize, nextMaskKey, writeHeader } from '../codec';
import { Opcode } from '../codec/constants';
import type { MessageCompressor } from './permessageDeflate';
import { Outbox } from './outbox';

/** Source of mask keys (Qt's QMaskGenerator). */
export interface MaskSource {
  nextMask(): number;
}

/** Told once when the outbox becomes non-empty outside {@link Session.receive}. */
export interface FlushRequester {
  requestFlush(): void;
}

// the writer's yes/no state, as bits of one number (a field per flag costs 8 bytes per connection)
/** Server side: frames go unmasked. */
const SERVER = 1;
/** The session dispatches a read: its caller flushes afterwards, no request needed. */
const RECEIVING = 2;
/** The flusher was asked since the last flush. */
const FLUSH_REQUESTED = 4;

/** Frames up to this size (header + payload) are copied into the shared batch; larger go by reference. */
const BATCH_FRAME_LIMIT = 16 * 1024;

/**
 * Writes a short string (≤ 41 UTF-16 units, so ≤ 123 UTF-8 bytes) as UTF-8 at `p`: ASCII by a
 * plain loop (cheaper than a native call for a few bytes), anything else by Node's encoder.
 * @returns the bytes written
 */
function writeShortText(buf: Buffer, p: number, s: string): number {
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return buf.write(s, p, 'utf8');
    buf[p + i] = c;
  }
  return len;
}

/** See the module comment. Its helpers are TS `private`, not `#`: `#` methods cost every instance 8 bytes (a brand). */
export class FrameWriter extends Outbox {
  /** SERVER, RECEIVING, FLUSH_REQUESTED (see above) */
  #flags: number;
  readonly #flusher: FlushRequester;
  readonly #compressor: MessageCompressor | null;
  #maskSource: MaskSource | null = null;
  #outgoingFrameSize: number;

  constructor(server: boolean, outgoingFrameSize: number, compressor: MessageCompressor | null, flusher: FlushRequester) {
    super();
    this.#flags = server ? SERVER : 0;
    this.#outgoingFrameSize = outgoingFrameSize;
    this.#compressor = compressor;
    this.#flusher = flusher;
  }

  /** permessage-deflate's compressor when negotiated (the session inflates with it too). */
  get compressor(): MessageCompressor | null {
    return this.#compressor;
  }

  setMaskSource(source: MaskSource | null): void {
    this.#maskSource = source;
  }

  setOutgoingFrameSize(size: number): void {
    this.#outgoingFrameSize = size;
  }

  /** True while the session dispatches a read: its caller flushes afterwards, no request needed. */
  get receiving(): boolean {
    return (this.#flags & RECEIVING) !== 0;
  }
  set receiving(on: boolean) {
    this.#flags = on ? this.#flags | RECEIVING : this.#flags & ~RECEIVING;
  }

  /** Called by the transport when it has flushed the outbox. */
  flushed(): void {
    this.#flags &= ~FLUSH_REQUESTED;
  }

  private nextKey(): number {
    return this.#maskSource !== null ? this.#maskSource.nextMask() >>> 0 : nextMaskKey();
  }

  private queued(): void {
    if ((this.#flags & (RECEIVING | FLUSH_REQUESTED)) === 0) {
      this.#flags |= FLUSH_REQUESTED;
      this.#flusher.requestFlush();
    }
  }

  /** Encodes one frame into the outbox. `b0` = FIN | RSV1 | opcode. */
  writeFrame(b0: number, payload: Uint8Array): void {
    const masked = (this.#flags & SERVER) === 0;
    const key = masked ? this.nextKey() : 0;
    const len = payload.length;
    const size = headerSize(len, masked) + len;
    if (size <= BATCH_FRAME_LIMIT) {
      const batch = this.reserve(size);
      this.commit(encodeFrameInto(batch, this.offset, b0, payload, masked, key));
    } else if (masked) {
      this.push(encodeFrame(b0, payload, true, key));
    } else {
      // server: header alone, the payload is queued by reference (no copy)
      const hs = headerSize(len, false);
      const batch = this.reserve(hs);
      this.commit(writeHeader(batch, this.offset, b0, len, false, 0));
      this.push(payload as Buffer);
    }
    this.queued();
  }

  /**
   * Writes `payload` as one message, fragmented by outgoingFrameSize (RFC 6455 §5.4), compressed
   * when `compress` is set and the compressor takes it (RSV1 on the first frame only,
   * RFC 7692 §6.1). @returns the uncompressed payload length
   */
  writeMessage(opcode: number, payload: Buffer, compress: boolean): number {
    const len = payload.length;
    let data = payload;
    let rsv1 = 0;
    if (this.#compressor !== null && compress) {
      const compressed = this.#compressor.compress(payload);
      if (compressed !== null) {
        data = compressed;
        rsv1 = 0x40;
      }
    }
    const max = this.#outgoingFrameSize;
    const size = data.length;
    if (size <= max || max === 0) {
      this.writeFrame(0x80 | rsv1 | opcode, data);
      return len;
    }
    for (let off = 0; off < size; off += max) {
      const end = Math.min(off + max, size);
      this.writeFrame((end === size ? 0x80 : 0) | (off === 0 ? rsv1 | opcode : Opcode.Continuation), data.subarray(off, end));
    }
    return len;
  }

  /** Writes a whole text message. @returns the payload bytes */
  writeText(message: string): number {
    // short strings: encode straight into the batch, no intermediate buffer
    if (message.length <= 41 && this.#outgoingFrameSize >= 123 && (this.#compressor === null || message.length * 3 < this.#compressor.threshold)) {
      const masked = (this.#flags & SERVER) === 0;
      const batch = this.reserve(6 + message.length * 3);
      const at = this.offset;
      const p = at + (masked ? 6 : 2);
      const n = writeShortText(batch, p, message);
      batch[at] = 0x80 | Opcode.Text;
      batch[at + 1] = (masked ? 0x80 : 0) | n;
      if (masked) {
        const key = this.nextKey();
        batch.writeUInt32LE(key, at + 2);
        // at most 123 bytes: a loop beats a native call and a view (bench/codec crossover)
        for (let i = 0; i < n; i++) batch[p + i] ^= batch[at + 2 + (i & 3)];
      }
      this.commit(p + n);
      this.queued();
      return n;
    }
    return this.writeMessage(Opcode.Text, Buffer.from(message, 'utf8'), true);
  }

  /**
   * Queues frames encoded once for many connections (server frames are unmasked: the same bytes
   * serve every peer), by reference. @returns false on a client (its frames must be masked)
   */
  writeEncoded(frames: readonly Buffer[]): boolean {
    if ((this.#flags & SERVER) === 0) return false;
    for (const f of frames) this.push(f);
    this.queued();
    return true;
  }
}
