/**
 * Shared timeouts: one Node timer per distinct duration instead of one per socket. Entries with
 * the same duration expire in insertion order, so each queue is a FIFO list and only its head
 * needs a timer (house design: "timers are shared").
 * @module
 */

/** A scheduled timeout; cancel with {@link TimerQueue.cancel}. */
export class TimerEntry {
  deadline = 0;
  prev: TimerEntry | null = null;
  next: TimerEntry | null = null;
  queue: TimerQueue | null = null;
  constructor(readonly fire: () => void) {}
}

/** All timeouts of one duration. */
export class TimerQueue {
  #head: TimerEntry | null = null;
  #tail: TimerEntry | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(readonly durationMs: number) {}

  /** Schedules `fire` after the queue's duration. */
  add(fire: () => void): TimerEntry {
    const e = new TimerEntry(fire);
    e.deadline = Date.now() + this.durationMs;
    e.queue = this;
    e.prev = this.#tail;
    if (this.#tail !== null) this.#tail.next = e;
    else this.#head = e;
    this.#tail = e;
    if (this.#timer === null) this.#arm();
    return e;
  }

  /** Cancels an entry (no-op when it already fired or was cancelled). */
  cancel(e: TimerEntry): void {
    if (e.queue !== this) return;
    e.queue = null;
    if (e.prev !== null) e.prev.next = e.next;
    else this.#head = e.next;
    if (e.next !== null) e.next.prev = e.prev;
    else this.#tail = e.prev;
    e.prev = e.next = null;
    if (this.#head === null && this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #arm(): void {
    const head = this.#head;
    if (head === null) return;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, head.deadline - Date.now()));
    // a pending timeout must not keep the process alive by itself
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = null;
    const now = Date.now();
    while (this.#head !== null && this.#head.deadline <= now) {
      const e = this.#head;
      this.cancel(e);
      try {
        e.fire();
      } catch (err) {
        // a timeout callback must not stop the others; surface it without crashing the loop
        process.nextTick(() => {
          throw err;
        });
      }
    }
    if (this.#timer === null) this.#arm();
  }
}

const queues = new Map<number, TimerQueue>();

/** The process-wide queue for a duration. */
export function timerQueue(durationMs: number): TimerQueue {
  let q = queues.get(durationMs);
  if (q === undefined) {
    q = new TimerQueue(durationMs);
    queues.set(durationMs, q);
  }
  return q;
}
