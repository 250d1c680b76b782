/**
 * The client's side of WebSockets over HTTP/2 (RFC 8441): one HTTP/2 session per origin (and
 * TLS configuration), shared by every WebSocket opened to it, each WebSocket an extended
 * CONNECT stream. The session runs over the socket the usual stream opener gives (lookup, TCP,
 * TLS with ALPN h2 and Qt's certificate-error flow), so a TLS server that picks http/1.1 keeps
 * its connection for the HTTP/1.1 upgrade. A server whose SETTINGS do not carry
 * SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3) gets HTTP/1.1, remembered for a while.
 *
 * Only sessions whose TLS peer verified cleanly are shared (a connection kept after ignored
 * certificate errors serves the WebSocket that accepted them and no other), and none through a
 * proxy. A session with no WebSocket left is closed after a short idle time (shared) or at once.
 * @module
 */
import { connect as h2connect, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { Timeouts } from '../codec/constants';
import { SocketError } from '../protocol/enums';
import type { ResponseHead } from '../protocol/handshake';
import { StreamError } from './stream';
import { timerQueue, type TimerEntry } from './timerQueue';
import { verificationKey, type TlsClientHooks } from './tlsFlow';

/** How a WebSocket reaches its server when HTTP/2 was asked for. */
export type Http2Route =
  /** An HTTP/2 session that allows extended CONNECT (`reused`: taken from the pool, not opened for this WebSocket). */
  | { kind: 'session'; session: ClientHttp2Session; reused: boolean }
  /** HTTP/1.1: on this TLS connection (the server chose http/1.1), or on a new one (null). */
  | { kind: 'http1'; socket: Socket | null };

/** A connection the opener made: the socket, and whether its peer verified cleanly. */
export interface OpenedConnection {
  socket: Socket;
  verified: boolean;
}

/** What a session attempt came to: the session (null: HTTP/1.1 instead) and whether others may use it. */
interface SessionOutcome {
  route: Http2Route;
  shareable: boolean;
}

/** Sessions (or the HTTP/1.1 verdict) per origin and configuration, while they are being made and after. */
const sessions = new Map<string, Promise<SessionOutcome>>();
/** WebSocket streams per session and the idle timer of a session with none. */
const usage = new WeakMap<ClientHttp2Session, { streams: number; idle: TimerEntry | null; shared: boolean }>();

/**
 * The key under which WebSockets share a session: the origin, and a digest of how its peer is
 * verified and who we are to it (transport/tlsFlow's verificationKey).
 * @param host the host name or IP literal (IPv6 without brackets)
 */
export function http2SessionKey(url: URL, host: string, port: number, hooks: TlsClientHooks | undefined, tls: ConnectionOptions): string {
  return `${url.protocol}//${host}:${port}|${verificationKey(hooks, host, tls)}`;
}

/**
 * The route for one WebSocket: a shared session when one exists or is being made for `key`,
 * else a new connection through `open` (shared under `key` unless null or not cleanly verified).
 * @param key the origin and TLS configuration; null never shares
 */
export async function http2Route(key: string | null, secure: boolean, open: () => Promise<OpenedConnection>): Promise<Http2Route> {
  const existing = key === null ? undefined : sessions.get(key);
  if (existing !== undefined) {
    // another WebSocket's attempt: if it failed or may not be shared, this one makes its own
    const outcome = await existing.catch(() => null);
    if (outcome !== null && outcome.shareable && (outcome.route.kind === 'http1' || usable(outcome.route.session))) {
      return outcome.route.kind === 'http1' ? { kind: 'http1', socket: null } : { ...outcome.route, reused: true };
    }
  }
  const attempt = openSession(secure, key !== null, open);
  if (key !== null) {
    sessions.set(key, attempt);
    attempt.then(
      (o) => {
        if (!o.shareable) forget(key, attempt);
        else if (o.route.kind === 'session') o.route.session.once('close', () => forget(key, attempt)).once('goaway', () => forget(key, attempt));
        // the HTTP/1.1 verdict is kept a while: opens meanwhile go straight to HTTP/1.1
        else timerQueue(Timeouts.HTTP2_SESSION_IDLE_MS).add(() => forget(key, attempt));
      },
      () => forget(key, attempt),
    );
  }
  // the verdict is for those that come later; this WebSocket has its connection
  return (await attempt).route;
}

/**
 * Whether a WebSocket whose extended CONNECT on `route` failed with `error` asks for a route once
 * more. A session taken from the pool can have ended (the server dropped the idle connection,
 * or restarted) or refused new streams (GOAWAY) before we read that: the request never reached
 * a server that could answer it, and a new connection may, as HTTP clients retry a request that
 * fails unanswered on a reused keep-alive connection. A session opened for this WebSocket gets
 * no second try: its failure is the server's answer.
 */
export function retriesOnNewRoute(route: Http2Route, error: unknown): boolean {
  return route.kind === 'session' && route.reused && error instanceof StreamError;
}

function forget(key: string, attempt: Promise<SessionOutcome>): void {
  if (sessions.get(key) === attempt) sessions.delete(key);
}

function usable(s: ClientHttp2Session): boolean {
  return !s.closed && !s.destroyed;
}

/**
 * Opens a connection and, where it speaks HTTP/2, a session; waits for the server's SETTINGS.
 * @param pooled the session goes into the pool (kept open a while when idle) if it verified cleanly
 */
async function openSession(secure: boolean, pooled: boolean, open: () => Promise<OpenedConnection>): Promise<SessionOutcome> {
  const { socket, verified } = await open();
  if (secure && (socket as TLSSocket).alpnProtocol !== 'h2') return { route: { kind: 'http1', socket }, shareable: verified };
  const session = h2connect(secure ? 'https://qwebsocket.invalid' : 'http://qwebsocket.invalid', { createConnection: () => socket });
  session.on('error', () => {}); // reported through the streams, or as the HTTP/1.1 fallback below
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      session.off('remoteSettings', onSettings).off('close', onClose);
      if (ok) {
        usage.set(session, { streams: 0, idle: null, shared: pooled && verified });
        resolve({ route: { kind: 'session', session, reused: false }, shareable: verified });
        return;
      }
      session.destroy();
      // h2c to a server that only speaks HTTP/1.1 ends the connection: a new one is needed
      resolve({ route: { kind: 'http1', socket: null }, shareable: verified });
    };
    const onSettings = (): void => done(session.remoteSettings.enableConnectProtocol === true);
    const onClose = (): void => done(false);
    session.once('remoteSettings', onSettings).once('close', onClose);
  });
}

