/**
 * A listening socket on the addon's native transport: libuv accepts, and an accepted
 * connection's first reads come here raw, as bytes of the shared read buffer, until its HTTP
 * request is complete (protocol/requestHead parses it). No net.Socket, no http parser, no
 * IncomingMessage, no JS call on accept and no JS timer per connection: the handshake deadline
 * is kept natively. The owner checks the request; the 101 or the refusal is written from C++
 * and an accepted connection continues as a {@link NativeConnection} on the same id.
 * @module
 */
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { errorResponse } from '../../protocol/serverHandshake';
import { parseRequestHead, type RequestHead } from '../../protocol/requestHead';
import { IoEvent } from '../../codec/constants';
import { ioError, ioShared, registerListener, registerOwner, type IoOwner, type IoShared, type ListenerSink } from './nativeIo';

/** An accepted connection whose handshake is done, handed to the transport by id. */
export class AcceptedNative {
  constructor(readonly id: number) {}
}

/** What a listener reports to the server that owns it. */
export interface NativeListenerOwner {
  /** A complete request on connection `id`; `rest` holds the bytes after it (copied), if any. */
  onRequest(listener: NativeListener, id: number, head: RequestHead, rest: Buffer | null): void;
  /** A malformed (400) or oversized (431) request head; it was answered and the connection ends. */
  onBadRequest(status: number): void;
  onAcceptError(err: Error): void;
}

/** A complete request whose answer its owner gives later (see {@link NativeListener.defer}). */
export interface PendingAnswer {
  /** The client ended, or the connection closed. */
  readonly gone: boolean;
  /** The connection closed: its id is no longer its own. */
  readonly closed: boolean;
}

/**
 * A connection whose request is not complete yet (its bytes so far, copied), whose complete
 * request waits for its answer (deferred), or that was answered with an error and only waits
 * to close (bytes null). Transient: most requests arrive in one read and are answered at once.
 */
class Unfinished implements IoOwner, PendingAnswer {
  gone = false;
  closed = false;
  constructor(
    readonly listener: NativeListener,
    readonly id: number,
    public bytes: Buffer | null,
    public deferred = false,
  ) {}
  onBatch(): void {}
  onEof(): void {
    // (natively closed too: a client that ended cannot complete its handshake)
    this.gone = true;
  }
  onDrain(): void {}
  onQueued(): void {}
  onError(): void {}
  onClosed(): void {
    this.gone = true;
    this.closed = true;
    this.listener.forget(this.id);
  }
}

/** See the module comment. */
export class NativeListener implements ListenerSink {
  readonly #shared: IoShared;
  readonly #lid: number;
  readonly #owner: NativeListenerOwner;
  readonly #unfinished = new Map<number, Unfinished>();
  #closed = false;

  private constructor(shared: IoShared, lid: number, owner: NativeListenerOwner) {
    this.#shared = shared;
    this.#lid = lid;
    this.#owner = owner;
    registerListener(lid, this);
  }

  /**
   * Listens on `ip:port` ('' = every address).
   * @returns the listener, null when the native transport cannot serve here (nor in a cluster
   * worker: its port is shared through the primary by Node's net.Server), or the bind error
   */
  static listen(ip: string, port: number, handshakeMs: number, owner: NativeListenerOwner): NativeListener | Error | null {
    if (cluster.isWorker) return null;
    const shared = ioShared();
    if (shared === null || typeof shared.io.ioListen !== 'function') return null;
    let lid = shared.io.ioListen(ip, port, handshakeMs);
    // every address: '::' (dual stack) where IPv6 is available, else 0.0.0.0, as Node does
    if (lid < 0 && ip === '' && ['EAFNOSUPPORT', 'EADDRNOTAVAIL'].includes(ioError(lid).code)) lid = shared.io.ioListen('0.0.0.0', port, handshakeMs);
    if (lid < 0) return ioError(lid, 'listen');
    return new NativeListener(shared, lid, owner);
  }

  /** Where it listens (as net.Server.address()), null once closed. */
  address(): AddressInfo | null {
    const a = this.#closed ? null : this.#shared.io.ioListenAddress(this.#lid);
    return a === null ? null : { address: a[0], port: a[1], family: a[2] };
  }

