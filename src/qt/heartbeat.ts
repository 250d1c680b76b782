/**
 * A server's heartbeat: one timer for all its connections (not one per socket), pinging each
 * every interval and aborting one that has not answered the previous ping.
 * @module
 */
import { InvalidArgumentError } from '../errors';

/** The part of a WebSocket the heartbeat uses. */
export interface Beating {
  ping(): void;
  abort(): void;
  on(event: 'pong', listener: () => void): unknown;
  listenerCount(event: 'pong'): number;
}

/** See the module comment. */
export class Heartbeat<W extends Beating> {
  readonly #connections: Iterable<W>;
  #timer: NodeJS.Timeout | null = null;
  #awaitingPong = new Set<W>();
  /** Connections our pong listener is on (one listener per connection, added on its first beat). */
  #hooked = new WeakSet<W>();

  /** @param connections the server's open connections, read at each beat */
  constructor(connections: Iterable<W>) {
    this.#connections = connections;
  }

  /**
   * Beats every `ms` milliseconds from now; 0 stops.
   * @throws InvalidArgumentError for a negative or non-integer interval
   */
  setInterval(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0) throw new InvalidArgumentError('heartbeat interval must be a non-negative integer (ms)');
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#awaitingPong.clear();
    if (ms === 0) return;
    this.#timer = setInterval(() => this.#beat(), ms);
    // a heartbeat alone does not keep the process alive
    this.#timer.unref();
  }

  /** The connection is gone. */
  forget(ws: W): void {
    this.#awaitingPong.delete(ws);
  }

  #beat(): void {
    for (const ws of this.#connections) {
      if (this.#awaitingPong.has(ws)) {
        this.#awaitingPong.delete(ws);
        ws.abort();
        continue;
      }
      // re-hooked when the user removed every pong listener (ours with them)
      if (ws.listenerCount('pong') === 0 || !this.#hooked.has(ws)) {
        this.#hooked.add(ws);
        ws.on('pong', () => this.#awaitingPong.delete(ws));
      }
      this.#awaitingPong.add(ws);
      ws.ping();
    }
  }
}
