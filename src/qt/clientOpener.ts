/**
 * The client side of the Qt face's WebSocket: Qt's open() argument rules, the client-only
 * settings (proxy, TLS configuration, pause mode, certificate-error flow) and the handshake in
 * progress. Created on a WebSocket's first client use, so server-side sockets hold none of it.
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { TransportSocket } from '../transport/openConnection';
import { Timeouts } from '../codec/constants';
import { PauseMode, SocketError, SocketState } from '../protocol/enums';
import { isSafeHeaderValue } from '../protocol/handshake';
import type { Credentials } from '../protocol/httpAuth';
import { validateDeflateOptions } from '../protocol/permessageDeflate';
import type { ClientHandshake } from '../transport/clientHandshake';
import { serverAuthRetry } from '../transport/serverAuth';
import type { SslConfiguration } from '../transport/sslConfiguration';
import { clientTlsOptions } from '../transport/tls';
import { connectClient, deflateOptionsOf } from '../core/clientConnect';
import type { DeflateSetting, ResolvedRequest } from '../core/request';
import { headerPairs } from './arguments';
import { NetworkProxy, ProxyType } from './networkProxy';
import { proxyOpenerFor } from './proxyOpener';
import { ClientSslFlow } from './sslFlow';
import type { SocketStatus } from './socketStatus';
import { Authenticator, type HandshakeOptions, type NetworkRequest, type WebSocketSignals } from './types';

/** What the opener needs from its WebSocket. */
export interface OpenerHost {
  /** The socket whose signals are emitted. */
  readonly emitter: EventEmitter<WebSocketSignals>;
  /** Its state and last error (set here while the handshake runs). */
  readonly status: SocketStatus;
  setRequest(request: ResolvedRequest | null): void;
  /** The handshake succeeded: start the connection on `socket`. */
  connected(socket: TransportSocket, subprotocol: string, deflate: DeflateSetting | null, head: Buffer): void;
}

/** Subprotocol names are HTTP tokens (RFC 6455 §4.1, RFC 7230 §3.2.6). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** See the module comment. */
export class ClientOpener {
  readonly #host: OpenerHost;
  #options: HandshakeOptions = {};
  #handshake: ClientHandshake | null = null;
  #proxy: NetworkProxy | null = null;
  #ssl: ClientSslFlow;
  #sslConfiguration: SslConfiguration = {};
  #pauseMode = PauseMode.PauseNever;
  #peerName = '';

  constructor(host: OpenerHost) {
    this.#host = host;
    this.#ssl = new ClientSslFlow(host.emitter, () => this.#pauseMode);
  }

  /** True while a handshake runs. */
  get opening(): boolean {
    return this.#handshake !== null;
  }

