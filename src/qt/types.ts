/**
 * Option and value types of the public API, mapped from Qt's classes.
 * @module
 */
import type { PerMessageDeflateOptions } from '../protocol/permessageDeflate';
import type { AlertLevel, AlertType, SocketError, SocketState } from '../protocol/enums';
import type { CloseCode } from '../codec/constants';
import type { CorsAuthenticator } from './CorsAuthenticator';
import type { SslError } from './SslError';
import type { PreSharedKeyAuthenticator } from './PreSharedKeyAuthenticator';

/** QNetworkRequest: the URL to open and extra headers for the upgrade request. */
export interface NetworkRequest {
  url: string | URL;
  /** Extra request headers (name → value, or [name, value] pairs for repeated names). */
  headers?: Record<string, string> | ReadonlyArray<readonly [string, string]>;
}

/** QWebSocketHandshakeOptions (Qt 6.4), plus Node-side extras. */
export interface HandshakeOptions {
  /** Subprotocols offered in Sec-WebSocket-Protocol, in order of preference. */
  subprotocols?: readonly string[];
  /** Milliseconds the whole opening handshake may take (default 10000). Not in Qt. */
  handshakeTimeoutMs?: number;
  /**
   * Offer permessage-deflate (RFC 7692): `true` for the defaults, or options. Off by default.
   * Not in Qt.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /**
   * Open the WebSocket over HTTP/2 (RFC 8441): as an extended CONNECT stream on the origin's
   * HTTP/2 session, one session shared by the WebSockets opened to that origin (with the same
   * TLS configuration, its certificate verified without errors, no proxy). Falls back to
   * HTTP/1.1 when the server does not negotiate h2 or does not advertise
   * SETTINGS_ENABLE_CONNECT_PROTOCOL. ws:// uses h2c with prior knowledge. Off by default. Not in Qt.
   */
  http2?: boolean;
}

/** QMaskGenerator: supplies the 32-bit masking keys of outgoing client frames (RFC 6455 §5.3). */
export interface MaskGenerator {
  /** Called when the generator is installed; return false to refuse it. */
  seed(): boolean;
  /** The next mask key (a uint32, its little-endian bytes are the key octets). */
  nextMask(): number;
}

/** QAuthenticator: credentials filled in by a slot of authenticationRequired / proxyAuthenticationRequired. */
export class Authenticator {
  #user = '';
  #password = '';
  #realm: string;
  #options: Map<string, unknown> = new Map();

  constructor(realm = '') {
    this.#realm = realm;
  }

  user(): string {
    return this.#user;
  }
  setUser(user: string): void {
    this.#user = user;
  }
  password(): string {
    return this.#password;
  }
  setPassword(password: string): void {
    this.#password = password;
  }
  /** The realm the server or proxy named in its challenge. */
  realm(): string {
    return this.#realm;
  }
  option(name: string): unknown {
    return this.#options.get(name);
  }
  setOption(name: string, value: unknown): void {
    this.#options.set(name, value);
  }
  /** True when no credentials were filled in. */
  isNull(): boolean {
    return this.#user === '' && this.#password === '';
  }
}

/** The typed signals of {@link WebSocket}, with Qt's names and argument lists. */
export interface WebSocketSignals {
  aboutToClose: [];
  /**
   * TLS alerts (alertReceived from the peer, alertSent by us). Node exposes no alert callback:
   * only FATAL alerts that end a TLS handshake are observable (derived from OpenSSL's error, see
   * transport/tlsAlerts); warnings and close_notify are never reported.
   */
  alertReceived: [level: AlertLevel, type: AlertType, description: string];
  alertSent: [level: AlertLevel, type: AlertType, description: string];
  authenticationRequired: [authenticator: Authenticator];
  binaryFrameReceived: [frame: Buffer, isLastFrame: boolean];
  binaryMessageReceived: [message: Buffer];
  bytesWritten: [bytes: number];
  /**
   * Not in Qt: bytesToWrite() fell to writeLowWatermark() after exceeding writeHighWatermark()
   * (emitted once per crossing), so a producer can `await once(ws, 'drained')` instead of polling.
   */
  drained: [];
  connected: [];
  disconnected: [];
  errorOccurred: [error: SocketError];
  handshakeInterruptedOnError: [error: SslError];
  peerVerifyError: [error: SslError];
  pong: [elapsedTime: number, payload: Buffer];
  preSharedKeyAuthenticationRequired: [authenticator: PreSharedKeyAuthenticator];
  proxyAuthenticationRequired: [proxy: unknown, authenticator: Authenticator];
  readChannelFinished: [];
  sslErrors: [errors: SslError[]];
  stateChanged: [state: SocketState];
  textFrameReceived: [frame: string, isLastFrame: boolean];
  textMessageReceived: [message: string];
}

/** The typed signals of {@link WebSocketServer}. */
export interface WebSocketServerSignals {
  acceptError: [socketError: SocketError];
  closed: [];
  newConnection: [];
  originAuthenticationRequired: [authenticator: CorsAuthenticator];
  /** A client certificate failed verification (SecureMode, peerVerifyMode VerifyPeer). */
  peerVerifyError: [error: SslError];
  /** A client with a PSK identity (ciphers naming PSK suites): set the key on the authenticator. */
  preSharedKeyAuthenticationRequired: [authenticator: PreSharedKeyAuthenticator];
  serverError: [closeCode: CloseCode];
  /** The client certificate's errors; the connection is dropped after this signal. */
  sslErrors: [errors: SslError[]];
  /** Fatal alerts of failed TLS handshakes, as far as observable (see WebSocketSignals). */
  alertReceived: [level: AlertLevel, type: AlertType, description: string];
  alertSent: [level: AlertLevel, type: AlertType, description: string];
  /** Early reporting (handshakeMustInterruptOnError): a client-chain error; the client is dropped. */
  handshakeInterruptedOnError: [error: SslError];
}

/** Options for {@link WebSocketServer.attach}. */
export interface AttachOptions {
  /** Only upgrades to this path (pathname, query ignored) are taken; default: every path. */
  path?: string;
}
