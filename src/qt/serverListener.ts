/**
 * Where a Qt WebSocketServer's TCP connections come from: the addon's native listener (plain
 * ws:// on an IP address, where it runs), else a `net.Server` on an address or an inherited
 * descriptor; and Qt's pause/resume of accepting. Kept apart from the server so that the
 * server's module is about the WebSocket side (upgrades, the queue, settings), not sockets.
 * @module
 */
import { createServer as createNetServer, isIP, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { NativeListener, type NativeListenerOwner } from '../transport/native/NativeListener';

/** Sockets waiting while accepting is paused, at most (more are dropped: a bound on memory). */
const MAX_PARKED = 1024;

/** What the listener hands its server. */
export interface ListenerOwner {
  /** A TCP connection (net.Server's; native ones go to the native owner) to take now. */
  connection(socket: Socket): void;
  /** The listening net.Server failed to accept. */
  acceptError(err: Error): void;
}

/** See the module comment. */
export class ServerListener {
  readonly #owner: ListenerOwner;
  #net: NetServer | null = null;
  /** Listening on the native transport: no net.Server then. */
  #native: NativeListener | null = null;
  #paused = false;
  #parked: Socket[] = [];

  constructor(owner: ListenerOwner) {
    this.#owner = owner;
  }

  /** listen() or setSocketDescriptor() succeeded (and close() was not called since). */
  get started(): boolean {
    return this.#net !== null || this.#native !== null;
  }
  /** Accepting connections now. */
  get listening(): boolean {
    return this.#native !== null || (this.#net !== null && this.#net.listening);
  }
  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Listens on address:port ('' = every address): natively when `native` is given and the
   * address is an IP (or every address) and the addon serves here, else on a net.Server.
   * @returns null, or why it could not
   */
  async listen(address: string, port: number, native: { handshakeMs: number; owner: NativeListenerOwner } | null): Promise<Error | null> {
    if (native !== null && (address === '' || isIP(address) !== 0)) {
      const listener = NativeListener.listen(address, port, native.handshakeMs, native.owner);
      if (listener instanceof Error) return listener;
      if (listener !== null) {
        this.#native = listener;
        return null;
      }
    }
    return this.#listenNet(address === '' ? { port } : { port, host: address });
  }

  /** Listens on an already-open listening socket descriptor. @returns null, or why it could not */
  listenOn(fd: number): Promise<Error | null> {
    return this.#listenNet({ fd });
  }

  #listenNet(where: { port: number; host?: string } | { fd: number }): Promise<Error | null> {
    const net = createNetServer({ noDelay: true }, (socket) => this.#onTcpConnection(socket));
    return new Promise((resolve) => {
      net.once('error', resolve);
      net.listen(where, () => {
        net.off('error', resolve);
        net.on('error', (err) => this.#owner.acceptError(err));
        this.#net = net;
        resolve(null);
      });
    });
  }

  /** The listening descriptor (the native listener's or net.Server's), or -1. */
  descriptor(): number {
    if (this.#native !== null) return this.#native.fd();
    // net.Server keeps its descriptor on the undocumented handle: Qt's socketDescriptor() needs it
    const h = (this.#net as unknown as { _handle?: { fd?: number } } | null)?._handle;
    return typeof h?.fd === 'number' ? h.fd : -1;
  }

  /** Where it listens, or null. */
  address(): AddressInfo | null {
    const n = this.#native?.address();
    if (n !== undefined && n !== null) return n;
    const a = this.#net?.address();
    return a !== undefined && a !== null && typeof a === 'object' ? a : null;
  }

  /** For native connections accepted from now on (net.Server's are timed by the server's acceptor). */
  setHandshakeTimeout(ms: number): void {
    this.#native?.setHandshakeTimeout(ms);
  }

  #onTcpConnection(socket: Socket): void {
    socket.on('error', () => {});
    if (!this.#paused) {
      this.#owner.connection(socket);
      return;
    }
    // Qt stops accepting; here new sockets wait, unread, until accepting resumes
    if (this.#parked.length >= MAX_PARKED) {
      socket.destroy();
      return;
    }
    socket.pause();
    this.#parked.push(socket);
    socket.once('close', () => {
      const i = this.#parked.indexOf(socket);
      if (i >= 0) this.#parked.splice(i, 1);
    });
  }

  /** Stops taking connections: native ones wait in the kernel's backlog, others unread here. */
  pause(): void {
    this.#paused = true;
    this.#native?.pause(true);
  }

  /** Takes connections again, those that waited first. */
  resume(): void {
    this.#paused = false;
    this.#native?.pause(false);
    const parked = this.#parked;
    this.#parked = [];
    for (const s of parked) {
      if (!s.destroyed) {
        s.resume();
        this.#owner.connection(s);
      }
    }
  }

  /** Stops listening; waiting sockets are dropped. */
  close(): void {
    const net = this.#net;
    this.#net = null;
    if (net !== null) net.close();
    this.#native?.close();
    this.#native = null;
    for (const s of this.#parked.splice(0)) s.destroy();
    this.#paused = false;
  }
}
