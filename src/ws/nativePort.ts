/**
 * The ws face's own port (`new WebSocketServer({ port })`) on the addon's native listener, as the
 * Qt face's listen() is: libuv accepts, the request head is parsed from the raw bytes, and no
 * net.Socket, http parser or timer is made per connection — the connection is the native
 * transport's from its accept on, where an http server of its own would have it taken over after
 * the upgrade (see bench/README.md, accept).
 *
 * ws's hooks and 'connection' listeners get an `http.IncomingMessage` built from the parsed head
 * (method, url, httpVersion, rawHeaders, headers as Node's parser joins them). Its `socket` is a
 * plain object with the connection's addresses (remoteAddress, remotePort, remoteFamily,
 * localAddress, localPort, localFamily, read on first use), as there is no net.Socket; 'wsClientError' listeners get
 * a Duplex that writes to, ends and destroys the connection. A request that is not an upgrade is
 * answered 426, as ws's own http server answers it. The handshake (request to answer, an
 * asynchronous verifyClient included) must be done within {@link Timeouts.HANDSHAKE_MS}.
 * @module
 */
import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Timeouts } from '../codec/constants';
import { hasHeaderToken } from '../protocol/handshake';
import type { RequestHead } from '../protocol/requestHead';
import { checkUpgradeRequest, type AcceptedUpgrade, type RefusedUpgrade } from '../protocol/serverHandshake';
import { AcceptedNative, NativeListener, type NativeListenerOwner, type PendingAnswer } from '../transport/native/NativeListener';
import { closesOn } from '../transport/native/nativeIo';
import { WS_VERSIONS } from './handshakeRules';
import { http1AcceptLines, http1AnswerText, pairs, statusText, type HandshakeReply } from './handshakeReply';

/** What the server does with what the listener takes. */
export interface NativePortOwner {
  /** An upgrade request, with how to answer it. */
  upgrade(req: IncomingMessage, reply: HandshakeReply): void;
  error(err: Error): void;
}

const EMPTY = Buffer.alloc(0);

type AddressTriple = [address: string, port: number, family: string];

/**
 * A request's `socket` (IncomingMessage's would be a net.Socket): the connection's addresses,
 * read from the native connection on first use (two system calls and six values most servers
 * never look at, measured at 5 % of an accept), then kept, as net.Socket keeps what it read.
 * Read after the connection closed, they are undefined, as a net.Socket's are. It holds numbers
 * and the listener only, so a request kept after its connection keeps nothing of it.
 */
class RequestSocket {
  peer: AddressTriple | null = null;
  local: AddressTriple | null = null;
  /** closesOn(id) when the request came: the id is this connection's while it stays so. */
  readonly closes: number;
  constructor(
    readonly listener: NativeListener,
    readonly id: number,
  ) {
    this.closes = closesOn(id);
  }

  get remoteAddress(): string | undefined {
    return addressOf(this, true)?.[0];
  }
  get remotePort(): number | undefined {
    return addressOf(this, true)?.[1];
  }
  get remoteFamily(): string | undefined {
    return addressOf(this, true)?.[2];
  }
  get localAddress(): string | undefined {
    return addressOf(this, false)?.[0];
  }
  get localPort(): number | undefined {
    return addressOf(this, false)?.[1];
  }
  get localFamily(): string | undefined {
    return addressOf(this, false)?.[2];
  }
}

/** The peer's or local address, kept once read; read only while the id is still the request's connection. */
function addressOf(s: RequestSocket, peer: boolean): AddressTriple | null {
  const kept = peer ? s.peer : s.local;
  if (kept !== null || closesOn(s.id) !== s.closes) return kept;
  const now = s.listener.connectionAddress(s.id, peer);
  if (peer) s.peer = now;
  else s.local = now;
  return now;
}

type HeaderAdder = (this: IncomingMessage, name: string, value: string, into: Record<string, unknown>) => void;
/** Node's own rule for joining repeated headers (set-cookie an array, the first Host kept, …). */
const addHeaderLine = (IncomingMessage.prototype as unknown as { _addHeaderLine?: HeaderAdder })._addHeaderLine;