  /** Paused: new connections wait in the kernel's backlog. */
  pause(paused: boolean): void {
    if (!this.#closed) this.#shared.io.ioListenPause(this.#lid, paused);
  }

  /** The handshake timeout for connections accepted from now on. */
  setHandshakeTimeout(ms: number): void {
    if (!this.#closed) this.#shared.io.ioListenTimeout(this.#lid, ms);
  }

  /** Stops listening; connections still in their handshake are closed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#shared.io.ioListenClose(this.#lid);
    registerListener(this.#lid, undefined);
  }

  /** The listening socket's descriptor, -1 once closed. */
  fd(): number {
    return this.#closed ? -1 : Math.max(-1, this.#shared.io.ioListenFd(this.#lid));
  }

  /** Writes the 101 (or an error response) on connection `id` from C++. */
  write(id: number, text: string): void {
    // (UTF-8, as socket.write(string) on Node's path; a UTF-16 unit is at most 3 bytes of it)
    if (text.length * 3 < IoEvent.MAX_TEXT_WRITE) this.#shared.io.ioWriteText(id, text);
    else this.#shared.io.ioWrite(id, Buffer.from(text));
  }

  /** Writes bytes on connection `id` (a handshake's own answer: ws's 'wsClientError' listeners). */
  writeBytes(id: number, bytes: Uint8Array): void {
    this.#shared.io.ioWrite(id, bytes);
  }

  /** Half-closes connection `id` after what was written. */
  end(id: number): void {
    this.#shared.io.ioEnd(id);
  }

  /** Closes connection `id` now. */
  drop(id: number): void {
    this.#shared.io.ioClose(id);
  }

  /**
   * The answer to connection `id`'s complete request comes later (an asynchronous check, from
   * the owner's onRequest): bytes it sends meanwhile close it (RFC 6455 §4.1: a client waits for
   * the answer). The answer is {@link refuse}, {@link drop}, or the 101 followed by
   * {@link settle} and the connection's new owner.
   * @returns what becomes of the connection meanwhile
   */
  defer(id: number): PendingAnswer {
    const pending = new Unfinished(this, id, null, true);
    this.#unfinished.set(id, pending);
    registerOwner(id, pending);
    return pending;
  }

  /** A deferred request was accepted: the connection is the transport's now (see {@link defer}). */
  settle(id: number): void {
    this.#unfinished.delete(id);
    registerOwner(id, undefined);
  }

  /** Connection `id`'s peer (true) or local address: [address, port, family], null once gone. */
  connectionAddress(id: number, peer: boolean): [address: string, port: number, family: string] | null {
    return this.#shared.io.ioAddress(id, peer);
  }

  /** Answers `id` with an error status and ends it; it closes when the peer does, or at its handshake deadline. */
  refuse(id: number, status: number, message: string, headers: ReadonlyArray<readonly [string, string]> = [], serverName = ''): void {
    this.write(id, errorResponse(status, message, headers, serverName));
    this.#shared.io.ioEnd(id);
    const u = this.#unfinished.get(id);
    if (u !== undefined) {
      u.bytes = null;
      u.deferred = false;
    } else {
      const waiting = new Unfinished(this, id, null);
      this.#unfinished.set(id, waiting);
      registerOwner(id, waiting);
    }
  }

  /** @internal the connection of an unfinished request closed */
  forget(id: number): void {
    this.#unfinished.delete(id);
  }

  onRaw(id: number, start: number, length: number): void {
    const u = this.#unfinished.get(id);
    if (u?.deferred === true) {
      this.drop(id);
      return;
    }
    if (u !== undefined && u.bytes === null) return; // answered already: what follows is ignored
    const read = this.#shared.read.subarray(start, start + length);
    const bytes = u === undefined ? read : Buffer.concat([u.bytes as Buffer, read]);
    const r = parseRequestHead(bytes);
    if (r === null) {
      // (copied: the shared read buffer is reused)
      if (u !== undefined) u.bytes = bytes;
      else {
        const waiting = new Unfinished(this, id, Buffer.from(read));
        this.#unfinished.set(id, waiting);
        registerOwner(id, waiting);
      }
      return;
    }
    if (u !== undefined) {
      this.#unfinished.delete(id);
      registerOwner(id, undefined);
    }
    if ('status' in r) {
      this.refuse(id, r.status, r.status === 431 ? 'Request headers too large' : 'Bad request');
      this.#owner.onBadRequest(r.status);
      return;
    }
    const rest = r.end < bytes.length ? Buffer.from(bytes.subarray(r.end)) : null;
    this.#owner.onRequest(this, id, r.head, rest);
  }

  onListenError(err: Error): void {
    this.#owner.onAcceptError(err);
  }
}
