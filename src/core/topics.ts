/**
 * Topics on one server: which connections subscribe to which topic, and the local fan-out of a
 * publish. Face-neutral: it knows connections only as opaque endpoints and reaches them through
 * a {@link TopicDelivery} the face supplies, so neither face's public class grows internals.
 *
 * A publish builds its frames ONCE (server frames are unmasked, so the same bytes serve every
 * peer) and hands them by reference to each subscriber; subscribers whose permessage-deflate
 * agreement has no server context takeover share one compressed copy per set of zlib settings.
 * Everything is synchronous: what a connection receives through publishes and direct sends is
 * queued in call order, and a subscribe or unsubscribe applies to every later publish.
 * @module
 */
import { Opcode } from '../codec/constants';
import { encodeFrame } from '../codec';
import { InvalidArgumentError } from '../errors';

/** A compressor that keeps no context between messages: same key → same bytes for a message. */
export interface SharedCompressor {
  /** Identifies the zlib settings (window, level, memory, threshold). */
  readonly sharedKey: string;
  /** The DEFLATE data of a whole message, or null to send it uncompressed (RFC 7692 §7.2.1). */
  compress(message: Uint8Array): Buffer | null;
}

/** How the registry reaches one endpoint (supplied by the face). */
export interface TopicDelivery<E> {
  /**
   * Queues frames encoded once for many, by reference.
   * @returns false when the endpoint took nothing (closing, or dropped under its write cap)
   */
  write(endpoint: E, frames: readonly Buffer[]): boolean;
  /** The endpoint's compressor when it compresses without context takeover, else null. */
  sharedCompressor(endpoint: E): SharedCompressor | null;
}

/** Longest topic name, in UTF-16 code units (a bound on memory per subscription). */
export const MAX_TOPIC_LENGTH = 1024;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks a topic name: a non-empty string of at most {@link MAX_TOPIC_LENGTH} code units with no
 * lone surrogate (UTF-8 would turn it into U+FFFD, so two topics would meet on one broker channel).
 * @throws InvalidArgumentError otherwise
 */
export function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') throw new InvalidArgumentError('A topic must be a string');
  if (topic.length === 0) throw new InvalidArgumentError('A topic must not be empty');
  if (topic.length > MAX_TOPIC_LENGTH) throw new InvalidArgumentError(`A topic is at most ${MAX_TOPIC_LENGTH} characters long`);
  if (LONE_SURROGATE.test(topic)) throw new InvalidArgumentError('A topic must be well-formed Unicode (it has a lone surrogate)');
}

/** A message to publish as its payload bytes and whether it is text. */
export interface PublishMessage {
  payload: Buffer;
  text: boolean;
  /** false: never compressed, even for subscribers with permessage-deflate (default true). */
  compress?: boolean;
}

/**
 * The payload of a publish (text is UTF-8 encoded once).
 * @throws InvalidArgumentError for anything but a string or a Uint8Array
 */
export function publishMessageOf(message: unknown): PublishMessage {
  if (typeof message === 'string') return { payload: Buffer.from(message, 'utf8'), text: true };
  if (message instanceof Uint8Array) {
    return { payload: Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength), text: false };
  }
  throw new InvalidArgumentError('A published message must be a string or a Buffer/Uint8Array');
}

/**
 * One message as frames of at most `max` payload bytes (RFC 6455 §5.4); `rsv1` marks a
 * compressed message on its first frame only (RFC 7692 §6.1).
 */
export function frameMessage(payload: Buffer, opcode: number, rsv1: number, max: number): Buffer[] {
  if (payload.length <= max) return [encodeFrame(0x80 | rsv1 | opcode, payload, false, 0)];
  const frames: Buffer[] = [];
  for (let off = 0; off < payload.length; off += max) {
    const end = Math.min(off + max, payload.length);
    frames.push(encodeFrame((end === payload.length ? 0x80 : 0) | (off === 0 ? rsv1 | opcode : Opcode.Continuation), payload.subarray(off, end), false, 0));
  }
  return frames;
}

/** Called when a topic gains its first local subscriber or loses its last one. */
export interface TopicListener {
  topicAdded(topic: string): void;
  topicRemoved(topic: string): void;
}

