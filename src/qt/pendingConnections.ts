/**
 * Qt's queue of accepted connections not yet taken with nextPendingConnection(): oldest first,
 * bounded (the server pauses accepting when it is full). A Set, so that a connection closing
 * while it waits leaves the queue at once.
 * @module
 */
import { InvalidArgumentError } from '../errors';

/** See the module comment. `W` is the WebSocket class. */
export class PendingConnections<W extends { close(code: number, reason: string): void }> {
  #queue = new Set<W>();
  #max = 30;

  get size(): number {
    return this.#queue.size;
  }
  /** As many wait as maxPendingConnections() allows. */
  get full(): boolean {
    return this.#queue.size >= this.#max;
  }
  get max(): number {
    return this.#max;
  }
  /** @throws InvalidArgumentError for a size that is not a positive integer */
  setMax(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('maxPendingConnections must be a positive integer');
    this.#max = n;
  }

  add(ws: W): void {
    this.#queue.add(ws);
  }
  /** @returns true when `ws` was waiting */
  delete(ws: W): boolean {
    return this.#queue.delete(ws);
  }
  /** The oldest, out of the queue; null when none waits. */
  take(): W | null {
    const next = this.#queue.values().next();
    if (next.done === true) return null;
    this.#queue.delete(next.value);
    return next.value;
  }
  /** Empties the queue, closing each connection with `code` and `reason`. */
  closeAll(code: number, reason: string): void {
    const waiting = [...this.#queue];
    this.#queue.clear();
    for (const ws of waiting) ws.close(code, reason);
  }
}
