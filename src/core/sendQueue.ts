/**
 * Sends that wait behind a message whose bytes are not here yet: a `Blob` (ws 8's send(blob),
 * ping(blob), pong(blob)) is read asynchronously, and what the user sends after it must reach
 * the peer after it. While such a read is under way, an {@link Endpoint} puts every send, close
 * and write callback here, in call order, and this queue hands them to the connection once the
 * read is done. With no read under way there is no queue: sends go straight to the connection.
 *
 * One source is read at a time, when it is first in line (as ws does: a second Blob is not read
 * while the first is held in memory), so the queue never holds more than one source's bytes.
 * @module
 */

/** A source of bytes read later: a `Blob` (its size is known at once, its bytes are not). */
export interface LateBytes {
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

type Callback = (err?: Error) => void;

/** What a queue hands its waiting sends to (the endpoint). */
export interface QueueHost {
  /** True once the connection is gone (terminated or closed): nothing more can be written. */
  readonly gone: boolean;
  /** True once our close frame is queued: no data may follow it (RFC 6455 §5.5.1). */
  readonly closeSent: boolean;
  /** A write callback, its turn come: called once what is queued on the connection now is written. */
  whenWritten(cb: Callback): void;
  /** A source could not be read while the connection is up: the connection fails. */
  readFailed(err: Error): void;
  /** Everything has been handed over: sends go straight to the connection again. */
  emptied(): void;
}

/** One send waiting its turn. */
interface Waiting {
  /** Payload bytes, counted in the endpoint's unsent bytes (ws's bufferedAmount) while waiting. */
  bytes: number;
  /** Queues the send on the connection (for a source, with the bytes read); null for a callback. */
  send: ((data: Buffer) => void) | null;
  /** Bytes read when this is first in line; null when they are here. */
  source: LateBytes | null;
  /** A write callback (see {@link QueueHost.whenWritten}); null for a send. */
  cb: Callback | null;
}

const NO_DATA = Buffer.alloc(0);

/** See the module comment. */
export class SendQueue {
  readonly #host: QueueHost;
  #waiting: Waiting[] = [];
  #bytes = 0;
  /** A read failed or ended on a closed connection: what waits is dropped on the next tick. */
  #failing = false;

  constructor(host: QueueHost) {
    this.#host = host;
  }

  /** Payload bytes waiting (the source being read included). */
  get bytes(): number {
    return this.#bytes;
  }

  /** A send of `bytes` payload bytes that takes its turn (`send` queues it on the connection). */
  push(bytes: number, send: () => unknown): void {
    this.#add({ bytes, send, source: null, cb: null });
  }

  /** A send whose bytes are read from `source` when it is first in line. */
  pushLate(source: LateBytes, send: (data: Buffer) => void): void {
    this.#add({ bytes: source.size, send, source, cb: null });
    if (this.#waiting.length === 1 && !this.#failing) this.#read(source);
  }

  /** A write callback that takes its turn (what was sent before it is written first). */
  pushCallback(cb: Callback): void {
    this.#add({ bytes: 0, send: null, source: null, cb });
  }

  #add(w: Waiting): void {
    this.#waiting.push(w);
    this.#bytes += w.bytes;
  }

  #read(source: LateBytes): void {
    source.arrayBuffer().then(
      (data) => this.#sourceRead(Buffer.from(data)),
      (err: unknown) => this.#readFailed(err instanceof Error ? err : new Error(String(err))),
    );
  }

  /** The first source is read: it goes out, then what waited behind it, up to the next source. */
  #sourceRead(data: Buffer): void {
    if (this.#host.gone) {
      this.#failAll(new Error('The socket was closed while the blob was being read'), false);
      return;
    }
    this.#hand(this.#waiting.shift() as Waiting, data);
    while (this.#waiting.length > 0) {
      const w = this.#waiting[0];
      if (w.source !== null) {
        this.#read(w.source);
        return;
      }
      this.#hand(this.#waiting.shift() as Waiting, NO_DATA);
    }
    this.#host.emptied();
  }

  /**
   * Hands one waiting send or callback to the connection. After our close frame (the peer
   * closed, or the connection failed, while this waited) data cannot follow: the send is
   * dropped and the callbacks behind it learn so.
   */
  #hand(w: Waiting, data: Buffer): void {
    this.#bytes -= w.bytes;
    const host = this.#host;
    if (w.cb !== null) {
      if (host.closeSent) process.nextTick(w.cb, new Error('The connection was closed before the data was sent'));
      else host.whenWritten(w.cb);
    } else if (!host.closeSent) {
      (w.send as (data: Buffer) => void)(data);
    }
  }

  /** The first source could not be read: every callback gets the error, and the connection fails. */
  #readFailed(err: Error): void {
    this.#failAll(err, !this.#host.gone);
  }

  /**
   * Drops everything waiting, and what is sent until the next tick; then the callbacks get `err`
   * (outside the promise chain, so what they throw is an uncaught exception as from any other
   * callback) and, when `fail`, the host fails the connection. Only then do sends go straight
   * to the connection again (to a closing one: the face refuses them).
   */
  #failAll(err: Error, fail: boolean): void {
    this.#failing = true;
    process.nextTick(() => {
      for (const w of this.#waiting) w.cb?.(err);
      this.#waiting = [];
      this.#bytes = 0;
      this.#failing = false;
      if (fail && !this.#host.gone) this.#host.readFailed(err);
      this.#host.emptied();
    });
  }
}
