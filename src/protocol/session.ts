/**
 * One open WebSocket connection after the handshake, sans I/O: turns decoded records into
 * frames, messages, pings and closes (RFC 6455 §5, §6, §7), answers pings, runs the close
 * handshake's framing side, and keeps the rules of what may be sent when (nothing after our
 * close; fragments in order); the frames are encoded by the {@link FrameWriter} it extends into
 * the {@link Outbox} that one extends, which the transport writes once per incoming chunk or tick
 * (one object per connection for all three, not three).
 * @module
 */
import { StringDecoder } from 'node:string_decoder';
import { FrameDecoder, giveRecords, takeRecords, utf8Step } from '../codec';
import { CloseCode, DECODE_ERROR_REASON, IoEvent, Limits, Opcode, Record as R, Utf8State } from '../codec/constants';
import { InflateError, type MessageCompressor } from './permessageDeflate';
import { closePayload } from './closeFrame';
import type { Outbox } from './outbox';
import { FrameWriter, type FlushRequester } from './frameWriter';
import { AssemblyBuffer } from './assemblyBuffer';
import { heldSharedBytes, holdShared, takeHeldShared } from './heldShared';

/** What a session reports. Implemented by the API object; called synchronously. */
export interface SessionHandler {
  /** Read per data frame: true when frame-level signals have listeners. */
  readonly wantsFrames: boolean;
  onTextFrame(frame: string, isLastFrame: boolean): void;
  onBinaryFrame(frame: Buffer, isLastFrame: boolean): void;
  onTextMessage(message: string): void;
  /**
   * A text message as its (validated) UTF-8 bytes, not decoded: called instead of
   * onTextMessage when the session was made with `textAsBytes`.
   */
  onTextBytes?(message: Buffer): void;
  onBinaryMessage(message: Buffer): void;
  onPing(payload: Buffer): void;
  onPong(elapsedMs: number, payload: Buffer): void;
  /** The peer's close frame arrived (code 1005 when it had none). */
  onPeerClose(code: number, reason: string): void;
  /** The peer broke the protocol; a close frame with `code` has been queued. */
  onProtocolError(code: number, reason: string): void;
}

export type { FlushRequester, MaskSource } from './frameWriter';

/** Session settings. */
export interface SessionOptions {
  /** Server side: expects masked frames, sends unmasked ones. */
  server: boolean;
  maxFrameSize: number;
  maxMessageSize: number;
  outgoingFrameSize: number;
  /** Milliseconds clock for pong round-trip times. */
  now: () => number;
  /** permessage-deflate, when negotiated (RFC 7692): RSV1 marks compressed messages. */
  compressor?: MessageCompressor | null;
  /** Text messages go to onTextBytes as bytes (a face that hands out Buffers, as ws does). */
  textAsBytes?: boolean;
}

const EMPTY = Buffer.alloc(0);
/** {@link Session.receiveDecoded}: no view of the read buffer went out. */
export const NOT_LENT = -1;
/** A first piece shorter than this is copied, not held in the read buffer (cheap, and pins nothing). */
const IN_PLACE_MIN = 1024;

// The session's yes/no state, as bits of one number (a field per flag costs 8 bytes on every idle connection)
/** Text messages go to onTextBytes (options.textAsBytes). */
const TEXT_BYTES = 1;
/** Pings are answered automatically (RFC 6455 §5.5.2); a face may answer them itself. */
const AUTO_PONG = 2;
/** A message sent in fragments (sendBytes with fin false) is under way. */
const SENDING_FRAGMENTS = 4;
/** The incoming message is compressed (RSV1 on its first frame). */
const MSG_COMPRESSED = 8;
const CLOSE_SENT = 16;
const CLOSE_RECEIVED = 32;
/** Set by {@link Session.stop}: nothing more is dispatched (abort() from inside a signal handler). */
const STOPPED = 64;
/** Views of the borrowed read buffer went to handlers (see receiveDecoded). */
const LENT = 128;
/** Shared frames wait for the end of the message being sent in fragments (see ./heldShared; the bit spares the lookup). */
const HOLDING = 256;

