/**
 * Reads a proxy's replies from a socket in paused mode ('readable' + read()), so that bytes
 * after the reply stay in the socket for whoever reads next (the WebSocket handshake or TLS).
 * @module
 */
import type { Socket } from 'node:net';
import { SocketError } from '../protocol/enums';
import { StreamError } from './stream';

/**
 * Decides how much of the buffered bytes form a complete message: returns the byte count to
 * consume, or -1 to wait for more. May throw (a StreamError) for garbage.
 */
export type Framer = (buffered: Buffer) => number;

/** Reads length-delimited messages from a socket until {@link release}d. */
export class SocketReader {
  #socket: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #pending: { framer: Framer; resolve: (b: Buffer) => void; reject: (e: unknown) => void } | null = null;
  #ended: StreamError | null = null;
  #closedError: (hadBytes: boolean) => StreamError;

  /**
   * @param closedError the error for a connection that ends before a complete reply
   */
  constructor(socket: Socket, closedError: (hadBytes: boolean) => StreamError) {
    this.#socket = socket;
    this.#closedError = closedError;
    socket.on('readable', this.#onReadable);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
  }

  #onReadable = (): void => {
    let chunk: Buffer | null;
    while ((chunk = this.#socket.read() as Buffer | null) !== null) {
      this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    }
    this.#check();
  };

  #onEnd = (): void => {
    if (this.#ended === null) this.#ended = this.#closedError(this.#buf.length > 0);
    this.#check();
  };

  #onError = (err: Error): void => {
    if (this.#ended === null) {
      this.#ended = new StreamError(SocketError.ProxyConnectionClosedError, `Proxy connection lost: ${err.message}`, { cause: err });
    }
    this.#check();
  };

  #check(): void {
    const p = this.#pending;
    if (p === null) return;
    let n: number;
    try {
      n = p.framer(this.#buf);
    } catch (e) {
      this.#pending = null;
      p.reject(e);
      return;
    }
    if (n >= 0) {
      this.#pending = null;
      const msg = this.#buf.subarray(0, n);
      this.#buf = this.#buf.subarray(n);
      p.resolve(msg);
    } else if (this.#ended !== null) {
      this.#pending = null;
      p.reject(this.#ended);
    }
  }

  /** Resolves with the next message as delimited by `framer`. */
  read(framer: Framer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#pending = { framer, resolve, reject };
      this.#check();
    });
  }

  /** Resolves with exactly `n` bytes. */
  readExactly(n: number): Promise<Buffer> {
    return this.read((b) => (b.length >= n ? n : -1));
  }

  /**
   * Stops reading: unread bytes go back into the socket, which is left for the next reader
   * (a 'data' listener added later makes it flow again).
   */
  release(): void {
    const s = this.#socket;
    s.off('readable', this.#onReadable);
    s.off('end', this.#onEnd);
    s.off('close', this.#onEnd);
    s.off('error', this.#onError);
    if (this.#buf.length > 0) s.unshift(this.#buf);
    this.#buf = Buffer.alloc(0);
  }
}
