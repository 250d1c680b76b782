/**
 * Opening the byte stream a client handshake runs over: host lookup, TCP connect, TLS for wss://.
 * Proxies (transport/proxy) and Qt's certificate-error flow (TLS layer) plug in here, so the
 * handshake itself only sees "a connected socket".
 * @module
 */
import { lookup } from 'node:dns';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { SocketError } from '../protocol/enums';
import { socketErrorOf } from './socketErrors';
import { handshakeFailureText, invalidTlsConfiguration, secureClientStream, type TlsClientHooks, type TlsStepError } from './tlsFlow';

/** Where the WebSocket server is. */
export interface StreamTarget {
  /** Host name or IP literal (IPv6 without brackets). */
  host: string;
  port: number;
  secure: boolean;
}

/** Progress reports and cancellation support for an opening stream. */
export interface StreamProgress {
  onHostLookup(): void;
  onConnecting(): void;
  /** Every socket created is registered so that abort() can destroy it. */
  track(socket: Socket): void;
  /** True once the attempt was aborted or failed: stop quietly. */
  cancelled(): boolean;
  /**
   * Qt's certificate-error flow for wss:// (transport/tlsFlow); when set, startTls verifies
   * through it instead of letting OpenSSL reject the peer.
   */
  tlsHooks?: TlsClientHooks;
}

/** A failure while opening the stream, already mapped to Qt's SocketError. */
export class StreamError extends Error {
  constructor(readonly socketError: SocketError, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Opens the stream; replaced by the proxy layer when a proxy applies. */
export type StreamOpener = (target: StreamTarget, tls: ConnectionOptions, progress: StreamProgress) => Promise<Socket>;

/** Resolves a host name (HostLookupState); IP literals skip the lookup. */
export function resolveHost(host: string): Promise<string> {
  if (isIP(host) !== 0) return Promise.resolve(host);
  return new Promise((resolve, reject) => {
    lookup(host, (err, address) => {
      if (err !== null) reject(new StreamError(SocketError.HostNotFoundError, `Host not found: ${host}`, { cause: err }));
      else resolve(address);
    });
  });
}

/** Connects TCP to address:port (ConnectingState). */
export function connectTcp(address: string, port: number, progress: StreamProgress, refusedError = SocketError.ConnectionRefusedError): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: address, port });
    progress.track(socket);
    const onError = (err: Error): void => {
      socket.destroy();
      const e = socketErrorOf(err);
      reject(new StreamError(e === SocketError.ConnectionRefusedError ? refusedError : e, err.message, { cause: err }));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * Starts TLS over a connected socket (RFC 6455 §4.1: wss:// runs the handshake inside TLS).
 * With `progress.tlsHooks` the peer is verified by Qt's flow (peerVerifyError, sslErrors,
 * ignoreSslErrors, pause) in transport/tlsFlow; without, OpenSSL's own checks apply.
 * @param servername the SNI name (omitted for IP literals)
 */
export function startTls(socket: Socket, servername: string, tls: ConnectionOptions, progress: StreamProgress): Promise<TLSSocket> {
  const hooks = progress.tlsHooks;
  if (hooks !== undefined) {
    return secureClientStream(socket, servername, tls, hooks, (s) => progress.track(s), () => progress.cancelled()).catch((e: TlsStepError) => {
      throw new StreamError(e.socketError, e.message, { cause: e.cause });
    });
  }
  return new Promise((resolve, reject) => {
    let secure: TLSSocket;
    try {
      secure = tlsConnect({
        socket,
        servername: isIP(servername) === 0 ? servername : undefined,
        ALPNProtocols: ['http/1.1'],
        ...tls,
      });
    } catch (e) {
      socket.destroy();
      const bad = invalidTlsConfiguration(e);
      reject(new StreamError(bad.socketError, bad.message, { cause: e }));
      return;
    }
    progress.track(secure);
    const onError = (err: Error): void => {
      secure.destroy();
      reject(new StreamError(SocketError.SslHandshakeFailedError, handshakeFailureText(err), { cause: err }));
    };
    secure.once('error', onError);
    secure.once('secureConnect', () => {
      secure.off('error', onError);
      resolve(secure);
    });
  });
}

/** The direct route: lookup, TCP, then TLS for wss://. */
export const openDirectStream: StreamOpener = async (target, tls, progress) => {
  progress.onHostLookup();
  const address = await resolveHost(target.host);
  if (progress.cancelled()) throw new StreamError(SocketError.OperationError, 'aborted');
  progress.onConnecting();
  const socket = await connectTcp(address, target.port, progress);
  if (!target.secure) return socket;
  return startTls(socket, target.host, tls, progress);
};