/**
 * What a session keeps while an incoming message spans frames or reads (made on the first such
 * message, never for a connection whose messages each arrive whole: most idle ones).
 */
interface Assembly {
  /** Opcode of the message under way (Text or Binary). */
  opcode: number;
  message: AssemblyBuffer | null;
  /** For frame signals: a frame split across reads. */
  frame: AssemblyBuffer | null;
  frameText: StringDecoder | null;
  /** UTF-8 state of an inflated text message (validated after inflating, RFC 7692 §8). */
  inflatedUtf8: number;
}

/** See the module comment. Its helpers are TS `private`, not `#`: `#` methods cost every instance 8 bytes (a brand). */
export class Session extends FrameWriter {
  readonly decoder: FrameDecoder;
  #handler: SessionHandler;
  #now: () => number;
  /** Incoming message assembly: allocated when a message (or, for frame signals, a frame) spans frames or chunks. */
  #asm: Assembly | null = null;
  /** TEXT_BYTES, AUTO_PONG, … (see above) */
  #flags = AUTO_PONG;
  #pingSentAt = 0;
  /** The read buffer being dispatched by {@link receiveDecoded} (LENT: views of it went out). */
  #borrowed: Buffer | null = null;

  constructor(handler: SessionHandler, options: SessionOptions, flusher: FlushRequester) {
    // (the session is its own frame writer and outbox: a subclass, so one object per connection)
    super(options.server, options.outgoingFrameSize, options.compressor ?? null, flusher);
    this.#handler = handler;
    this.#now = options.now;
    const compressor = this.compressor;
    if (options.textAsBytes === true) this.#flags |= TEXT_BYTES;
    this.decoder = new FrameDecoder({
      server: options.server,
      maxFrameSize: options.maxFrameSize,
      maxMessageSize: options.maxMessageSize,
      allowRsv1: compressor !== null,
    });
  }

  /** Where outgoing frames are encoded (the transport writes it): the frame writer itself. */
  get outbox(): Outbox {
    return this;
  }

  /** Limits the inflated size of compressed messages (the decoder limits wire sizes). */
  setMaxMessageSize(bytes: number): void {
    this.compressor?.setMaxMessageSize(bytes);
  }

  /** The compressor when it keeps no context between messages (a publish shares its output). */
  get sharedCompressor(): MessageCompressor | null {
    const c = this.compressor;
    return c !== null && c.sharedKey !== null ? c : null;
  }

  /** Frees the compression contexts (the connection is gone). */
  dispose(): void {
    this.compressor?.close();
  }

