/**
 * The frame decoder used by the protocol layer: state in a JS-owned 216-byte array, decoding by
 * the native addon when loaded, else by the TS twin. Records go into a shared array (see
 * {@link takeRecords}) so decoding allocates nothing per frame.
 * @module
 */
import { Limits, Record, State } from './constants';
import { decode as decodeFallback } from './decoder.fallback';
import { native } from './native';

/** Decoder configuration. */
export interface DecoderOptions {
  /** True on the server side: incoming frames must be masked. */
  server: boolean;
  /** True when an extension (permessage-deflate) gives RSV1 a meaning. */
  allowRsv1?: boolean;
  maxFrameSize?: number;
  maxMessageSize?: number;
}

const shared = new Uint32Array(Limits.RECORD_CAPACITY * Record.STRIDE);
let sharedBusy = false;

/**
 * Borrows the shared record array; a nested decode (user code decoding inside a signal handler)
 * gets a fresh one. Give it back with {@link giveRecords}.
 */
export function takeRecords(): Uint32Array {
  if (sharedBusy) return new Uint32Array(Limits.RECORD_CAPACITY * Record.STRIDE);
  sharedBusy = true;
  return shared;
}

/** Returns an array borrowed with {@link takeRecords}. */
export function giveRecords(records: Uint32Array): void {
  if (records === shared) sharedBusy = false;
}

/**
 * Decoder states are carved from small shared slabs: one ArrayBuffer (and its backing store)
 * per connection would cost more than the state itself on idle connections. A slab lives as
 * long as any of its decoders, so slabs stay small to bound what one survivor holds.
 */
const STATES_PER_SLAB = 16;
let slab: ArrayBuffer | null = null;
/** The current slab's words: every decoder of a slab reads its fields through one array. */
let slabWords: Uint32Array | null = null;
let slabNext = STATES_PER_SLAB;

function allocState(): ArrayBuffer {
  if (slabNext === STATES_PER_SLAB) {
    slab = new ArrayBuffer(State.BYTES * STATES_PER_SLAB);
    slabWords = new Uint32Array(slab);
    slabNext = 0;
  }
  return slab as ArrayBuffer;
}

/** One connection's incremental frame decoder. */
export class FrameDecoder {
  /** The state's bytes as a view, made on first use (see {@link state}). */
  #view: Uint8Array | null = null;
  /** The slab's words and where this state's start in them (no typed array per connection). */
  readonly #slabWords: Uint32Array;
  readonly #base: number;
  /** This state's words alone, for the TS decoder (made on its first use). */
  #ownWords: Uint32Array | null = null;

  constructor(options: DecoderOptions) {
    allocState();
    const offset = slabNext++ * State.BYTES;
    this.#slabWords = slabWords as Uint32Array;
    this.#base = offset / 4;
    this.configure(options);
  }

  /**
   * The whole decoder state (layout: {@link State}), zeroed at first. Made on first use and kept:
   * a connection on the native transport hands its state to C++ once ({@link detachedState}) and
   * never needs a view of its own, which would cost a typed array per idle connection.
   */
  get state(): Uint8Array {
    return (this.#view ??= this.detachedState());
  }

  /**
   * A new view of the state, not kept: for a caller that keeps the pointer natively (the slab
   * stays alive, and in place, as long as this decoder does).
   */
  detachedState(): Uint8Array {
    const w = this.#slabWords;
    return new Uint8Array(w.buffer, this.#base * 4, State.BYTES);
  }

  /** Changes side, RSV1 permission or limits; takes effect at the next frame header. */
  configure(options: DecoderOptions): void {
    const w = this.#slabWords;
    const b = this.#base;
    w[b + State.CONFIG] = (options.server ? State.CONFIG_SERVER : 0) | (options.allowRsv1 ? State.CONFIG_ALLOW_RSV1 : 0);
    w[b + State.MAX_FRAME] = options.maxFrameSize ?? Limits.MAX_INCOMING_FRAME_SIZE;
    w[b + State.MAX_MESSAGE] = options.maxMessageSize ?? Limits.MAX_INCOMING_MESSAGE_SIZE;
  }

  setLimits(maxFrameSize: number, maxMessageSize: number): void {
    this.#slabWords[this.#base + State.MAX_FRAME] = maxFrameSize;
    this.#slabWords[this.#base + State.MAX_MESSAGE] = maxMessageSize;
  }

  setAllowRsv1(allow: boolean): void {
    const w = this.#slabWords;
    const i = this.#base + State.CONFIG;
    w[i] = allow ? w[i] | State.CONFIG_ALLOW_RSV1 : w[i] & ~State.CONFIG_ALLOW_RSV1;
  }

  /**
   * Decodes frames in `chunk` from `offset`, unmasking in place.
   * @returns the number of records written; {@link resume} < chunk.length means the records
   * filled up and decode must be called again from there.
   */
  decode(chunk: Uint8Array, offset: number, records: Uint32Array): number {
    if (native !== null) return native.decode(this.state, chunk, offset, records);
    const words = (this.#ownWords ??= new Uint32Array(this.state.buffer, this.state.byteOffset, State.BYTES / 4));
    return decodeFallback(words, this.state, chunk, offset, records);
  }

  /** Where the last decode() stopped in its chunk. */
  get resume(): number {
    return this.#slabWords[this.#base + State.RESUME];
  }

  /** True once a close frame or an error was decoded. */
  get finished(): boolean {
    return this.#slabWords[this.#base + State.PHASE] >= State.PHASE_CLOSED;
  }

  /** The buffered control payload of a record flagged FLAG_BUFFERED (a view, copy before keeping). */
  controlPayload(length: number): Uint8Array {
    return this.state.subarray(State.CTRL_BYTE, State.CTRL_BYTE + length);
  }
}
