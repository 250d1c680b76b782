/**
 * `qwebsocket/redis`: a {@link PubSubBroker} on Redis pub/sub, or on a Redis Cluster's sharded
 * pub/sub (SSUBSCRIBE/SPUBLISH, Redis 7), over node-redis (the `redis` package, an optional peer
 * dependency: the core never loads it).
 *
 * Why node-redis: it is the client Redis itself maintains (ioredis's maintainers point new
 * projects to it), its cluster client routes sharded subscriptions by slot and moves them when
 * slots move, and it resubscribes every channel after a reconnect.
 *
 * Delivery is at most once, as Redis pub/sub's: while Redis is unreachable, publishes are
 * dropped (counted in {@link RedisBroker.stats}), local delivery goes on, and the broker
 * reconnects with exponential backoff and resubscribes; `down` and `up` events tell the app,
 * which can resend what matters (e.g. from its own store) on `up`.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { BrokerReceiver, PubSubBroker } from '../core/broker';
import { InvalidArgumentError } from '../errors';

/** The node-redis calls this broker makes (standalone client or cluster client). */
interface RedisConnection {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  duplicate(overrides?: object): RedisConnection;
  on(event: string, listener: (...args: never[]) => void): unknown;
  close(): Promise<unknown>;
  destroy(): void;
}
type BufferListener = (message: Buffer, channel: Buffer) => void;
type PublishFn = (channel: string, message: Buffer) => Promise<unknown>;
type SubscribeFn = (channel: string, listener: BufferListener, bufferMode: true) => Promise<unknown>;

/** Options of {@link RedisBroker}. */
export interface RedisBrokerOptions {
  /** redis:// (or rediss://) URL; with `cluster: true`, one or more nodes of the cluster. */
  url?: string | string[];
  /**
   * A node-redis client (or cluster client with `cluster: true`) to share; the broker publishes
   * on it and subscribes on a duplicate of it. Closing the broker leaves it open.
   */
  client?: unknown;
  /** Use a Redis Cluster with sharded pub/sub (SSUBSCRIBE/SPUBLISH). Default false. */
  cluster?: boolean;
  /** Prefix of the Redis channel names (one topic → channel prefix+topic). Default 'qws:'. */
  prefix?: string;
  /** Largest envelope carried, bytes (default 8 MiB: Redis's soft output limit for pub/sub clients). */
  maxMessageSize?: number;
  /** Publishes awaiting Redis's reply at most; beyond, new ones are dropped (default 10000). */
  maxPendingPublishes?: number;
  /** Reconnect backoff: first delay and ceiling in ms (defaults 50 and 2000), with jitter. */
  reconnectDelayMs?: { min?: number; max?: number };
}

/** Counters of one broker. */
export interface RedisBrokerStats {
  /** Envelopes handed to Redis. */
  published: number;
  /** Envelopes dropped: Redis down, or too many awaiting a reply. */
  dropped: number;
  /** Envelopes received from Redis. */
  received: number;
  /** Topics with a Redis subscription (one per topic, whatever the number of sockets). */
  topics: number;
}

/** Signals of {@link RedisBroker}; it never emits 'error'. */
export interface RedisBrokerEvents {
  /** Redis became unreachable (a connection broke or could not be made). */
  down: [error: Error | null];
  /** Every connection is ready again and every live topic resubscribed (also the first time). */
  up: [];
}

const DEFAULT_MAX_MESSAGE = 8 * 1024 * 1024;
const DEFAULT_MAX_PENDING = 10_000;

function loadRedis(): { createClient(o: object): RedisConnection; createCluster(o: object): RedisConnection } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('redis');
  } catch {
    throw new InvalidArgumentError("RedisBroker needs the 'redis' package (node-redis 5 or later): npm install redis");
  }
}

/** Stops a connection that may already be closed (node-redis throws then). */
function destroyQuietly(c: RedisConnection): void {
  try {
    c.destroy();
  } catch {
    // already closed
  }
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`RedisBroker: ${name} must be a positive integer`);
  return v;
}

/**
 * A pub/sub broker on Redis: `server.setPubSubBroker(new RedisBroker({ url }))`. One broker
 * can serve several servers of a process; it holds one Redis subscription per topic.
 */
