/**
 * The `net.Socket` transport (TLS, proxies, platforms without the native transport,
 * `QWS_TRANSPORT=node`): feeds every socket chunk to the session in one call and writes the
 * session's output with one write or cork/writev. The shared logic is in {@link ConnectionBase}.
 * @module
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SessionHandler, SessionOptions } from '../protocol/session';
import { ConnectionBase, DEFAULT_WRITE_LIMITS, type ConnectionEvents, type WriteLimits } from './connectionBase';

export { DEFAULT_WRITE_LIMITS, type BufferPolicy, type ConnectionEvents, type WriteLimits } from './connectionBase';

/** The connection a socket belongs to (listeners are shared functions, not closures per socket). */
const kConnection = Symbol('qwebsocket.connection');
type OwnedSocket = Duplex & { [kConnection]?: Connection };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kConnection]?.receive(chunk);
}
function onSocketEnd(this: OwnedSocket): void {
  this[kConnection]?.peerEnded();
}
function onSocketError(this: OwnedSocket, err: Error): void {
  this[kConnection]?.socketError(err);
}
function onSocketClose(this: OwnedSocket, hadError: boolean): void {
  this[kConnection]?.closed(hadError);
}

/** See the module comment. */
export class Connection extends ConnectionBase {
  /** A `net.Socket` (or TLS socket), or another byte stream a subclass knows (an HTTP/2 stream). */
  readonly socket: Duplex;

  constructor(socket: Socket | Duplex, handler: SessionHandler, events: ConnectionEvents, options: SessionOptions, limits: WriteLimits = DEFAULT_WRITE_LIMITS) {
    super(handler, events, options, limits);
    this.socket = socket;
    (socket as Partial<Socket>).setNoDelay?.(true);
    (socket as OwnedSocket)[kConnection] = this;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  /** @internal socket 'data' */
  receive(chunk: Buffer): void {
    if (this.socket.destroyed) return;
    this.session.receive(chunk);
    this.afterRead(chunk.length);
  }
  /** @internal socket 'end' */
  peerEnded(): void {
    this.peerEndedSocket();
  }
  /** @internal socket 'error' */
  socketError(err: Error): void {
    this.events.onSocketError(err);
  }
  /** @internal socket 'close' */
  closed(hadError: boolean): void {
    this.socketClosed(hadError);
  }

  start(head: Buffer | null): void {
    if (head !== null && head.length > 0) this.receive(head);
    this.socket.resume();
  }

  protected get socketGone(): boolean {
    return this.socket.destroyed;
  }
  protected get socketWritable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }
  protected get socketBacklog(): number {
    return this.socket.writableLength;
  }
  protected writeOut(q: Buffer[], each: (() => void) | undefined, last: (() => void) | undefined): void {
    const s = this.socket;
    const end = q.length - 1;
    if (end > 0) s.cork();
    for (let i = 0; i < end; i++) s.write(q[i], each);
    s.write(q[end], last);
    if (end > 0) s.uncork();
  }
  protected setReading(on: boolean): void {
    if (on) this.socket.resume();
    else this.socket.pause();
  }
  protected onceDrained(fn: () => void): void {
    this.socket.once('drain', fn);
  }
  protected endSocket(): void {
    this.socket.end();
  }
  protected destroySocket(): void {
    this.socket.destroy();
  }
  /** The socket whose addresses are reported (a subclass's stream may run over another). */
  protected get addressSocket(): Partial<Socket> {
    return this.socket as Partial<Socket>;
  }
  get localAddress(): string {
    return this.addressSocket.localAddress ?? '';
  }
  get localPort(): number {
    return this.addressSocket.localPort ?? 0;
  }
  get remoteAddress(): string {
    return this.addressSocket.remoteAddress ?? '';
  }
  get remotePort(): number {
    return this.addressSocket.remotePort ?? 0;
  }
}
