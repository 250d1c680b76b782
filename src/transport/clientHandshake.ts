/**
 * The client's way from a URL to an open WebSocket stream: host lookup, TCP (and TLS for wss)
 * connect, the upgrade request and the response check (RFC 6455 §4.1), all under one handshake
 * timeout. The protocol rules themselves are in protocol/handshake.
 * @module
 */
import { lookup } from 'node:dns';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { SocketError } from '../protocol/enums';
import { HandshakeError } from '../errors';
import { ResponseParser, buildRequest, checkResponse, makeKey, type HandshakeResult, type ResponseHead } from '../protocol/handshake';
import { socketErrorOf } from './socketErrors';
import { timerQueue, type TimerEntry, type TimerQueue } from './timerQueue';

/** What to connect to and how. */
export interface ClientHandshakeParams {
  url: URL;
  headers: ReadonlyArray<readonly [string, string]>;
  origin: string;
  subprotocols: readonly string[];
  /** Sec-WebSocket-Extensions offer ('' for none) and the extension names it offers. */
  extensionOffer: string;
  extensionNames: readonly string[];
  handshakeTimeoutMs: number;
  /** Extra TLS options for wss:// (the TLS layer adds Qt's certificate-error flow). */
  tls: ConnectionOptions;
}

/** Progress and outcome callbacks. */
export interface ClientHandshakeEvents {
  onHostLookup(): void;
  onConnecting(): void;
  onConnected(socket: Socket, result: HandshakeResult, response: ResponseHead): void;
  onFailed(error: SocketError, message: string, cause?: unknown): void;
}

/** Default ports of the two schemes (RFC 6455 §3). */
export const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'ws:': 80, 'wss:': 443 };

/** The Host header for a URL: host, plus the port when it is not the scheme's default. */
export function hostHeader(url: URL): string {
  return url.port !== '' ? `${url.hostname}:${url.port}` : url.hostname;
}

/** Path and query of a URL, '/' when empty (RFC 6455 §3 resource-name). */
export function resourceName(url: URL): string {
  return (url.pathname === '' ? '/' : url.pathname) + url.search;
}

/** One handshake attempt; call {@link abort} to cancel it. */
export class ClientHandshake {
  #params: ClientHandshakeParams;
  #events: ClientHandshakeEvents;
  #socket: Socket | null = null;
  #done = false;
  #timer: TimerEntry | null = null;
  #timerQueue: TimerQueue;

  constructor(params: ClientHandshakeParams, events: ClientHandshakeEvents) {
    this.#params = params;
    this.#events = events;
    this.#timerQueue = timerQueue(params.handshakeTimeoutMs);
  }

  /** Starts the attempt (host lookup first). */
  start(): void {
    this.#timer = this.#timerQueue.add(() => {
      this.#timer = null;
      this.#fail(SocketError.SocketTimeoutError, 'WebSocket handshake timed out');
    });
    const url = this.#params.url;
    // URL keeps IPv6 literals in brackets
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port !== '' ? Number(url.port) : DEFAULT_PORTS[url.protocol];
    this.#events.onHostLookup();
    if (isIP(host) !== 0) {
      this.#connect(host, port, host);
      return;
    }
    lookup(host, (err, address) => {
      if (this.#done) return;
      if (err !== null) this.#fail(SocketError.HostNotFoundError, `Host not found: ${host}`, err);
      else this.#connect(address, port, host);
    });
  }

  #connect(address: string, port: number, hostname: string): void {
    this.#events.onConnecting();
    const secure = this.#params.url.protocol === 'wss:';
    const socket = secure
      ? tlsConnect({
          host: address,
          port,
          servername: isIP(hostname) === 0 ? hostname : undefined,
          ALPNProtocols: ['http/1.1'],
          ...this.#params.tls,
        })
      : netConnect({ host: address, port });
    this.#socket = socket;
    socket.on('error', (err) => this.#fail(socketErrorOf(err), err.message, err));
    socket.on('close', () => this.#fail(SocketError.RemoteHostClosedError, 'Connection closed during the WebSocket handshake'));
    socket.once(secure ? 'secureConnect' : 'connect', () => this.#sendRequest(socket));
  }

  #sendRequest(socket: Socket): void {
    if (this.#done) return;
    const p = this.#params;
    const key = makeKey(randomBytes(16));
    let request: string;
    try {
      request = buildRequest({
        host: hostHeader(p.url),
        resource: resourceName(p.url),
        key,
        origin: p.origin,
        subprotocols: p.subprotocols,
        extensions: p.extensionOffer,
        headers: p.headers,
      });
    } catch (e) {
      this.#fail(SocketError.ConnectionRefusedError, (e as Error).message, e);
      return;
    }
    const parser = new ResponseParser();
    const onData = (chunk: Buffer): void => {
      let head: ResponseHead | null;
      try {
        head = parser.push(chunk);
        if (head === null) return;
        const offered = [...p.subprotocols];
        for (const [name, value] of p.headers) {
          if (name.toLowerCase() === 'sec-websocket-protocol') offered.push(...value.split(',').map((s) => s.trim()));
        }
        const result = checkResponse(head, { key, subprotocols: offered, extensions: p.extensionNames });
        socket.off('data', onData);
        socket.pause();
        this.#succeed(socket, result, head);
      } catch (e) {
        socket.off('data', onData);
        const status = e instanceof HandshakeError ? e.status : 0;
        this.#fail(SocketError.ConnectionRefusedError, (e as Error).message, e);
        void status;
      }
    };
    socket.on('data', onData);
    socket.write(request);
  }

  #succeed(socket: Socket, result: HandshakeResult, head: ResponseHead): void {
    if (this.#done) return;
    this.#done = true;
    this.#clearTimer();
    socket.removeAllListeners('error');
    socket.removeAllListeners('close');
    this.#events.onConnected(socket, result, head);
  }

  #fail(error: SocketError, message: string, cause?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#clearTimer();
    if (this.#socket !== null) {
      this.#socket.removeAllListeners('data');
      this.#socket.on('error', () => {});
      this.#socket.destroy();
    }
    this.#events.onFailed(error, message, cause);
  }

  #clearTimer(): void {
    if (this.#timer !== null) {
      this.#timerQueue.cancel(this.#timer);
      this.#timer = null;
    }
  }

  /** Cancels the attempt without reporting a failure. */
  abort(): void {
    if (this.#done) return;
    this.#done = true;
    this.#clearTimer();
    if (this.#socket !== null) {
      this.#socket.on('error', () => {});
      this.#socket.destroy();
    }
  }
}
