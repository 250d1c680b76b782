/**
 * The settings of one connection that a face lets its user change at any time — incoming frame
 * and message limits, the outgoing frame size, the read buffer size, the write cap and drained
 * watermarks, the client's mask source — with their validation, kept face-neutral so that a
 * socket and the server that hands sockets out check and apply them the same way. A setting
 * changed while an {@link Endpoint} runs applies to it at once; {@link EndpointSettings.open}
 * starts an endpoint with all of them.
 * @module
 */
import { Limits } from '../codec/constants';
import { InvalidArgumentError } from '../errors';
import type { MaskSource } from '../protocol/session';
import { DEFAULT_WRITE_LIMITS, type BufferPolicy, type WriteLimits } from '../transport/writeLimits';
import type { TransportSocket } from '../transport/openConnection';
import { Endpoint, type EndpointEvents } from './endpoint';
import type { DeflateSetting } from './request';

/**
 * @returns `value` when it is an integer in 0..max
 * @throws InvalidArgumentError otherwise
 */
function checkSize(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer between 0 and ${max}, got ${String(value)}`);
  }
  return value;
}

/** See the module comment. Setters validate before anything changes; `live` is the endpoint running now, if any. */
export class EndpointSettings {
  // our defaults, not Qt's 2 GiB and no cap (README "Limits and defaults")
  #maxFrame: number = Limits.DEFAULT_MAX_INCOMING_FRAME_SIZE;
  #maxMessage: number = Limits.DEFAULT_MAX_INCOMING_MESSAGE_SIZE;
  #outgoingFrameSize: number = Limits.DEFAULT_OUTGOING_FRAME_SIZE;
  #readBufferSize = 0;
  /** Frozen and replaced as a whole: connections share the default object. */
  #writeLimits: WriteLimits = DEFAULT_WRITE_LIMITS;
  /** null: the codec's crypto-random pool. */
  #maskSource: MaskSource | null = null;

  /** A copy: a server's settings become each accepted connection's own. */
  copy(): EndpointSettings {
    const c = new EndpointSettings();
    c.#maxFrame = this.#maxFrame;
    c.#maxMessage = this.#maxMessage;
    c.#outgoingFrameSize = this.#outgoingFrameSize;
    c.#readBufferSize = this.#readBufferSize;
    c.#writeLimits = this.#writeLimits;
    c.#maskSource = this.#maskSource;
    return c;
  }

  /** Starts an endpoint on `socket` with these settings (the mask source only on a client). */
  open(socket: TransportSocket, events: EndpointEvents, server: boolean, deflate: DeflateSetting | null): Endpoint {
    return new Endpoint(socket, events, {
      server,
      maxFrameSize: this.#maxFrame,
      maxMessageSize: this.#maxMessage,
      outgoingFrameSize: this.#outgoingFrameSize,
      readBufferSize: this.#readBufferSize,
      deflate,
      maskSource: server ? null : this.#maskSource,
      writeLimits: this.#writeLimits,
    });
  }

  get maxFrameSize(): number {
    return this.#maxFrame;
  }
  /** @throws InvalidArgumentError outside 0..Limits.MAX_INCOMING_FRAME_SIZE */
  setMaxFrameSize(size: number, live: Endpoint | null): void {
    this.#maxFrame = checkSize('maxAllowedIncomingFrameSize', size, Limits.MAX_INCOMING_FRAME_SIZE);
    live?.setLimits(this.#maxFrame, this.#maxMessage);
  }
  get maxMessageSize(): number {
    return this.#maxMessage;
  }
  /** @throws InvalidArgumentError outside 0..Limits.MAX_INCOMING_MESSAGE_SIZE */
  setMaxMessageSize(size: number, live: Endpoint | null): void {
    this.#maxMessage = checkSize('maxAllowedIncomingMessageSize', size, Limits.MAX_INCOMING_MESSAGE_SIZE);
    live?.setLimits(this.#maxFrame, this.#maxMessage);
  }
  get outgoingFrameSize(): number {
    return this.#outgoingFrameSize;
  }
  /** @throws InvalidArgumentError outside 1..Limits.MAX_OUTGOING_FRAME_SIZE */
  setOutgoingFrameSize(size: number, live: Endpoint | null): void {
    if (size === 0) throw new InvalidArgumentError('outgoingFrameSize must be at least 1');
    this.#outgoingFrameSize = checkSize('outgoingFrameSize', size, Limits.MAX_OUTGOING_FRAME_SIZE);
    live?.setOutgoingFrameSize(this.#outgoingFrameSize);
  }
  get readBufferSize(): number {
    return this.#readBufferSize;
  }
  /** @throws InvalidArgumentError for a negative or non-integer size */
  setReadBufferSize(size: number, live: Endpoint | null): void {
    this.#readBufferSize = checkSize('readBufferSize', size, Number.MAX_SAFE_INTEGER);
    live?.setReadBufferSize(this.#readBufferSize);
  }
  get writeLimits(): WriteLimits {
    return this.#writeLimits;
  }
  /** @throws InvalidArgumentError for a negative size or a policy other than 'close' and 'pause' */
  setMaxBufferedBytes(maxBytes: number, policy: BufferPolicy, live: Endpoint | null): void {
    const cap = checkSize('maxBufferedBytes', maxBytes, Number.MAX_SAFE_INTEGER);
    if (policy !== 'close' && policy !== 'pause') throw new InvalidArgumentError("policy must be 'close' or 'pause'");
    this.#setWriteLimits({ ...this.#writeLimits, maxBufferedBytes: cap, policy }, live);
  }
  /** @throws InvalidArgumentError unless 0 <= low <= high */
  setWriteWatermarks(high: number, low: number, live: Endpoint | null): void {
    const h = checkSize('writeHighWatermark', high, Number.MAX_SAFE_INTEGER);
    const l = checkSize('writeLowWatermark', low, h);
    this.#setWriteLimits({ ...this.#writeLimits, highWater: h, lowWater: l }, live);
  }
  #setWriteLimits(limits: WriteLimits, live: Endpoint | null): void {
    this.#writeLimits = Object.freeze(limits);
    live?.setWriteLimits(this.#writeLimits);
  }
  /** The client's mask-key source; null for the codec's pool. */
  get maskSource(): MaskSource | null {
    return this.#maskSource;
  }
  setMaskSource(source: MaskSource | null, live: Endpoint | null): void {
    this.#maskSource = source;
    live?.setMaskSource(source);
  }
}