export class RedisBroker extends EventEmitter<RedisBrokerEvents> implements PubSubBroker {
  readonly maxMessageSize: number;
  readonly #prefix: string;
  readonly #prefixBytes: number;
  readonly #maxPending: number;
  readonly #pub: RedisConnection;
  readonly #sub: RedisConnection;
  readonly #ownsPub: boolean;
  readonly #publish: PublishFn;
  readonly #subscribe: SubscribeFn;
  readonly #unsubscribe: SubscribeFn;
  readonly #receivers = new Map<string, Set<BrokerReceiver>>();
  /** Connections (standalone, or cluster nodes) known to be down, by a name. */
  readonly #downs = new Set<string>();
  #up = false;
  #closed = false;
  #pending = 0;
  #stats = { published: 0, dropped: 0, received: 0 };
  readonly #ready: Promise<void>;

  /** @throws InvalidArgumentError for bad options, or when the `redis` package is missing */
  constructor(options: RedisBrokerOptions) {
    super();
    const o = options ?? {};
    const cluster = o.cluster === true;
    this.#prefix = o.prefix ?? 'qws:';
    if (typeof this.#prefix !== 'string') throw new InvalidArgumentError('RedisBroker: prefix must be a string');
    this.#prefixBytes = Buffer.byteLength(this.#prefix);
    this.maxMessageSize = positiveInt('maxMessageSize', o.maxMessageSize, DEFAULT_MAX_MESSAGE);
    this.#maxPending = positiveInt('maxPendingPublishes', o.maxPendingPublishes, DEFAULT_MAX_PENDING);
    const min = positiveInt('reconnectDelayMs.min', o.reconnectDelayMs?.min, 50);
    const max = Math.max(min, positiveInt('reconnectDelayMs.max', o.reconnectDelayMs?.max, 2000));
    // exponential backoff with jitter, so many servers do not reconnect in lockstep
    const reconnectStrategy = (retries: number): number => Math.min(max, min * 2 ** Math.min(retries, 16)) * (0.75 + Math.random() / 2);
    const socket = { reconnectStrategy };
    if (o.client !== undefined) {
      const c = o.client as RedisConnection;
      if (typeof c?.duplicate !== 'function' || typeof c.connect !== 'function') throw new InvalidArgumentError('RedisBroker: client must be a node-redis client');
      this.#pub = c;
      this.#ownsPub = false;
    } else {
      const urls = o.url === undefined ? [] : Array.isArray(o.url) ? o.url : [o.url];
      if (urls.length === 0 || urls.some((u) => typeof u !== 'string')) throw new InvalidArgumentError('RedisBroker needs a url (or a client)');
      if (!cluster && urls.length > 1) throw new InvalidArgumentError('RedisBroker: several urls are for cluster: true');
      const redis = loadRedis();
      // publishes while disconnected are dropped at once (at most once), never queued offline
      this.#pub = cluster
        ? redis.createCluster({ rootNodes: urls.map((url) => ({ url })), defaults: { socket, disableOfflineQueue: true } })
        : redis.createClient({ url: urls[0], socket, disableOfflineQueue: true });
      this.#ownsPub = true;
    }
    // subscriptions made while down wait in the offline queue (one per topic: bounded)
    this.#sub = cluster ? this.#pub.duplicate({ defaults: { socket, disableOfflineQueue: false } }) : this.#pub.duplicate({ socket, disableOfflineQueue: false });
    const pub = this.#pub as unknown as Record<string, unknown>;
    const sub = this.#sub as unknown as Record<string, unknown>;
    this.#publish = ((cluster ? pub.sPublish : pub.publish) as PublishFn).bind(this.#pub);
    this.#subscribe = ((cluster ? sub.sSubscribe : sub.subscribe) as SubscribeFn).bind(this.#sub);
    this.#unsubscribe = ((cluster ? sub.sUnsubscribe : sub.unsubscribe) as SubscribeFn).bind(this.#sub);
    this.#watch(this.#pub, 'pub', cluster);
    this.#watch(this.#sub, 'sub', cluster);
    this.#ready = Promise.all([this.#open(this.#pub), this.#open(this.#sub)]).then(() => this.#check());
  }

  #open(c: RedisConnection): Promise<void> {
    if (c.isOpen) return Promise.resolve();
    // node-redis keeps retrying by the strategy; its errors arrive as 'error' events (watched)
    return c.connect().then(
      () => undefined,
      () => undefined,
    );
  }

