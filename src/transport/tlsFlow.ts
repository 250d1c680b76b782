/**
 * The TLS step of a wss:// client with Qt's certificate-error flow. OpenSSL is told not to reject
 * anything (rejectUnauthorized false, no identity check); once the TLS handshake is done the
 * verification problems are collected here (OpenSSL's verify result, validity dates, chain
 * depth, the host name per RFC 6125 through tls.checkServerIdentity) and handed to the owner's
 * `verify` hook, which emits Qt's signals and decides — possibly later, after resume() — whether
 * the connection goes on. Nothing is written on the socket before that decision.
 *
 * Used by stream.startTls, so the direct route and the proxy tunnels get the same flow.
 * @module
 */
import { X509Certificate, createHash } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { PeerVerifyMode, SocketError, type AlertLevel, type AlertType } from '../protocol/enums';
import { verifyChain } from './chainVerifier';
import { tlsAlertOf, tlsErrorText } from './tlsAlerts';
import { trustAnchors } from './trustStore';

/** One verification problem, by the OpenSSL/Node code it was reported with. */
export interface TlsVerifyFailure {
  /** 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'NO_PEER_CERTIFICATE', … */
  code: string;
  /** The certificate it concerns (null when the peer sent none). */
  certificate: X509Certificate | null;
  /**
   * 'chain': found while verifying the chain (Qt reports these from OpenSSL's verify callback,
   * so they take part in handshakeInterruptedOnError); 'identity': the checks after it (host
   * name, missing certificate), which Qt puts first in the sslErrors list.
   */
  stage: 'chain' | 'identity';
}

/** What the owner of a client connection plugs into the TLS step. */
export interface TlsClientHooks {
  /** The verify mode (AutoVerifyPeer already resolved to VerifyPeer). */
  verifyMode: PeerVerifyMode;
  /** Longest accepted chain, 0 for any. */
  verifyDepth: number;
  /** The name the certificate must match; the target host when undefined. */
  verifyName?: string;
  /** Session cache key (host:port of the WebSocket server), '' to neither offer nor keep sessions. */
  sessionKey: string;
  /**
   * Decides on the failures (possibly none). Resolves null to go on, or the error string to fail
   * the connection with SslHandshakeFailedError. `cancelled()` turns true once the attempt was
   * aborted (stop emitting then).
   */
  verify(failures: TlsVerifyFailure[], cancelled: () => boolean): Promise<string | null> | string | null;
  /** TLS-PSK: identity and key for the server's hint (null for TLS 1.3), or null to use none. */
  psk?(hint: string | null): { identity: string; psk: Buffer } | null;
  /** An alert observed on this connection (see transport/tlsAlerts). */
  alert?(received: boolean, level: AlertLevel, type: AlertType, description: string): void;
}

/** Failure of the TLS step, already mapped to Qt's SocketError (same shape as stream.StreamError). */
export interface TlsStepError {
  socketError: SocketError;
  message: string;
  cause?: unknown;
}

/**
 * A kept session: the ticket, and the verification failures of the connection it came from (a
 * resumed handshake carries no certificate, so they are reported again from here and the
 * ignore rules apply again).
 */
interface KeptSession {
  session: Buffer;
  failures: TlsVerifyFailure[];
}

/** The last session per host:port (Node session tickets), kept for resumption. Bounded. */
const sessions = new Map<string, KeptSession>();
const MAX_SESSIONS = 256;

function keepSession(key: string, session: Buffer, failures: TlsVerifyFailure[]): void {
  sessions.delete(key);
  sessions.set(key, { session, failures });
  if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
}

/**
 * The cache key: host:port plus everything that decides how the peer is verified, so that a
 * session verified under one configuration is never resumed under a stricter one.
 */
function sessionCacheKey(hooks: TlsClientHooks, host: string, tls: ConnectionOptions): string {
  return `${hooks.sessionKey}|${verificationKey(hooks, host, tls)}`;
}

/**
 * A digest of everything that decides how a peer is verified and who we are to it: connections
 * may share TLS state (a resumed session, an HTTP/2 session) only under the same one.
 */
