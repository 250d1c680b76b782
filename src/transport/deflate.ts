/**
 * permessage-deflate over Node's zlib (RFC 7692 §7), synchronous and in order.
 *
 * Node's zlib streams run in the thread pool; thousands of connections would queue there and
 * every message would need a callback. Node's own *Sync functions cannot keep a context
 * between messages (they close the stream). So this drives one zlib stream per direction with
 * the stream handle's synchronous write, the same call zlib's *Sync functions make, keeping
 * the context (context takeover) for as long as the agreement allows. Each call handles one
 * socket chunk's piece of a message, so the event loop is never held for a whole large
 * message, and the inflated size is checked after every 16 KiB of output: a "zip bomb" fails
 * with 1009 without ever allocating its size.
 *
 * When this Node lacks that handle API ({@link deflateSupported} false), permessage-deflate is
 * neither offered nor accepted.
 * @module
 */
import * as zlib from 'node:zlib';
import { CloseCode } from '../codec/constants';
import { InflateError, type DeflateAgreement, type MessageCompressor, type PerMessageDeflateOptions } from '../protocol/permessageDeflate';

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}
type SyncZlib = zlib.DeflateRaw & { _handle: ZlibHandle | null; _writeState: Uint32Array };

const SYNC_FLUSH = zlib.constants.Z_SYNC_FLUSH;
/** RFC 7692 §7.2.1: a sync flush ends with this empty stored block, which is not sent. */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** Output is produced into this scratch area, then copied out once at its final size. */
const EMPTY_BLOCK = [0x00];
const SCRATCH_SIZE = 16 * 1024;
let scratch: Buffer | null = null;
/** Input bytes the last {@link run} left unconsumed (the stream had ended: a BFINAL block). */
let leftIn = 0;
const DEFAULT_THRESHOLD = 1024;
const ignore = (): void => {};

function probe(): boolean {
  try {
    const z = zlib.createDeflateRaw() as SyncZlib;
    const ok = typeof z._handle?.writeSync === 'function' && z._writeState instanceof Uint32Array;
    z.close();
    return ok;
  } catch {
    return false;
  }
}

/** True when this Node allows synchronous streaming zlib (see the module comment). */
export const deflateSupported: boolean = probe();

/**
 * Runs `input` through the stream with Z_SYNC_FLUSH.
 * @param limit the most output bytes allowed (throws 1009 beyond)
 */
function run(z: SyncZlib, input: Uint8Array, limit: number): Buffer {
  const h = z._handle;
  if (h === null) throw new InflateError(CloseCode.CloseCodeProtocolError, 'Compression context closed');
  const st = z._writeState;
  const out = (scratch ??= Buffer.allocUnsafe(SCRATCH_SIZE));
  let inOff = 0;
  let inLen = input.length;
  let first: Buffer | null = null;
  let parts: Buffer[] | null = null;
  let total = 0;
  for (;;) {
    h.writeSync(SYNC_FLUSH, input, inOff, inLen, out, 0, SCRATCH_SIZE);
    if (z.errored !== null || z.destroyed) {
      throw new InflateError(CloseCode.CloseCodeWrongDatatype, 'Invalid compressed data');
    }
    const availOut = st[0];
    const availIn = st[1];
    const have = SCRATCH_SIZE - availOut;
    if (have > 0) {
      total += have;
      if (total > limit) throw new InflateError(CloseCode.CloseCodeTooMuchData, 'Message too large');
      const piece = Buffer.allocUnsafe(have);
      out.copy(piece, 0, 0, have);
      if (first === null) first = piece;
      else (parts ??= [first]).push(piece);
    }
    inOff += inLen - availIn;
    inLen = availIn;
    if (availOut !== 0) break;
  }
  leftIn = inLen;
  if (parts !== null) return Buffer.concat(parts, total);
  return first ?? Buffer.alloc(0);
}

/** Side of the connection, for which half of the agreement applies to our sending. */
export interface DeflateSide {
  server: boolean;
  maxMessageSize: number;
}