  /**
   * Starts a handshake (Qt's open()). Argument problems are reported as Qt does: errorOccurred
   * with ConnectionRefusedError (CR/LF in URL or origin, bad subprotocol name, bad URL) or
   * UnsupportedSocketOperationError (scheme other than ws/wss).
   * @throws InvalidArgumentError for bad permessage-deflate options
   */
  /** @param origin the Origin header to send */
  open(target: string | URL | NetworkRequest, options: HandshakeOptions, origin: string): void {
    const host = this.#host;
    const req: NetworkRequest = typeof target === 'string' || target instanceof URL ? { url: target } : target;
    const rawUrl = req.url instanceof URL ? req.url.href : String(req.url);
    const pmd = options.perMessageDeflate;
    if (pmd !== undefined && typeof pmd !== 'boolean') validateDeflateOptions(pmd);
    const subprotocols = [...(options.subprotocols ?? [])];
    this.#options = { ...options, subprotocols };
    // Qt: a URL with newline characters is refused (it would inject headers)
    if (/[\r\n]/.test(rawUrl)) {
      host.setRequest(null);
      host.status.setError(SocketError.ConnectionRefusedError, 'Invalid URL: contains newline characters');
      return;
    }
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      host.status.setError(SocketError.ConnectionRefusedError, 'Invalid URL');
      return;
    }
    const headers = headerPairs(req.headers);
    host.setRequest({ url, headers });
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      host.status.setError(SocketError.UnsupportedSocketOperationError, `Unsupported WebSocket scheme: ${url.protocol.slice(0, -1)}`);
      return;
    }
    if (!isSafeHeaderValue(origin)) {
      host.status.setError(SocketError.ConnectionRefusedError, 'Invalid origin: contains newline characters');
      return;
    }
    const bad = subprotocols.find((p) => !TOKEN.test(p));
    if (bad !== undefined) {
      host.status.setError(SocketError.ConnectionRefusedError, `Invalid subprotocol name ${JSON.stringify(bad)}`);
      return;
    }
    this.#peerName = url.hostname;
    const port = url.port !== '' ? url.port : url.protocol === 'wss:' ? 443 : 80;
    const hs: ClientHandshake = connectClient(
      {
        url,
        headers,
        origin: origin,
        subprotocols,
        deflate: deflateOptionsOf(pmd),
        handshakeTimeoutMs: options.handshakeTimeoutMs ?? Timeouts.HANDSHAKE_MS,
        http2: options.http2 === true,
        tls: clientTlsOptions(this.#sslConfiguration),
        tlsHooks: this.#ssl.hooks(this.#sslConfiguration, `${url.hostname}:${port}`),
        openStream: proxyOpenerFor(this.proxy(), url, (proxy, realm) =>
          this.#handshake === hs ? this.#askCredentials(realm, (auth) => host.emitter.emit('proxyAuthenticationRequired', proxy, auth)) : null),
        retry: serverAuthRetry(url, (realm) => (this.#handshake === hs ? this.#askCredentials(realm, (auth) => host.emitter.emit('authenticationRequired', auth)) : null)),
      },
      {
        onHostLookup: () => host.status.setState(SocketState.HostLookupState),
        onConnecting: () => host.status.setState(SocketState.ConnectingState),
        onConnected: (socket, subprotocol, _extensions, deflate, response) => {
          if (this.#handshake !== hs) {
            socket.destroy();
            return;
          }
          this.#handshake = null;
          host.connected(socket, subprotocol, deflate, response.rest);
        },
        onFailed: (error, message) => {
          if (this.#handshake !== hs) return;
          this.#handshake = null;
          this.#ssl.resume(); // a pause that outlived the handshake timeout ends
          host.status.setError(error, message);
          host.status.setState(SocketState.UnconnectedState);
        },
      },
    );
    this.#handshake = hs;
  }

  /** Cancels the handshake in progress, if any. */
  abort(): void {
    if (this.#handshake === null) return;
    this.#handshake.abort();
    this.#handshake = null;
    this.#ssl.reset();
  }

  /**
   * Emits authenticationRequired or proxyAuthenticationRequired (synchronously, as Qt: the slot
   * must fill the Authenticator before returning) and returns what the slot filled in.
   */
  #askCredentials(realm: string, emit: (auth: Authenticator) => void): Credentials | null {
    const auth = new Authenticator(realm);
    emit(auth);
    return auth.isNull() ? null : { user: auth.user(), password: auth.password() };
  }

  /** The options given to the last open(). */
  handshakeOptions(): HandshakeOptions {
    return { ...this.#options, subprotocols: [...(this.#options.subprotocols ?? [])] };
  }
  peerName(): string {
    return this.#peerName;
  }
  proxy(): NetworkProxy {
    return (this.#proxy ??= new NetworkProxy(ProxyType.DefaultProxy));
  }
  setProxy(proxy: NetworkProxy): void {
    this.#proxy = proxy;
  }
  pauseMode(): PauseMode {
    return this.#pauseMode;
  }
  setPauseMode(mode: PauseMode): void {
    this.#pauseMode = mode;
  }
  sslConfiguration(): SslConfiguration {
    return { ...this.#sslConfiguration };
  }
  setSslConfiguration(config: SslConfiguration): void {
    this.#sslConfiguration = { ...config };
  }
  /** Qt's certificate-error flow (ignoreSslErrors, resume, continueInterruptedHandshake). */
  get ssl(): ClientSslFlow {
    return this.#ssl;
  }
}
