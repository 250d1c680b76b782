/**
 * A server's topics with their reach beyond the process: the local {@link TopicRegistry} plus,
 * when a broker is set, one broker subscription per topic with local subscribers (reference
 * counted by the registry: the first subscriber subscribes, the last one leaving unsubscribes).
 *
 * A publish is handed to the broker in an envelope naming this server, then queued on the local
 * subscribers; envelopes coming back from the broker with this server's id are skipped,
 * so a local subscriber gets each publish exactly once.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { isValidUtf8 } from '../codec';
import { InvalidArgumentError } from '../errors';
import { ENVELOPE_HEADER_SIZE, NODE_ID_SIZE, decodeEnvelope, encodeEnvelope, type BrokerReceiver, type PubSubBroker } from './broker';
import { TopicRegistry, checkTopic, publishMessageOf, type PublishMessage, type TopicDelivery, type TopicListener } from './topics';

/** Options of a server-side publish. */
export interface PublishOptions {
  /** Deliver on this server only, not through the broker (default false). */
  local?: boolean;
}

/** The topics of one server and its broker link. */
export class TopicHub<E extends object> {
  readonly registry: TopicRegistry<E>;
  readonly #nodeId: Buffer = randomBytes(NODE_ID_SIZE);
  readonly #maxFrame: () => number;
  #broker: PubSubBroker | null = null;

  /** @param maxFrame the server's outgoing frame size, read at each publish */
  constructor(delivery: TopicDelivery<E>, maxFrame: () => number) {
    this.registry = new TopicRegistry(delivery);
    this.#maxFrame = maxFrame;
  }

  /** Envelopes from the broker: ours are skipped (already delivered locally), others fan out. */
  readonly #receive: BrokerReceiver = (topic, envelope) => {
    const e = decodeEnvelope(envelope);
    if (e === null || e.nodeId.equals(this.#nodeId)) return;
    // a text frame must carry UTF-8 (RFC 6455 §8.1): a foreign publisher cannot make us send junk
    if (e.text && !isValidUtf8(e.payload)) return;
    this.registry.deliver(topic, e, this.#maxFrame());
  };

  /** The broker in use, or null. */
  broker(): PubSubBroker | null {
    return this.#broker;
  }

  /** Replaces the broker: the old one loses this server's topics, the new one gets them all. */
  setBroker(broker: PubSubBroker | null): void {
    if (broker !== null && (typeof broker.subscribe !== 'function' || typeof broker.unsubscribe !== 'function' || typeof broker.publish !== 'function')) {
      throw new InvalidArgumentError('A pub/sub broker needs subscribe(), unsubscribe() and publish()');
    }
    const old = this.#broker;
    if (old === broker) return;
    if (old !== null) for (const t of this.registry.topics()) old.unsubscribe(t, this.#receive);
    this.#broker = broker;
    this.registry.setListener(broker === null ? null : this.#brokerLink);
    if (broker !== null) for (const t of this.registry.topics()) broker.subscribe(t, this.#receive);
  }

  /**
   * The registry's first subscriber / last leaver of a topic (un)subscribes this server at the
   * broker. An object of its own, not methods of the hub: the hub's declarations are public.
   */
  readonly #brokerLink: TopicListener = {
    topicAdded: (topic) => this.#broker?.subscribe(topic, this.#receive),
    topicRemoved: (topic) => this.#broker?.unsubscribe(topic, this.#receive),
  };

  /**
   * Publishes to every subscriber of the topic here (but `except`) and, through the broker,
   * on every other server.
   * @returns the number of local subscribers it was queued on
   * @throws InvalidArgumentError for a bad topic or message, or one too large for the broker
   */
  publish(topic: string, message: unknown, options: PublishOptions | undefined, except: E | null): number {
    checkTopic(topic);
    return this.#publish(topic, publishMessageOf(message), options, except);
  }

  /**
   * As {@link publish}, for a message the face has already turned into bytes (the ws face:
   * ws's data types and its `binary` and `compress` options).
   * @throws InvalidArgumentError for a bad topic, or a message too large for the broker
   */
  publishMessage(topic: string, message: PublishMessage, options: PublishOptions | undefined, except: E | null): number {
    checkTopic(topic);
    return this.#publish(topic, message, options, except);
  }

  #publish(topic: string, m: PublishMessage, options: PublishOptions | undefined, except: E | null): number {
    const broker = options?.local === true ? null : this.#broker;
    if (broker !== null && m.payload.length + ENVELOPE_HEADER_SIZE > broker.maxMessageSize) {
      throw new InvalidArgumentError(`A message of ${m.payload.length} bytes is over the broker's limit (maxMessageSize ${broker.maxMessageSize} bytes, ${ENVELOPE_HEADER_SIZE} of them for the envelope)`);
    }
    // the broker first: its write to the other servers then leaves before the local fan-out's
    // writes (transports write collected publishes later in the loop iteration; see
    // transport/native/sharedWrites), so remote subscribers do not wait for local ones
    if (broker !== null) broker.publish(topic, encodeEnvelope(this.#nodeId, m.payload, m.text, m.compress !== false));
    return this.registry.deliver(topic, m, this.#maxFrame(), except);
  }
}