/** See the module comment. One per connection. */
export class PerMessageDeflate implements MessageCompressor {
  #deflater: SyncZlib | null = null;
  #inflater: SyncZlib | null = null;
  #sendBits: number;
  #sendNoContext: boolean;
  #recvBits: number;
  #recvNoContext: boolean;
  #threshold: number;
  #level: number;
  #memLevel: number;
  #maxMessage: number;
  /** Bytes inflated so far of the current incoming message. */
  #inflated = 0;

  constructor(agreement: DeflateAgreement, options: PerMessageDeflateOptions, side: DeflateSide) {
    const a = agreement;
    this.#sendBits = side.server ? a.serverMaxWindowBits : a.clientMaxWindowBits;
    this.#sendNoContext = side.server ? a.serverNoContextTakeover : a.clientNoContextTakeover;
    // a window of 8 cannot be produced by zlib's raw deflate (it refuses 8); inflating with 9 is
    // safe for a peer that used 8 or (as zlib does) quietly 9
    this.#recvBits = Math.max(9, side.server ? a.clientMaxWindowBits : a.serverMaxWindowBits);
    this.#recvNoContext = side.server ? a.clientNoContextTakeover : a.serverNoContextTakeover;
    this.#threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.#level = options.level ?? zlib.constants.Z_DEFAULT_COMPRESSION;
    this.#memLevel = options.memLevel ?? 8;
    this.#maxMessage = side.maxMessageSize;
  }

  get threshold(): number {
    return this.#threshold;
  }

  get sharedKey(): string | null {
    if (!this.#sendNoContext || this.#sendBits < 9) return null;
    return `${this.#sendBits}/${this.#level}/${this.#memLevel}/${this.#threshold}`;
  }

  compress(message: Uint8Array): Buffer | null {
    // RFC 7692 allows any message to go uncompressed (RSV1 clear); with a window of 8 we must
    if (message.length < this.#threshold || this.#sendBits < 9) return null;
    // an empty message is the first byte of an empty stored block (RFC 7692 §7.2.1); zlib would
    // emit nothing at all after an earlier flush (Z_BUF_ERROR), which the peer cannot inflate
    if (message.length === 0) return Buffer.from(EMPTY_BLOCK);
    const z = (this.#deflater ??= this.#open(zlib.createDeflateRaw({ level: this.#level, memLevel: this.#memLevel, windowBits: this.#sendBits })));
    const out = run(z, message, Number.MAX_SAFE_INTEGER);
    if (this.#sendNoContext) this.#drop('deflate');
    // strip the 00 00 ff ff the sync flush ended with (§7.2.1)
    return out.length >= 4 ? out.subarray(0, out.length - 4) : out;
  }

  inflate(piece: Uint8Array, last: boolean): Buffer {
    const z = (this.#inflater ??= this.#open(zlib.createInflateRaw({ windowBits: this.#recvBits })));
    const room = this.#maxMessage - this.#inflated;
    let out = piece.length > 0 ? run(z, piece, room) : Buffer.alloc(0);
    if (last) {
      const tail = run(z, TRAILER, room - out.length);
      if (tail.length > 0) out = out.length === 0 ? tail : Buffer.concat([out, tail]);
      this.#inflated = 0;
      // a message may end its DEFLATE stream with BFINAL (RFC 7692 §7.2.3.4): zlib then takes
      // no more input, so the next message needs a fresh stream
      if (this.#recvNoContext) this.#drop('inflate');
      else if (leftIn > 0) z.reset();
    } else {
      this.#inflated += out.length;
    }
    return out;
  }

  setMaxMessageSize(bytes: number): void {
    this.#maxMessage = bytes;
  }

  close(): void {
    this.#drop('deflate');
    this.#drop('inflate');
  }

  #open(z: zlib.DeflateRaw | zlib.InflateRaw): SyncZlib {
    // zlib reports data errors as 'error' events too; they are read synchronously in run()
    z.on('error', ignore);
    return z as SyncZlib;
  }

  /** Frees a context (no context takeover: the next message starts a fresh one). */
  #drop(which: 'deflate' | 'inflate'): void {
    const z = which === 'deflate' ? this.#deflater : this.#inflater;
    if (z === null) return;
    z.close();
    if (which === 'deflate') this.#deflater = null;
    else this.#inflater = null;
  }
}