/** The topics of one server: topic → subscribers, endpoint → topics. */
export class TopicRegistry<E extends object> {
  readonly #delivery: TopicDelivery<E>;
  readonly #subscribers = new Map<string, Set<E>>();
  readonly #topicsOf = new Map<E, Set<string>>();
  #listener: TopicListener | null = null;

  constructor(delivery: TopicDelivery<E>) {
    this.#delivery = delivery;
  }

  /** Who hears when a topic appears or disappears locally (the broker link); null for nobody. */
  setListener(listener: TopicListener | null): void {
    this.#listener = listener;
  }

  /** Every topic with at least one local subscriber. */
  topics(): IterableIterator<string> {
    return this.#subscribers.keys();
  }

  /** @returns true when the endpoint was not subscribed yet */
  subscribe(endpoint: E, topic: string): boolean {
    checkTopic(topic);
    let set = this.#subscribers.get(topic);
    if (set === undefined) {
      set = new Set();
      this.#subscribers.set(topic, set);
      this.#listener?.topicAdded(topic);
    } else if (set.has(endpoint)) {
      return false;
    }
    set.add(endpoint);
    let mine = this.#topicsOf.get(endpoint);
    if (mine === undefined) this.#topicsOf.set(endpoint, (mine = new Set()));
    mine.add(topic);
    return true;
  }

  /** @returns true when the endpoint was subscribed */
  unsubscribe(endpoint: E, topic: string): boolean {
    checkTopic(topic);
    const mine = this.#topicsOf.get(endpoint);
    if (mine === undefined || !mine.delete(topic)) return false;
    if (mine.size === 0) this.#topicsOf.delete(endpoint);
    this.#drop(endpoint, topic);
    return true;
  }

  /** Removes the endpoint from all its topics (it closed). */
  leaveAll(endpoint: E): void {
    const mine = this.#topicsOf.get(endpoint);
    if (mine === undefined) return;
    this.#topicsOf.delete(endpoint);
    for (const topic of mine) this.#drop(endpoint, topic);
  }

  #drop(endpoint: E, topic: string): void {
    const set = this.#subscribers.get(topic);
    if (set === undefined) return;
    set.delete(endpoint);
    if (set.size === 0) {
      this.#subscribers.delete(topic);
      this.#listener?.topicRemoved(topic);
    }
  }

  isSubscribed(endpoint: E, topic: string): boolean {
    return this.#topicsOf.get(endpoint)?.has(topic) ?? false;
  }

  /** The endpoint's topics, in subscription order. */
  subscriptions(endpoint: E): string[] {
    const mine = this.#topicsOf.get(endpoint);
    return mine === undefined ? [] : [...mine];
  }

  /** Local subscribers of a topic. */
  subscriberCount(topic: string): number {
    return this.#subscribers.get(topic)?.size ?? 0;
  }

  /**
   * Queues a message on every local subscriber of `topic` but `except`.
   * @param maxFrame payload bytes per frame (longer messages are fragmented)
   * @returns the number of subscribers it was queued on
   */
  deliver(topic: string, message: PublishMessage, maxFrame: number, except: E | null = null): number {
    const set = this.#subscribers.get(topic);
    if (set === undefined) return 0;
    const opcode = message.text ? Opcode.Text : Opcode.Binary;
    const delivery = this.#delivery;
    let plain: Buffer[] | null = null;
    let compressed: Map<string, Buffer[]> | null = null;
    let n = 0;
    for (const e of set) {
      if (e === except) continue;
      const c = message.compress === false ? null : delivery.sharedCompressor(e);
      let frames: Buffer[] | undefined;
      if (c !== null) {
        frames = (compressed ??= new Map()).get(c.sharedKey);
        if (frames === undefined) {
          const data = c.compress(message.payload);
          frames = data === null ? (plain ??= frameMessage(message.payload, opcode, 0, maxFrame)) : frameMessage(data, opcode, 0x40, maxFrame);
          compressed.set(c.sharedKey, frames);
        }
      } else {
        frames = plain ??= frameMessage(message.payload, opcode, 0, maxFrame);
      }
      if (delivery.write(e, frames)) n++;
    }
    return n;
  }
}
