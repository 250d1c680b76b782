/**
 * The pub/sub broker interface (how servers in other processes and on other machines hear a
 * publish) and the envelope a publish travels in.
 *
 * A broker carries opaque envelopes on named topics, at most once, like Redis pub/sub: a server
 * subscribes a topic when it gains its first local subscriber and unsubscribes when it loses the
 * last one, so the broker sees one subscription per topic per server, never one per socket.
 * @module
 */

/** Receives the envelopes published on a topic by any server. */
export type BrokerReceiver = (topic: string, envelope: Buffer) => void;

/**
 * What `setPubSubBroker` needs. Implement it to put topics on another bus (NATS, Kafka, …);
 * `qwebsocket/redis` ships one for Redis and Redis Cluster.
 */
export interface PubSubBroker {
  /** The largest envelope (message + {@link ENVELOPE_HEADER_SIZE} bytes) it can carry. */
  readonly maxMessageSize: number;
  /**
   * Starts handing the topic's envelopes to `receiver`. Called once per topic per server; a
   * broker shared by several servers of one process should hold one upstream subscription.
   */
  subscribe(topic: string, receiver: BrokerReceiver): void;
  /** Stops handing the topic's envelopes to `receiver`. */
  unsubscribe(topic: string, receiver: BrokerReceiver): void;
  /**
   * Sends an envelope to every server subscribed to the topic, this one included (it skips
   * its own). Must not throw for a broker that is down: it drops the envelope instead.
   * @returns false when the envelope was dropped (broker down, or its queue full)
   */
  publish(topic: string, envelope: Buffer): boolean;
}

/**
 * Envelope: 1 byte version and flags (binary; not to be compressed), 8 bytes of the publishing
 * server's id, the payload.
 */
export const ENVELOPE_HEADER_SIZE = 9;
const VERSION = 0x10;
const VERSION_MASK = 0xf0;
const FLAG_BINARY = 0x01;
const FLAG_UNCOMPRESSED = 0x02;
export const NODE_ID_SIZE = 8;

/** The envelope of one publish from server `nodeId` (`compress` false: sent uncompressed everywhere). */
export function encodeEnvelope(nodeId: Buffer, payload: Buffer, text: boolean, compress = true): Buffer {
  const out = Buffer.allocUnsafe(ENVELOPE_HEADER_SIZE + payload.length);
  out[0] = VERSION | (text ? 0 : FLAG_BINARY) | (compress ? 0 : FLAG_UNCOMPRESSED);
  nodeId.copy(out, 1);
  payload.copy(out, ENVELOPE_HEADER_SIZE);
  return out;
}

/** A decoded envelope (its payload is a view of the envelope's bytes). */
export interface Envelope {
  nodeId: Buffer;
  payload: Buffer;
  text: boolean;
  compress: boolean;
}

/** @returns the envelope, or null when the bytes are not one of ours (another version, too short) */
export function decodeEnvelope(bytes: Buffer): Envelope | null {
  if (bytes.length < ENVELOPE_HEADER_SIZE || (bytes[0] & VERSION_MASK) !== VERSION) return null;
  return {
    nodeId: bytes.subarray(1, ENVELOPE_HEADER_SIZE),
    payload: bytes.subarray(ENVELOPE_HEADER_SIZE),
    text: (bytes[0] & FLAG_BINARY) === 0,
    compress: (bytes[0] & FLAG_UNCOMPRESSED) === 0,
  };
}