  /** Follows the connection's health; 'error' is always listened to, so it never throws. */
  #watch(c: RedisConnection, name: string, cluster: boolean): void {
    // a cluster client's own 'error' names no node: its nodes' events below carry the state
    c.on('error', (err: Error) => cluster || this.#mark(name, false, err));
    if (cluster) {
      const key = (info: { host?: string; port?: number }): string => `${name}:${info?.host}:${info?.port}`;
      c.on('node-error', (err: Error, info: { host?: string; port?: number }) => this.#mark(key(info), false, err));
      c.on('node-reconnecting', (info: { host?: string; port?: number }) => this.#mark(key(info), false, null));
      c.on('node-disconnect', (info: { host?: string; port?: number }) => this.#closed || this.#mark(key(info), false, null));
      c.on('node-ready', (info: { host?: string; port?: number }) => this.#mark(key(info), true, null));
    } else {
      c.on('reconnecting', () => this.#mark(name, false, null));
      c.on('end', () => this.#closed || this.#mark(name, false, null));
      c.on('ready', () => this.#mark(name, true, null));
    }
  }

  #mark(name: string, ready: boolean, err: Error | null): void {
    if (ready) this.#downs.delete(name);
    else this.#downs.add(name);
    if (!ready && this.#up) {
      this.#up = false;
      this.emit('down', err);
    } else if (ready) {
      this.#check();
    }
  }

  #check(): void {
    if (this.#closed || this.#up || this.#downs.size > 0 || !this.#pub.isReady || !this.#sub.isReady) return;
    this.#up = true;
    this.emit('up');
  }

  /** Resolves once Redis has been reached (it keeps trying; it never rejects). */
  async ready(): Promise<void> {
    await this.#ready;
    while (!this.#up && !this.#closed) await new Promise<void>((r) => this.once('up', r));
  }

  /** True while every connection to Redis is ready. */
  isUp(): boolean {
    return this.#up;
  }

  /** The counters (see {@link RedisBrokerStats}). */
  stats(): RedisBrokerStats {
    return { ...this.#stats, topics: this.#receivers.size };
  }

  readonly #onMessage: BufferListener = (message, channel) => {
    const topic = channel.toString('utf8', this.#prefixBytes);
    const set = this.#receivers.get(topic);
    if (set === undefined) return;
    this.#stats.received++;
    for (const r of set) r(topic, message);
  };

  subscribe(topic: string, receiver: BrokerReceiver): void {
    if (this.#closed) return;
    let set = this.#receivers.get(topic);
    if (set === undefined) {
      this.#receivers.set(topic, (set = new Set()));
      // a failure (connection lost meanwhile) is retried by node-redis's resubscribe on reconnect
      this.#subscribe(this.#prefix + topic, this.#onMessage, true).catch(() => {});
    }
    set.add(receiver);
  }

  unsubscribe(topic: string, receiver: BrokerReceiver): void {
    const set = this.#receivers.get(topic);
    if (set === undefined || !set.delete(receiver) || set.size > 0) return;
    this.#receivers.delete(topic);
    if (!this.#closed) this.#unsubscribe(this.#prefix + topic, this.#onMessage, true).catch(() => {});
  }

  readonly #settled = (): void => {
    this.#pending--;
  };
  readonly #failed = (): void => {
    this.#pending--;
    this.#stats.dropped++;
  };

  publish(topic: string, envelope: Buffer): boolean {
    if (this.#closed || !this.#pub.isReady || this.#pending >= this.#maxPending) {
      this.#stats.dropped++;
      return false;
    }
    this.#pending++;
    this.#stats.published++;
    this.#publish(this.#prefix + topic, envelope).then(this.#settled, this.#failed);
    return true;
  }

  /** Closes the broker's Redis connections (a shared client stays open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#up = false;
    this.#receivers.clear();
    const conns = this.#ownsPub ? [this.#sub, this.#pub] : [this.#sub];
    await Promise.all(conns.map((c) => (c.isOpen ? c.close().catch(() => destroyQuietly(c)) : destroyQuietly(c))));
  }
}