export function verificationKey(hooks: TlsClientHooks | undefined, host: string, tls: ConnectionOptions): string {
  const text = (v: unknown): string => (v === undefined ? '' : Array.isArray(v) ? v.map(text).join('\n') : Buffer.isBuffer(v) ? v.toString('base64') : String(v));
  const h = createHash('sha256');
  const parts: unknown[] = [hooks?.verifyMode, hooks?.verifyDepth, hooks?.verifyName ?? host, text(tls.ca), text(tls.cert), tls.servername, tls.ciphers, tls.minVersion, tls.maxVersion];
  // without the hooks OpenSSL verifies: whether it rejects, and the key behind the certificate, count too
  if (hooks === undefined) parts.push(tls.rejectUnauthorized, text(tls.key));
  for (const part of parts) h.update(text(part)).update('\0');
  return h.digest('base64');
}

/** errorString() of a failed TLS handshake, in Qt's words (the OpenSSL detail stays in `cause`). */
export function handshakeFailureText(err: unknown): string {
  return `Error during SSL handshake: ${tlsErrorText(err)}`;
}

/**
 * The failure for TLS options tls.connect refuses outright (a key or certificate that does not
 * parse, an unknown cipher list): Qt's SslInvalidUserDataError.
 */
export function invalidTlsConfiguration(err: unknown): TlsStepError {
  return { socketError: SocketError.SslInvalidUserDataError, message: `Invalid TLS configuration: ${tlsErrorText(err)}`, cause: err };
}

/** Forgets every kept TLS session (e.g. after changing trust settings). */
export function clearTlsSessionCache(): void {
  sessions.clear();
}

/** The peer's chain as verified by OpenSSL, leaf first ([] when the peer sent no certificate). */
export function peerChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<DetailedPeerCertificate>();
  while (c !== undefined && c !== null && c.raw !== undefined && !seen.has(c)) {
    seen.add(c);
    out.push(new X509Certificate(c.raw));
    const next: DetailedPeerCertificate | undefined = c.issuerCertificate;
    if (next === c) break;
    c = next;
  }
  return out;
}

/** The certificate an OpenSSL verify code is about, when only the code is known. */
function certificateFor(code: string, chain: X509Certificate[]): X509Certificate | null {
  if (chain.length === 0) return null;
  const now = Date.now();
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return chain.find((c) => Date.parse(c.validTo) < now) ?? chain[0];
    case 'CERT_NOT_YET_VALID':
      return chain.find((c) => Date.parse(c.validFrom) > now) ?? chain[0];
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return chain[chain.length - 1];
    default:
      return chain[0];
  }
}

/**
 * Collects the verification failures of a finished TLS handshake: every chain error in the
 * order OpenSSL's verify callback meets them (transport/chainVerifier), then the host name per
 * RFC 6125 (client side, through tls.checkServerIdentity) or the missing certificate.
 * OpenSSL's own verdict decides whether there are chain errors at all: a socket it authorized
 * has none (unless a verify depth asks for more), and the error it kept is always among them.
 * @param socket the TLS socket (client or server side)
 * @param verifyMode resolved verify mode; VerifyNone and QueryPeer report nothing
 * @param depth the verify depth (Qt's peerVerifyDepth, OpenSSL's meaning), 0 for the default
 * @param identityName host name to check (client side), or null for none (server side)
 * @param pskUsed true when a pre-shared key authenticated the peer (no certificate expected)
 * @param anchors the trusted certificates (see transport/trustStore)
 */