function requestOf(head: RequestHead, socket: RequestSocket): IncomingMessage {
  const req = new IncomingMessage(socket as unknown as Socket);
  req.method = head.method;
  req.url = head.url;
  req.httpVersion = head.httpVersion;
  req.httpVersionMajor = Number(head.httpVersion[0]);
  req.httpVersionMinor = Number(head.httpVersion[2]);
  req.rawHeaders = head.rawHeaders;
  if (addHeaderLine === undefined) {
    req.headers = head.headers;
  } else {
    const headers: Record<string, unknown> = {};
    const raw = head.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) addHeaderLine.call(req, raw[i], raw[i + 1], headers);
    req.headers = headers as IncomingMessage['headers'];
  }
  req.complete = true;
  (req as { upgrade?: boolean }).upgrade = true;
  return req;
}

/**
 * The answer to the request on connection `id` of the native listener, and where it stands: one
 * object per handshake (its methods on the prototype, no closures per connection).
 */
class NativeReply implements HandshakeReply {
  /** accepted, refused or dropped */
  given = false;
  /** Set when the answer was not given at once (see NativeListener.defer). */
  pending: PendingAnswer | null = null;
  readonly transport: AcceptedNative;
  /** The request's `socket`, also the wsClientError Duplex's addresses (read once for both). */
  readonly addresses: RequestSocket;
  readonly head: Buffer;
  readonly check: AcceptedUpgrade | RefusedUpgrade;
  #socket: Duplex | null = null;

  constructor(
    readonly listener: NativeListener,
    readonly id: number,
    request: RequestHead,
    rest: Buffer | null,
  ) {
    this.addresses = new RequestSocket(listener, id);
    this.transport = new AcceptedNative(id);
    this.head = rest ?? EMPTY;
    this.check = checkUpgradeRequest(request, WS_VERSIONS);
  }

  /** The connection closed while its answer was pending: its id is no longer its own. */
  get closed(): boolean {
    return this.pending?.closed === true;
  }
  get socket(): Duplex {
    return (this.#socket ??= clientErrorSocket(this));
  }
  get open(): boolean {
    return this.pending?.gone !== true;
  }
  destroy(): void {
    if (this.closed) return;
    this.given = true;
    this.listener.drop(this.id);
  }
  refuse(code: number, message?: string, headers: Record<string, string | number> = {}): void {
    if (this.closed) return;
    this.given = true;
    this.listener.refuse(this.id, code, message ?? statusText(code), pairs(headers));
  }
  acceptLines(protocol: string, extensions: string): string[] {
    return http1AcceptLines(this.check, protocol, extensions);
  }
  accept(lines: string[]): void {
    this.given = true;
    this.listener.write(this.id, http1AnswerText(lines));
    // the connection becomes the WebSocket's (its transport registers as its owner)
    if (this.pending !== null) this.listener.settle(this.id);
  }
}

/** The Duplex a 'wsClientError' listener answers on: the reply's connection itself, while it is open. */
function clientErrorSocket(reply: NativeReply): Duplex {
  const { listener, id } = reply;
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      if (!reply.closed) listener.writeBytes(id, chunk);
      done();
    },
    final(done) {
      if (!reply.closed) listener.end(id);
      done();
    },
    destroy(err, done) {
      if (!reply.closed) listener.drop(id);
      done(err);
    },
  });
  const a = reply.addresses;
  return Object.assign(d, { remoteAddress: a.remoteAddress, remotePort: a.remotePort, remoteFamily: a.remoteFamily, localAddress: a.localAddress, localPort: a.localPort, localFamily: a.localFamily });
}

/** Whether Node's http parser would make it an 'upgrade' (an Upgrade header and Connection: upgrade). */
function isUpgrade(head: RequestHead): boolean {
  return head.headers.upgrade !== undefined && hasHeaderToken(head.headers.connection, 'upgrade');
}

/**
 * Listens on `host:port` natively.
 * @returns the listener; null where the native transport cannot serve it (then the caller
 *   listens on an http server as ws does); the bind error
 */
export function listenNatively(host: string, port: number, owner: NativePortOwner): NativeListener | Error | null {
  const taker: NativeListenerOwner = {
    onRequest: (listener, id, head, rest) => {
      if (!isUpgrade(head)) {
        listener.refuse(id, 426, statusText(426));
        return;
      }
      const reply = new NativeReply(listener, id, head, rest);
      owner.upgrade(requestOf(head, reply.addresses), reply);
      // not answered yet (an asynchronous verifyClient)
      if (!reply.given) reply.pending = listener.defer(id);
    },
    onBadRequest: () => {},
    onAcceptError: (err) => owner.error(err),
  };
  return NativeListener.listen(host, port, Timeouts.HANDSHAKE_MS, taker);
}
