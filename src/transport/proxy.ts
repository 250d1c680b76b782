/**
 * Stream openers that go through a proxy: an HTTP CONNECT tunnel (RFC 9110 §9.3.6) or SOCKS5
 * (RFC 1928, username/password RFC 1929) with the target name resolved by the proxy. For wss://
 * TLS then runs end to end with the target over the tunnel. Failures map to Qt's SocketError
 * values as QHttpSocketEngine / QSocks5SocketEngine report them.
 * @module
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import { SocketError } from '../protocol/enums';
import { HandshakeError } from '../errors';
import { ResponseParser, type ResponseHead } from '../protocol/handshake';
import { authorizationFor, basicAuthorization, chooseChallenge, isStale, parseChallenges } from '../protocol/httpAuth';
import { StreamError, connectTcp, resolveHost, startTls, type StreamOpener, type StreamProgress, type StreamTarget } from './stream';
import { SocketReader } from './socketReader';
import { ProxyCredentials, type ProxyCredentialsPrompt } from './proxyCredentials';
import { ipv6Groups, type ProxySpec } from './proxyEnv';

export type { ProxySpec } from './proxyEnv';

export type { ProxyCredentialsPrompt } from './proxyCredentials';

/** Looks up the proxy host and connects to it (errors become the Proxy* SocketErrors). */
async function connectProxy(proxy: ProxySpec, progress: StreamProgress): Promise<Socket> {
  progress.onHostLookup();
  let address: string;
  try {
    address = await resolveHost(proxy.host);
  } catch (e) {
    throw new StreamError(SocketError.ProxyNotFoundError, `Proxy host not found: ${proxy.host}`, { cause: e });
  }
  if (progress.cancelled()) throw new StreamError(SocketError.OperationError, 'aborted');
  progress.onConnecting();
  try {
    return await connectTcp(address, proxy.port, progress, SocketError.ProxyConnectionRefusedError);
  } catch (e) {
    if (e instanceof StreamError && e.socketError === SocketError.ProxyConnectionRefusedError) {
      throw new StreamError(e.socketError, 'Connection to proxy refused', { cause: e.cause });
    }
    throw e;
  }
}

/** TLS to the target over the tunnel for wss:// (RFC 6455 §4.1: TLS is end to end). */
function finish(socket: Socket, target: StreamTarget, tls: Parameters<StreamOpener>[1], progress: StreamProgress): Promise<Socket> {
  if (progress.cancelled()) throw new StreamError(SocketError.OperationError, 'aborted');
  return target.secure ? startTls(socket, target.host, tls, progress) : Promise.resolve(socket);
}