export function collectFailures(
  socket: TLSSocket,
  verifyMode: PeerVerifyMode,
  depth: number,
  identityName: string | null,
  pskUsed: boolean,
  anchors: () => readonly X509Certificate[],
): TlsVerifyFailure[] {
  if (verifyMode !== PeerVerifyMode.VerifyPeer) return [];
  const chain = peerChain(socket);
  if (chain.length === 0) return pskUsed ? [] : [{ code: 'NO_PEER_CERTIFICATE', certificate: null, stage: 'identity' }];
  const ae = socket.authorizationError as unknown;
  const kept = typeof ae === 'string' ? ae : ((ae as { code?: string } | null)?.code ?? (ae ? 'UNSPECIFIED' : ''));
  const out: TlsVerifyFailure[] = [];
  if (kept !== '' || depth > 0) {
    const purpose = identityName !== null ? 'sslServer' : 'sslClient';
    try {
      for (const e of verifyChain(chain, anchors(), purpose, depth)) out.push({ code: e.code, certificate: e.certificate, stage: 'chain' });
    } catch {
      // a certificate OpenSSL parsed but the DER reader does not: OpenSSL's own error remains
    }
    if (kept !== '' && !out.some((f) => f.code === kept)) out.push({ code: kept, certificate: certificateFor(kept, chain), stage: 'chain' });
  }
  if (identityName !== null) {
    const err = checkServerIdentity(identityName, socket.getPeerCertificate());
    if (err !== undefined) out.push({ code: (err as Error & { code?: string }).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID', certificate: chain[0], stage: 'identity' });
  }
  return out;
}

/**
 * Starts TLS over a connected socket and runs the Qt verification flow.
 * @param socket the connected TCP socket (or proxy tunnel)
 * @param host the WebSocket server's host (SNI unless an IP literal, and the identity to check)
 * @param tls options from transport/tls.clientTlsOptions
 * @param hooks the owner's callbacks
 * @param track registers the TLS socket so that an abort destroys it
 * @param cancelled true once the attempt was aborted
 * @returns the TLS socket, with nothing written on it yet, once the flow accepted the peer
 */
export function secureClientStream(
  socket: Socket,
  host: string,
  tls: ConnectionOptions,
  hooks: TlsClientHooks,
  track: (s: Socket) => void,
  cancelled: () => boolean,
): Promise<TLSSocket> {
  return new Promise((resolve, reject: (e: TlsStepError) => void) => {
    const key = hooks.sessionKey === '' ? '' : sessionCacheKey(hooks, host, tls);
    let pskUsed = false;
    let accepted = false;
    let lastSession: Buffer | undefined;
    let failures: TlsVerifyFailure[] = [];
    const kept = key !== '' ? sessions.get(key) : undefined;
    const options: ConnectionOptions = {
      socket,
      servername: isIP(host) === 0 ? host : undefined,
      ALPNProtocols: ['http/1.1'],
      ...tls,
      rejectUnauthorized: false,
      // the identity is checked in collectFailures, as Qt's HostNameMismatch
      checkServerIdentity: () => undefined,
    };
    if (kept !== undefined) options.session = kept.session;
    const psk = hooks.psk;
    if (psk !== undefined) {
      options.pskCallback = (hint: string | null) => {
        const r = psk(hint);
        if (r === null) return null;
        pskUsed = true;
        return r;
      };
    }
    let secure: TLSSocket;
    try {
      secure = tlsConnect(options);
    } catch (e) {
      socket.destroy();
      reject(invalidTlsConfiguration(e));
      return;
    }
    track(secure);
    if (key !== '') {
      secure.on('session', (s: Buffer) => {
        // only sessions of connections the flow accepted are worth resuming (TLS 1.2 reports
        // the session before secureConnect, TLS 1.3 tickets come after it)
        lastSession = s;
        // a PSK session would skip the PSK exchange next time: never kept
        if (accepted && !pskUsed) keepSession(key, s, failures);
      });
    }
    const fail = (socketError: SocketError, message: string, cause?: unknown): void => {
      secure.destroy();
      reject({ socketError, message, cause });
    };
    const onError = (err: Error): void => {
      const alert = tlsAlertOf(err);
      if (alert !== null && !cancelled()) hooks.alert?.(alert.received, alert.level, alert.type, alert.description);
      fail(SocketError.SslHandshakeFailedError, handshakeFailureText(err), err);
    };
    secure.once('error', onError);
    secure.once('secureConnect', () => {
      secure.off('error', onError);
      try {
        const resumed = kept !== undefined && secure.isSessionReused() && peerChain(secure).length === 0;
        failures = resumed ? kept.failures : collectFailures(secure, hooks.verifyMode, hooks.verifyDepth, hooks.verifyName ?? host, pskUsed, () => trustAnchors(tls.ca));
      } catch (e) {
        fail(SocketError.SslInternalError, (e as Error).message, e);
        return;
      }
      // the signals run (and may abort) from a fresh macrotask: destroying the TLS socket while
      // Node's TLSWrap is still on the stack of its handshake callback can crash the process
      new Promise<void>((r) => setImmediate(r))
        .then(() => hooks.verify(failures, cancelled))
        .then(
          (refusal) => {
            if (cancelled()) fail(SocketError.OperationError, 'aborted');
            else if (secure.destroyed) fail(SocketError.RemoteHostClosedError, 'The remote host closed the connection during the TLS handshake');
            else if (refusal !== null) fail(SocketError.SslHandshakeFailedError, refusal);
            else {
              accepted = true;
              if (lastSession !== undefined && !pskUsed) keepSession(key, lastSession, failures);
              resolve(secure);
            }
          },
          (e: unknown) => fail(SocketError.SslInternalError, (e as Error)?.message ?? String(e), e),
        );
    });
  });
}
