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
import { nativeTopics } from '../transport/native/nativeTopics';

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
  /**
   * The endpoint's connection id on the native transport, whose topics are walked in C++
   * (transport/native/nativeTopics); -1 when it is on another transport or gone.
   */
  nativeId?(endpoint: E): number;
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

/**
 * A topic's local subscribers: those on the native transport are walked in C++ (the native
 * topic `native`, made with the first of them), the others here.
 */
interface Members<E> {
  js: Set<E>;
  nativeCount: number;
  native: number;
}

/** One endpoint's subscriptions, and its native id while it has any there (-1: none). */
interface Subscriber {
  topics: Set<string>;
  io: number;
}

/** The topics of one server: topic → subscribers, endpoint → topics. */
export class TopicRegistry<E extends object> {
  readonly #delivery: TopicDelivery<E>;
  readonly #subscribers = new Map<string, Members<E>>();
  readonly #topicsOf = new Map<E, Subscriber>();
  /** Native id → endpoint, for the members a native walk leaves to JS. */
  readonly #byIo: Array<E | undefined> = [];
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
    let sub = this.#topicsOf.get(endpoint);
    if (sub?.topics.has(topic) === true) return false;
    let m = this.#subscribers.get(topic);
    if (m === undefined) {
      m = { js: new Set(), nativeCount: 0, native: -1 };
      this.#subscribers.set(topic, m);
      this.#listener?.topicAdded(topic);
    }
    if (sub === undefined) this.#topicsOf.set(endpoint, (sub = { topics: new Set(), io: -1 }));
    sub.topics.add(topic);
    // with a compressor shared by a publish's subscribers, the compressed copy is made here
    const d = this.#delivery;
    const id = d.nativeId?.(endpoint) ?? -1;
    if (id >= 0 && d.sharedCompressor(endpoint) === null && (m.native >= 0 || (m.native = nativeTopics.create()) >= 0) && nativeTopics.add(m.native, id)) {
      m.nativeCount++;
      sub.io = id;
      this.#byIo[id] = endpoint;
    } else {
      m.js.add(endpoint);
    }
    return true;
  }

  /** @returns true when the endpoint was subscribed */
  unsubscribe(endpoint: E, topic: string): boolean {
    checkTopic(topic);
    const sub = this.#topicsOf.get(endpoint);
    if (sub === undefined || !sub.topics.delete(topic)) return false;
    if (sub.topics.size === 0) this.#forget(endpoint, sub);
    this.#drop(endpoint, topic);
    return true;
  }

  /** Removes the endpoint from all its topics (it closed). */
  leaveAll(endpoint: E): void {
    const sub = this.#topicsOf.get(endpoint);
    if (sub === undefined) return;
    this.#forget(endpoint, sub);
    for (const topic of sub.topics) this.#drop(endpoint, topic);
  }

  #forget(endpoint: E, sub: Subscriber): void {
    this.#topicsOf.delete(endpoint);
    // (its id may be another endpoint's by now)
    if (sub.io >= 0 && this.#byIo[sub.io] === endpoint) this.#byIo[sub.io] = undefined;
  }

  #drop(endpoint: E, topic: string): void {
    const m = this.#subscribers.get(topic);
    if (m === undefined) return;
    if (!m.js.delete(endpoint)) {
      m.nativeCount--;
      // a gone connection has left its native topics already (C++ does that before its id is reused)
      const id = this.#delivery.nativeId?.(endpoint) ?? -1;
      if (id >= 0) nativeTopics.remove(m.native, id);
    }
    if (m.js.size === 0 && m.nativeCount === 0) {
      this.#subscribers.delete(topic);
      if (m.native >= 0) nativeTopics.free(m.native);
      this.#listener?.topicRemoved(topic);
    }
  }

  isSubscribed(endpoint: E, topic: string): boolean {
    return this.#topicsOf.get(endpoint)?.topics.has(topic) ?? false;
  }

  /** The endpoint's topics, in subscription order. */
  subscriptions(endpoint: E): string[] {
    const sub = this.#topicsOf.get(endpoint);
    return sub === undefined ? [] : [...sub.topics];
  }

  /** Local subscribers of a topic. */
  subscriberCount(topic: string): number {
    const m = this.#subscribers.get(topic);
    return m === undefined ? 0 : m.js.size + m.nativeCount;
  }

  /**
   * Queues a message on every local subscriber of `topic` but `except`: those on the native
   * transport through the walk in C++ (the members it leaves to JS, and all others, here).
   * @param maxFrame payload bytes per frame (longer messages are fragmented)
   * @returns the number of subscribers it was queued on
   */
  deliver(topic: string, message: PublishMessage, maxFrame: number, except: E | null = null): number {
    const m = this.#subscribers.get(topic);
    if (m === undefined) return 0;
    const opcode = message.text ? Opcode.Text : Opcode.Binary;
    const delivery = this.#delivery;
    let plain: Buffer[] | null = null;
    let n = 0;
    if (m.nativeCount > 0) {
      plain = frameMessage(message.payload, opcode, 0, maxFrame);
      const ex = except === null ? -1 : (delivery.nativeId?.(except) ?? -1);
      n += nativeTopics.publish(m.native, ex, plain, m.nativeCount);
      n += nativeTopics.serveFallback(this.#byIo, plain, (e, f) => delivery.write(e, f));
    }
    let compressed: Map<string, Buffer[]> | null = null;
    for (const e of m.js) {
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