/** host:port as a request-target of CONNECT (IPv6 literals in brackets, RFC 9110 §7.2). */
function authority(target: StreamTarget): string {
  return isIP(target.host) === 6 ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/** Qt's QHttpSocketEngine mapping of a failed CONNECT status, with gateway errors added. */
function connectStatusError(status: number): SocketError {
  switch (status) {
    case 403:
    case 405:
      return SocketError.ProxyConnectionRefusedError;
    case 404:
    case 502: // the proxy could not resolve or reach the target host
      return SocketError.HostNotFoundError;
    case 503:
      return SocketError.ConnectionRefusedError;
    case 504:
      return SocketError.SocketTimeoutError;
    default:
      return SocketError.ProxyProtocolError;
  }
}

/** Largest CONNECT reply head accepted (a proxy's error page body is not read). */
const MAX_PROXY_HEAD = 16 * 1024;

/** Sends CONNECT and reads the proxy's response head; the tunnel's bytes stay in the reader. */
async function requestTunnel(socket: Socket, target: StreamTarget, authorization: string | null): Promise<{ head: ResponseHead; reader: SocketReader }> {
  const reader = new SocketReader(socket, (hadBytes) =>
    hadBytes
      ? new StreamError(SocketError.ProxyProtocolError, 'Proxy closed the connection in the middle of its reply')
      : new StreamError(SocketError.ProxyConnectionClosedError, 'Proxy closed the connection prematurely'));
  const where = authority(target);
  let req = `CONNECT ${where} HTTP/1.1\r\nHost: ${where}\r\n`;
  if (authorization !== null) req += `Proxy-Authorization: ${authorization}\r\n`;
  socket.write(`${req}\r\n`);
  const garbage = (cause?: unknown): StreamError => new StreamError(SocketError.ProxyProtocolError, 'Invalid reply from the HTTP proxy', { cause });
  try {
    const bytes = await reader.read((buf) => {
      if (buf.length >= 5 && buf.toString('latin1', 0, 5) !== 'HTTP/') throw garbage();
      const end = buf.indexOf('\r\n\r\n', 0, 'latin1');
      if (end >= 0) return end + 4;
      if (buf.length > MAX_PROXY_HEAD) throw garbage();
      return -1;
    });
    let head: ResponseHead | null;
    try {
      head = new ResponseParser().push(Buffer.from(bytes));
    } catch (e) {
      if (e instanceof HandshakeError) throw garbage(e);
      throw e;
    }
    if (head === null) throw garbage();
    return { head, reader };
  } catch (e) {
    reader.release();
    socket.destroy();
    throw e;
  }
}

/**
 * An opener tunnelling through an HTTP proxy with CONNECT. Credentials in `proxy` are sent
 * (Basic) from the first request; on 407 the proxy's challenge is answered (Basic or Digest)
 * with the credentials at hand, asking `prompt` when there are none, and credentials refused
 * under a scheme are asked for again (transport/proxyCredentials).
 * Errors: ProxyNotFoundError, ProxyConnectionRefusedError, ProxyConnectionClosedError,
 * ProxyProtocolError, ProxyAuthenticationRequiredError, or the target's error per status.
 */
export function httpConnectOpener(proxy: ProxySpec, prompt: ProxyCredentialsPrompt): StreamOpener {
  // credentials the slot filled in are kept for later attempts of the same open()
  const store = new ProxyCredentials(proxy, prompt);
  return async (target, tls, progress) => {
    const first = store.current();
    let authorization: string | null = first !== null && !first.user.includes(':') ? basicAuthorization(first) : null;
    let sentScheme = authorization !== null ? 'basic' : '';
    const denied = (): StreamError => new StreamError(SocketError.ProxyAuthenticationRequiredError, 'Proxy requires authentication');
    // each attempt either asks the slot (bounded) or moves to another scheme
    for (let attempt = 0; attempt < 8; attempt++) {
      const socket = await connectProxy(proxy, progress);
      const { head, reader } = await requestTunnel(socket, target, authorization);
      if (head.status >= 200 && head.status < 300) {
        reader.release(); // bytes after the head (none expected) go back into the socket
        return finish(socket, target, tls, progress);
      }
      reader.release();
      socket.destroy();
      // 407 (RFC 9110 §15.5.8); tinyproxy answers refused credentials with 401 + WWW-Authenticate
      if (head.status !== 407 && head.status !== 401) {
        throw new StreamError(connectStatusError(head.status), `Proxy refused the tunnel: ${head.status} ${head.statusText}`.trim());
      }
      const challenge = chooseChallenge(parseChallenges(head.headers.get('proxy-authenticate') ?? head.headers.get('www-authenticate') ?? ''));
      if (challenge === null) throw denied();
      // the same scheme again (and no fresh nonce): the credentials sent were refused
      if (sentScheme === challenge.scheme && !isStale(challenge)) store.refuse();
      const creds = store.next(challenge.params.get('realm') ?? '');
      if (creds === null) throw denied();
      if (progress.cancelled()) throw new StreamError(SocketError.OperationError, 'aborted');
      try {
        authorization = authorizationFor(challenge, creds, { method: 'CONNECT', uri: authority(target), cnonce: randomBytes(16).toString('hex') });
      } catch {
        throw denied(); // e.g. a Basic user name with ':'
      }
      sentScheme = challenge.scheme;
    }
    throw denied();
  };
}

/** SOCKS5 constants (RFC 1928 §3–6, RFC 1929 §2). */
const SOCKS = { VERSION: 5, NO_AUTH: 0, USER_PASS: 2, NO_METHOD: 0xff, CONNECT: 1, IPV4: 1, DOMAIN: 3, IPV6: 4, AUTH_VERSION: 1 } as const;

/** Qt's QSocks5SocketEngine mapping of a SOCKS5 reply code (RFC 1928 §6). */
const SOCKS_REPLY: Readonly<Record<number, [SocketError, string]>> = {
  1: [SocketError.NetworkError, 'General SOCKSv5 server failure'],
  2: [SocketError.SocketAccessError, 'Connection not allowed by SOCKSv5 server'],
  3: [SocketError.NetworkError, 'Network unreachable'],
  4: [SocketError.HostNotFoundError, 'Host not found'],
  5: [SocketError.ConnectionRefusedError, 'Connection refused'],
  6: [SocketError.NetworkError, 'TTL expired'],
  7: [SocketError.UnsupportedSocketOperationError, 'SOCKSv5 command not supported'],
  8: [SocketError.UnsupportedSocketOperationError, 'Address type not supported'],
};

function protocolError(what: string): StreamError {
  return new StreamError(SocketError.ProxyProtocolError, `Invalid SOCKSv5 ${what}`);
}

/** The CONNECT request: IP literals as addresses, names as ATYP 3 (resolved by the proxy). */
function socksConnectRequest(target: StreamTarget): Buffer {
  const kind = isIP(target.host);
  let addr: Buffer;
  if (kind === 4) addr = Buffer.from([SOCKS.IPV4, ...target.host.split('.').map(Number)]);
  else if (kind === 6) {
    const groups = ipv6Groups(target.host);
    addr = Buffer.alloc(17);
    addr[0] = SOCKS.IPV6;
    groups.forEach((g, i) => addr.writeUInt16BE(g, 1 + 2 * i));
  } else {
    const name = Buffer.from(target.host, 'utf8');
    if (name.length > 255) throw new StreamError(SocketError.HostNotFoundError, 'Host name too long for SOCKSv5');
    addr = Buffer.concat([Buffer.from([SOCKS.DOMAIN, name.length]), name]);
  }
  const port = Buffer.alloc(2);
  port.writeUInt16BE(target.port);
  return Buffer.concat([Buffer.from([SOCKS.VERSION, SOCKS.CONNECT, 0]), addr, port]);
}

/** Length of a complete CONNECT reply at the start of `b`, or -1. */
function socksReplyLength(b: Buffer): number {
  if (b.length < 5) return -1;
  if (b[0] !== SOCKS.VERSION) throw protocolError('reply');
  if (b[1] !== 0) return 2; // failures: the code is all we need
  const len = b[3] === SOCKS.IPV4 ? 4 : b[3] === SOCKS.IPV6 ? 16 : b[3] === SOCKS.DOMAIN ? 1 + b[4] : -1;
  if (len < 0) throw protocolError('address type in reply');
  return b.length >= 4 + len + 2 ? 4 + len + 2 : -1;
}

/** The SOCKS5 greeting and, when the proxy picks it, username/password authentication. */
async function socksAuthenticate(socket: Socket, reader: SocketReader, store: ProxyCredentials, progress: StreamProgress): Promise<'ok' | 'refused'> {
  socket.write(Buffer.from([SOCKS.VERSION, 2, SOCKS.NO_AUTH, SOCKS.USER_PASS]));
  const choice = await reader.readExactly(2);
  if (choice[0] !== SOCKS.VERSION) throw protocolError('method reply');
  if (choice[1] === SOCKS.NO_AUTH) return 'ok';
  if (choice[1] === SOCKS.NO_METHOD) throw new StreamError(SocketError.ProxyAuthenticationRequiredError, 'Proxy offers no supported authentication method');
  if (choice[1] !== SOCKS.USER_PASS) throw protocolError('method choice');
  const creds = store.next('');
  if (creds === null) throw new StreamError(SocketError.ProxyAuthenticationRequiredError, 'Proxy requires authentication');
  if (progress.cancelled()) throw new StreamError(SocketError.OperationError, 'aborted');
  const user = Buffer.from(creds.user, 'utf8');
  const pass = Buffer.from(creds.password, 'utf8');
  if (user.length > 255 || pass.length > 255) throw new StreamError(SocketError.ProxyAuthenticationRequiredError, 'Proxy credentials too long for SOCKSv5');
  socket.write(Buffer.concat([Buffer.from([SOCKS.AUTH_VERSION, user.length]), user, Buffer.from([pass.length]), pass]));
  try {
    const status = await reader.readExactly(2);
    return status[1] === 0 ? 'ok' : 'refused';
  } catch (e) {
    // some servers just close on wrong credentials
    if (e instanceof StreamError && e.socketError === SocketError.ProxyConnectionClosedError) return 'refused';
    throw e;
  }
}

/**
 * An opener through a SOCKS5 proxy. Offers "no authentication" and username/password; when the
 * proxy picks the latter, the setting's credentials are sent, or `prompt` is asked; refused
 * credentials are asked for again on a new connection (RFC 1929 §2: the server closes after a
 * failure; transport/proxyCredentials).
 * Errors: ProxyNotFoundError, ProxyConnectionRefusedError, ProxyConnectionClosedError,
 * ProxyProtocolError, ProxyAuthenticationRequiredError, or the reply code's error.
 */
export function socks5Opener(proxy: ProxySpec, prompt: ProxyCredentialsPrompt): StreamOpener {
  const store = new ProxyCredentials(proxy, prompt);
  return async (target, tls, progress) => {
    const request = socksConnectRequest(target);
    for (;;) {
      const socket = await connectProxy(proxy, progress);
      const reader = new SocketReader(socket, (hadBytes) =>
        hadBytes
          ? protocolError('reply (connection closed in the middle)')
          : new StreamError(SocketError.ProxyConnectionClosedError, 'Proxy closed the connection prematurely'));
      let refused = false;
      try {
        refused = (await socksAuthenticate(socket, reader, store, progress)) === 'refused';
        if (!refused) {
          if (progress.cancelled()) throw new StreamError(SocketError.OperationError, 'aborted');
          socket.write(request);
          const reply = await reader.read(socksReplyLength);
          if (reply[1] !== 0) {
            const [err, text] = SOCKS_REPLY[reply[1]] ?? [SocketError.UnknownSocketError, `Unknown SOCKSv5 proxy error code 0x${reply[1].toString(16)}`];
            throw new StreamError(err, text);
          }
        }
      } catch (e) {
        reader.release();
        socket.destroy();
        throw e;
      }
      reader.release();
      if (!refused) return finish(socket, target, tls, progress);
      socket.destroy();
      // ask before reconnecting, as Qt's reauthenticate(); ends when the slot gives up
      store.refuse();
      if (store.next('') === null) throw new StreamError(SocketError.ProxyAuthenticationRequiredError, 'Proxy authentication failed');
      if (progress.cancelled()) throw new StreamError(SocketError.OperationError, 'aborted');
    }
  };
}

/** An opener that always fails: for proxy types a WebSocket cannot use (Qt's caching proxies). */
export function unsupportedProxyOpener(what: string): StreamOpener {
  return () => Promise.reject(new StreamError(SocketError.UnsupportedSocketOperationError, `${what} cannot carry a WebSocket`));
}