/** Counts a WebSocket stream on its session: the session stays open (and referenced) while it has one. */
function holdSession(session: ClientHttp2Session, stream: ClientHttp2Stream): void {
  const u = usage.get(session);
  if (u === undefined) return;
  if (u.idle !== null) timerQueue(Timeouts.HTTP2_SESSION_IDLE_MS).cancel(u.idle);
  u.idle = null;
  if (u.streams++ === 0) session.ref();
  stream.once('close', () => {
    if (--u.streams > 0) return;
    // an idle session must not keep the process alive
    session.unref();
    if (!u.shared) session.close();
    else u.idle = timerQueue(Timeouts.HTTP2_SESSION_IDLE_MS).add(() => session.close());
  });
}

/** The answer to an extended CONNECT as a {@link ResponseHead} (pseudo-headers left out, no rest). */
function responseHead(headers: IncomingHttpHeaders): ResponseHead {
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':') && v !== undefined) map.set(k, Array.isArray(v) ? v.join(', ') : String(v));
  return { status: Number(headers[':status']), statusText: '', headers: map, rest: Buffer.alloc(0) };
}

/** The answer to an extended CONNECT: its stream, as a {@link ResponseHead} and as Node gave the fields. */
export interface ConnectAnswer {
  stream: ClientHttp2Stream;
  head: ResponseHead;
  /** The response's fields, `:status` included. */
  fields: IncomingHttpHeaders;
}

/**
 * Sends an extended CONNECT on `session` and waits for its answer.
 * @param track called with the stream at once (so that an abort can reset it)
 * @throws StreamError when the stream or the session ends before an answer
 */
export function requestWebSocketStream(session: ClientHttp2Session, headers: Record<string, string | string[]>, track: (s: ClientHttp2Stream) => void): Promise<ConnectAnswer> {
  return new Promise((resolve, reject) => {
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: false });
    } catch (e) {
      reject(new StreamError(SocketError.RemoteHostClosedError, `HTTP/2 session unusable: ${(e as Error).message}`, { cause: e }));
      return;
    }
    stream.on('error', () => {}); // the 'close' that follows reports it
    track(stream);
    holdSession(session, stream);
    const onClose = (): void => reject(new StreamError(SocketError.RemoteHostClosedError, 'Stream closed during the WebSocket handshake'));
    stream.once('close', onClose);
    stream.once('response', (h: IncomingHttpHeaders) => {
      stream.off('close', onClose);
      resolve({ stream, head: responseHead(h), fields: h });
    });
  });
}