  get closeSent(): boolean {
    return (this.#flags & CLOSE_SENT) !== 0;
  }

  get closeReceived(): boolean {
    return (this.#flags & CLOSE_RECEIVED) !== 0;
  }

  /**
   * Decodes a socket-owned chunk (payloads are unmasked in place and handed out as views) and
   * dispatches everything in it. The caller flushes the outbox afterwards.
   */
  receive(chunk: Buffer): void {
    const records = takeRecords();
    this.receiving = true;
    try {
      let offset = 0;
      do {
        const n = this.decoder.decode(chunk, offset, records);
        for (let i = 0; i < n && (this.#flags & STOPPED) === 0; i++) this.dispatch(chunk, records, i * R.STRIDE);
        offset = this.decoder.resume;
      } while (offset < chunk.length && !this.decoder.finished && (this.#flags & STOPPED) === 0);
    } finally {
      this.receiving = false;
      giveRecords(records);
    }
  }

  /**
   * Dispatches `count` records decoded elsewhere (the native transport decodes each read in
   * C++) from `chunk`, a read buffer the transport reuses unless told otherwise. The caller
   * flushes the outbox afterwards.
   * @returns {@link NOT_LENT}, or else views of `chunk` went to handlers (its bytes must then stay
   *   as they are) and this is how many bytes are still to come of a message's frame held in place
   *   at the end of `chunk` (0: none), for which the transport can keep the room right after it
   */
  receiveDecoded(chunk: Buffer, records: Uint32Array, count: number): number {
    this.receiving = true;
    this.#borrowed = chunk;
    this.#flags &= ~LENT;
    try {
      for (let i = 0; i < count && (this.#flags & STOPPED) === 0; i++) this.dispatch(chunk, records, i * R.STRIDE);
    } finally {
      this.receiving = false;
      this.#borrowed = null;
    }
    if ((this.#flags & LENT) === 0) return NOT_LENT;
    // a piece held in place is the start of a one-frame message cut by the end of the read: the
    // last record (unless a handler stopped the session before it)
    const m = this.#asm?.message;
    return m != null && m.holdsIn(chunk) && (this.#flags & STOPPED) === 0 ? records[(count - 1) * R.STRIDE + R.REMAINING] : 0;
  }

  /** Bytes of `src` handed to a handler, as a view (noted when `src` is a borrowed read buffer). */
  private own(src: Buffer, at: number, size: number): Buffer {
    if (src === this.#borrowed) this.#flags |= LENT;
    return src.subarray(at, at + size);
  }

  private dispatch(chunk: Buffer, rec: Uint32Array, o: number): void {
    if (rec[o + R.KIND] === R.KIND_ERROR) {
      const id = rec[o + R.OPCODE];
      const code = rec[o + R.AUX];
      const reason = DECODE_ERROR_REASON[id];
      this.dropMessage();
      this.sendClose(code, reason);
      this.#handler.onProtocolError(code, reason);
      return;
    }
    const opcode = rec[o + R.OPCODE];
    const flags = rec[o + R.FLAGS];
    const start = rec[o + R.START];
    const len = rec[o + R.LENGTH];
    if (opcode >= Opcode.Close) {
      // control payloads split across chunks sit in the decoder's state buffer: copy them out
      const payload = flags & R.FLAG_BUFFERED ? Buffer.from(this.decoder.controlPayload(len)) : this.own(chunk, start, len);
      this.control(opcode, payload, rec[o + R.AUX]);
      return;
    }
    const h = this.#handler;
    const first = opcode !== Opcode.Continuation && (flags & R.FLAG_FIRST) !== 0;
    if (first) this.#flags = (flags & R.FLAG_RSV1) !== 0 ? this.#flags | MSG_COMPRESSED : this.#flags & ~MSG_COMPRESSED;
    const textBytes = (this.#flags & TEXT_BYTES) !== 0;
    const compressed = (this.#flags & MSG_COMPRESSED) !== 0;
    if (first && opcode === Opcode.Text && (flags & (R.FLAG_LAST | R.FLAG_FIN)) === (R.FLAG_LAST | R.FLAG_FIN) && !compressed) {
      if (textBytes) {
        (h.onTextBytes as (m: Buffer) => void)(this.own(chunk, start, len));
        return;
      }
      // fastest path: a whole uncompressed text message, decoded straight from the chunk (no view)
      const text = chunk.toString(undefined, start, start + len);
      if (h.wantsFrames) h.onTextFrame(text, true);
      h.onTextMessage(text);
      return;
    }
    const whole = first && (flags & (R.FLAG_LAST | R.FLAG_FIN)) === (R.FLAG_LAST | R.FLAG_FIN);
    let src: Buffer = chunk;
    let at = start;
    let size = len;
    let more = rec[o + R.REMAINING];
    if (compressed) {
      const inflated = this.inflate(chunk.subarray(start, start + len), opcode, flags);
      if (inflated === null) return;
      src = inflated;
      at = 0;
      size = inflated.length;
      more = 0; // the inflated size of the rest is unknown
    }
    if (whole) {
      // fast path: a whole single-frame message in this chunk
      const piece = opcode === Opcode.Text && !textBytes ? src.subarray(at, at + size) : this.own(src, at, size);
      if (opcode === Opcode.Text && textBytes) {
        (h.onTextBytes as (m: Buffer) => void)(piece);
      } else if (opcode === Opcode.Text) {
        const text = piece.toString();
        if (h.wantsFrames) h.onTextFrame(text, true);
        h.onTextMessage(text);
      } else {
        if (h.wantsFrames) h.onBinaryFrame(piece, true);
        h.onBinaryMessage(piece);
      }
      return;
    }
    const asm = this.assembly();
    if (first) asm.opcode = opcode;
    const m = (asm.message ??= new AssemblyBuffer());
    const last = (flags & R.FLAG_LAST) !== 0;
    const fin = (flags & R.FLAG_FIN) !== 0;
    // a one-frame message split across reads of the native transport's read buffer, with room
    // there for its rest and a read more: held where it is — the transport keeps that room for
    // the connection's next reads (see receiveDecoded), so the message needs no copy unless the
    // buffer is replaced before they come
    if (first && fin && src === this.#borrowed && size >= IN_PLACE_MIN && m.length === 0 && src.length - (at + size) >= Math.max(more, IoEvent.MIN_READ)) {
      m.hold(src, at, size);
    } else {
      // else copied into one growing buffer: no object per fragment or per socket read
      m.append(src, at, size, more);
    }
    // bytes held in the read buffer: the transport must not read over them
    if (m.holdsIn(src)) this.#flags |= LENT;
    if (h.wantsFrames) this.framePiece(src, at, size, more, (flags & R.FLAG_FIRST) !== 0 && last, last, fin);
    if (last && fin) this.finishMessage();
  }

  /**
   * Inflates a piece of a compressed message; text is validated as it comes out.
   * @returns the inflated bytes, or null after failing the connection (1007 / 1009)
   */
  private inflate(piece: Buffer, opcode: number, flags: number): Buffer | null {
    const end = (flags & (R.FLAG_LAST | R.FLAG_FIN)) === (R.FLAG_LAST | R.FLAG_FIN);
    const first = opcode !== Opcode.Continuation && (flags & R.FLAG_FIRST) !== 0;
    const text = first ? opcode === Opcode.Text : this.#asm?.opcode === Opcode.Text;
    try {
      const out = (this.compressor as MessageCompressor).inflate(piece, end);
      if (text) {
        let st = first ? 0 : (this.#asm?.inflatedUtf8 ?? 0);
        st = out.length > 0 ? utf8Step(st, out, 0, out.length) : st;
        if (st === Utf8State.INVALID || (end && st !== Utf8State.ACCEPT)) throw new InflateError(CloseCode.CloseCodeWrongDatatype, 'Invalid UTF-8 in a text message');
        // (a message that ends here starts the next one at 0: nothing to keep)
        if (!end) this.assembly().inflatedUtf8 = st;
      }
      return out;
    } catch (e) {
      const code = e instanceof InflateError ? e.closeCode : CloseCode.CloseCodeWrongDatatype;
      const reason = e instanceof InflateError ? e.message : 'Invalid compressed data';
      this.dropMessage();
      this.#flags |= STOPPED;
      this.fail(code, reason);
      return null;
    }
  }

  /** Frame signals: a frame split across chunks is assembled too (its size is known at once). */
  private framePiece(src: Buffer, at: number, size: number, more: number, whole: boolean, last: boolean, fin: boolean): void {
    const asm = this.#asm as Assembly; // (made by #dispatch before it calls this)
    let frame: Buffer;
    if (whole) {
      frame = this.own(src, at, size);
    } else {
      const f = (asm.frame ??= new AssemblyBuffer());
      f.append(src, at, size, more);
      if (!last) return;
      frame = f.take();
    }
    if (asm.opcode === Opcode.Text) {
      // a frame may end mid code point: the decoder carries it into the next frame
      const d = (asm.frameText ??= new StringDecoder('utf8'));
      const text = d.write(frame) + (fin ? d.end() : '');
      if (fin) asm.frameText = null;
      this.#handler.onTextFrame(text, fin);
    } else {
      this.#handler.onBinaryFrame(frame, fin);
    }
  }

  private finishMessage(): void {
    const asm = this.#asm as Assembly;
    const message = (asm.message as AssemblyBuffer).take();
    if (asm.opcode === Opcode.Text && (this.#flags & TEXT_BYTES) !== 0) {
      (this.#handler.onTextBytes as (m: Buffer) => void)(message);
    } else if (asm.opcode === Opcode.Text) {
      let text: string;
      try {
        text = message.toString('utf8');
      } catch {
        // larger than the engine's maximum string length
        this.sendClose(1009, 'Message too large');
        this.#handler.onProtocolError(1009, 'Message too large');
        return;
      }
      this.#handler.onTextMessage(text);
    } else {
      this.#handler.onBinaryMessage(message);
    }
  }

  private assembly(): Assembly {
    return (this.#asm ??= { opcode: 0, message: null, frame: null, frameText: null, inflatedUtf8: 0 });
  }

  private dropMessage(): void {
    const asm = this.#asm;
    if (asm === null) return;
    asm.message?.clear();
    asm.frame?.clear();
    asm.frameText = null;
  }

  private control(opcode: number, payload: Buffer, code: number): void {
    if (opcode === Opcode.Ping) {
      // RFC 6455 §5.5.2: answer with a pong carrying the same payload
      if ((this.#flags & (CLOSE_SENT | AUTO_PONG)) === AUTO_PONG) this.writeFrame(0x80 | Opcode.Pong, payload);
      this.#handler.onPing(payload);
    } else if (opcode === Opcode.Pong) {
      this.#handler.onPong(this.#now() - this.#pingSentAt, payload);
    } else {
      this.#flags |= CLOSE_RECEIVED;
      this.dropMessage();
      const reason = payload.length > 2 ? payload.toString('utf8', 2) : '';
      // RFC 6455 §5.5.1: reply with a close frame, echoing the status code (and, as Qt does,
      // the reason)
      if ((this.#flags & CLOSE_SENT) === 0) this.sendClose(code, reason);
      this.#handler.onPeerClose(code, reason);
    }
  }

  /** Queues a text message. @returns the payload bytes queued (0 after a close was sent). */
  sendText(message: string): number {
    if ((this.#flags & CLOSE_SENT) !== 0) return 0;
    // the last piece of a message sent in fragments (see sendBytes)
    if ((this.#flags & SENDING_FRAGMENTS) !== 0) return this.sendBytes(Buffer.from(message, 'utf8'), true, true, false);
    return this.writeText(message);
  }

  /** Queues a binary message. @returns the payload bytes queued (0 after a close was sent). */
  sendBinary(data: Uint8Array): number {
    if ((this.#flags & CLOSE_SENT) !== 0) return 0;
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if ((this.#flags & SENDING_FRAGMENTS) !== 0) return this.sendBytes(buf, false, true, false);
    return this.writeMessage(Opcode.Binary, buf, true);
  }

  /**
   * Queues frames encoded once for many connections (server broadcast: unmasked frames are the
   * same bytes for every peer), by reference. @returns false after a close was sent
   */
  sendEncoded(frames: readonly Buffer[]): boolean {
    if ((this.#flags & CLOSE_SENT) !== 0) return false;
    if ((this.#flags & SENDING_FRAGMENTS) === 0) return this.writeEncoded(frames);
    // no data frame may come between the fragments of a message (RFC 6455 §5.4): they wait
    holdShared(this, frames);
    this.#flags |= HOLDING;
    return true;
  }

  /** True while a message sent in fragments is under way (data frames of others must wait). */
  get sendingFragments(): boolean {
    return (this.#flags & SENDING_FRAGMENTS) !== 0;
  }

  /** Bytes of shared frames waiting for the end of a message sent in fragments (unsent bytes too). */
  get heldBytes(): number {
    return (this.#flags & HOLDING) === 0 ? 0 : heldSharedBytes(this);
  }

  /** Takes the held shared frames: queued after the last fragment (`send`), or dropped. */
  private releaseHeld(send: boolean): void {
    if ((this.#flags & HOLDING) === 0) return;
    this.#flags &= ~HOLDING;
    const frames = takeHeldShared(this);
    if (send) this.writeEncoded(frames);
  }

  /**
   * Queues a message given as bytes, or one fragment of a message sent in pieces (`fin` false
   * until the last; RFC 6455 §5.4): text or binary is taken from the first fragment, the rest
   * go as continuations. A fragmented message is sent uncompressed (the compressor takes whole
   * messages only); `compress` false sends a whole message uncompressed too.
   * @returns the payload bytes queued (0 after a close was sent)
   */
  sendBytes(payload: Buffer, text: boolean, fin: boolean, compress: boolean): number {
    if ((this.#flags & CLOSE_SENT) !== 0) return 0;
    const opcode = text ? Opcode.Text : Opcode.Binary;
    const fragments = (this.#flags & SENDING_FRAGMENTS) !== 0;
    if (fin && !fragments) return this.writeMessage(opcode, payload, compress);
    this.writeFrame((fin ? 0x80 : 0) | (fragments ? Opcode.Continuation : opcode), payload);
    this.#flags = fin ? this.#flags & ~SENDING_FRAGMENTS : this.#flags | SENDING_FRAGMENTS;
    if (fin) this.releaseHeld(true);
    return payload.length;
  }

  /** Answers pings automatically (the default) or leaves that to the face (sendPong). */
  setAutoPong(on: boolean): void {
    this.#flags = on ? this.#flags | AUTO_PONG : this.#flags & ~AUTO_PONG;
  }

  /** Queues a pong (an unsolicited one is a heartbeat, RFC 6455 §5.5.3); clipped to 125 bytes. */
  sendPong(payload: Uint8Array): void {
    if ((this.#flags & CLOSE_SENT) !== 0) return;
    this.writeFrame(0x80 | Opcode.Pong, payload.length > Limits.MAX_CONTROL_PAYLOAD ? payload.subarray(0, Limits.MAX_CONTROL_PAYLOAD) : payload);
  }

  /** Queues a ping; the payload is clipped to 125 bytes (RFC 6455 §5.5). */
  sendPing(payload: Uint8Array): void {
    if ((this.#flags & CLOSE_SENT) !== 0) return;
    const p = payload.length > Limits.MAX_CONTROL_PAYLOAD ? payload.subarray(0, Limits.MAX_CONTROL_PAYLOAD) : payload;
    this.#pingSentAt = this.#now();
    this.writeFrame(0x80 | Opcode.Ping, p);
  }

  /** Queues a close frame (once); the reason is cut to 123 bytes on a code-point boundary. */
  sendClose(code: number, reason: string): void {
    if ((this.#flags & CLOSE_SENT) !== 0) return;
    const payload = code === 0 ? EMPTY : closePayload(code, reason);
    // the message under way can never end now: what waited for it is not sent (no data after a close)
    this.releaseHeld(false);
    this.#flags |= CLOSE_SENT;
    this.writeFrame(0x80 | Opcode.Close, payload);
  }

  /** Fails the connection with a close code (RFC 6455 §7.1.7), reported as a protocol error. */
  fail(code: number, reason: string): void {
    this.sendClose(code, reason);
    this.#handler.onProtocolError(code, reason);
  }

  /** Drops every queued outgoing byte and stops dispatching incoming data (abort). */
  stop(): void {
    this.#flags |= STOPPED;
    this.releaseHeld(false);
    this.outbox.clear();
  }
}
