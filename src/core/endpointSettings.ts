/**
 * The settings of one connection that a face lets its user change at any time — incoming frame
 * and message limits, the outgoing frame size, the read buffer size, the write cap and drained
 * watermarks, the client's mask source — with their validation, kept face-neutral so that a
 * socket and the server that hands sockets out check and apply them the same way. A value: a
 * change makes a new object (applied at once to the {@link Endpoint} running, if any), so a
 * server's connections share its object — and every client the default one — until one of them
 * changes a setting (no object per connection). {@link EndpointSettings.open} starts an endpoint.
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

/**
 * See the module comment. Each `with…` validates, then returns the changed copy; `live` is the
 * endpoint running now, if any.
 */
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

  #copy(): EndpointSettings {
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
  withMaxFrameSize(size: number, live: Endpoint | null): EndpointSettings {
    const c = this.#copy();
    c.#maxFrame = checkSize('maxAllowedIncomingFrameSize', size, Limits.MAX_INCOMING_FRAME_SIZE);
    live?.setLimits(c.#maxFrame, c.#maxMessage);
    return c;
  }
  get maxMessageSize(): number {
    return this.#maxMessage;
  }
  /** @throws InvalidArgumentError outside 0..Limits.MAX_INCOMING_MESSAGE_SIZE */
  withMaxMessageSize(size: number, live: Endpoint | null): EndpointSettings {
    const c = this.#copy();
    c.#maxMessage = checkSize('maxAllowedIncomingMessageSize', size, Limits.MAX_INCOMING_MESSAGE_SIZE);
    live?.setLimits(c.#maxFrame, c.#maxMessage);
    return c;
  }
  get outgoingFrameSize(): number {
    return this.#outgoingFrameSize;
  }
  /** @throws InvalidArgumentError outside 1..Limits.MAX_OUTGOING_FRAME_SIZE */
  withOutgoingFrameSize(size: number, live: Endpoint | null): EndpointSettings {
    if (size === 0) throw new InvalidArgumentError('outgoingFrameSize must be at least 1');
    const c = this.#copy();
    c.#outgoingFrameSize = checkSize('outgoingFrameSize', size, Limits.MAX_OUTGOING_FRAME_SIZE);
    live?.setOutgoingFrameSize(c.#outgoingFrameSize);
    return c;
  }
  get readBufferSize(): number {
    return this.#readBufferSize;
  }
  /** @throws InvalidArgumentError for a negative or non-integer size */
  withReadBufferSize(size: number, live: Endpoint | null): EndpointSettings {
    const c = this.#copy();
    c.#readBufferSize = checkSize('readBufferSize', size, Number.MAX_SAFE_INTEGER);
    live?.setReadBufferSize(c.#readBufferSize);
    return c;
  }
  get writeLimits(): WriteLimits {
    return this.#writeLimits;
  }
  /** @throws InvalidArgumentError for a negative size or a policy other than 'close' and 'pause' */
  withMaxBufferedBytes(maxBytes: number, policy: BufferPolicy, live: Endpoint | null): EndpointSettings {
    const cap = checkSize('maxBufferedBytes', maxBytes, Number.MAX_SAFE_INTEGER);
    if (policy !== 'close' && policy !== 'pause') throw new InvalidArgumentError("policy must be 'close' or 'pause'");
    return this.#withWriteLimits({ ...this.#writeLimits, maxBufferedBytes: cap, policy }, live);
  }
  /** @throws InvalidArgumentError unless 0 <= low <= high */
  withWriteWatermarks(high: number, low: number, live: Endpoint | null): EndpointSettings {
    const h = checkSize('writeHighWatermark', high, Number.MAX_SAFE_INTEGER);
    const l = checkSize('writeLowWatermark', low, h);
    return this.#withWriteLimits({ ...this.#writeLimits, highWater: h, lowWater: l }, live);
  }
  #withWriteLimits(limits: WriteLimits, live: Endpoint | null): EndpointSettings {
    const c = this.#copy();
    c.#writeLimits = Object.freeze(limits);
    live?.setWriteLimits(c.#writeLimits);
    return c;
  }
  /** The client's mask-key source; null for the codec's pool. */
  get maskSource(): MaskSource | null {
    return this.#maskSource;
  }
  withMaskSource(source: MaskSource | null, live: Endpoint | null): EndpointSettings {
    const c = this.#copy();
    c.#maskSource = source;
    live?.setMaskSource(source);
    return c;
  }
}

/** Our defaults, shared by every connection that changes none. */
export const DEFAULT_SETTINGS = new EndpointSettings();
