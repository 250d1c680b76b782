/**
 * The server's side of the opening handshake, sans I/O (RFC 6455 §4.2): checking the client's
 * upgrade request, choosing a subprotocol, and building the 101 or error response; and the same
 * for an HTTP/2 extended CONNECT (RFC 8441 §4–5), whose answer is `:status` 200 header fields.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { acceptKey, hasHeaderToken, headerTokens, isHeaderName, isSafeHeaderValue, isValidKey } from './handshake';

/** The request fields the checks need (as Node's http parser gives them, names lower case). */
export interface UpgradeRequest {
  method: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A valid upgrade request, reduced to what the server uses. */
export interface AcceptedUpgrade {
  key: string;
  origin: string;
  /** Subprotocols the client offered, in its order. */
  protocols: string[];
  /** The client's Sec-WebSocket-Extensions offer ('' when none). */
  extensions: string;
}

/** A refused upgrade: the HTTP status and headers to answer with. */
export interface RefusedUpgrade {
  status: number;
  message: string;
  headers: Array<[string, string]>;
}

/** The versions RFC 6455 servers take (a constant: checked once per accepted connection). */
const VERSION_13: readonly string[] = ['13'];

function refuse(status: number, message: string, headers: Array<[string, string]> = []): RefusedUpgrade {
  return { status, message, headers };
}

function header(req: Pick<UpgradeRequest, 'headers'>, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Checks an upgrade request (RFC 6455 §4.2.1).
 * @param versions the Sec-WebSocket-Version values taken (the ws face also takes hybi's 8, whose
 *   handshake and framing are RFC 6455's)
 * @returns the accepted fields, or the refusal to send
 */
export function checkUpgradeRequest(req: UpgradeRequest, versions: readonly string[] = VERSION_13): AcceptedUpgrade | RefusedUpgrade {
  if (req.method !== 'GET') return refuse(405, 'WebSocket upgrade requires GET', [['Allow', 'GET']]);
  if (req.httpVersion !== '1.1' && !/^1\.[1-9]$|^[2-9]\./.test(req.httpVersion)) return refuse(505, 'HTTP/1.1 or later required');
  if (header(req, 'host') === undefined) return refuse(400, 'Missing Host header');
  if (!hasHeaderToken(header(req, 'upgrade'), 'websocket')) {
    return refuse(426, 'Upgrade to websocket required', [['Upgrade', 'websocket'], ['Connection', 'Upgrade']]);
  }
  if (!hasHeaderToken(header(req, 'connection'), 'upgrade')) {
    return refuse(426, 'Connection: Upgrade required', [['Upgrade', 'websocket'], ['Connection', 'Upgrade']]);
  }
  const unsupported = versionRefusal(req, versions);
  if (unsupported !== null) return unsupported;
  const key = header(req, 'sec-websocket-key');
  if (!isValidKey(key)) return refuse(400, 'Missing or invalid Sec-WebSocket-Key');
  return negotiable(req, key);
}

/** RFC 6455 §4.4: an unsupported version gets 400 with the versions we speak. */
function versionRefusal(req: Pick<UpgradeRequest, 'headers'>, versions: readonly string[] = VERSION_13): RefusedUpgrade | null {
  if (versions.includes(header(req, 'sec-websocket-version') ?? '')) return null;
  return { status: 400, message: 'Unsupported Sec-WebSocket-Version', headers: [['Sec-WebSocket-Version', versions.join(', ')]] };
}

/** The fields both handshakes negotiate with (RFC 6455 §4.2.1 items 7–9, RFC 8441 §5). */
function negotiable(req: Pick<UpgradeRequest, 'headers'>, key: string): AcceptedUpgrade {
  return {
    key,
    origin: header(req, 'origin') ?? header(req, 'sec-websocket-origin') ?? '',
    protocols: headerTokens(header(req, 'sec-websocket-protocol')),
    extensions: header(req, 'sec-websocket-extensions') ?? '',
  };
}

/** True for an HTTP/2 request that opens a WebSocket (RFC 8441 §4: CONNECT with `:protocol` websocket). */
export function isWebSocketConnect(headers: UpgradeRequest['headers']): boolean {
  return headers[':method'] === 'CONNECT' && headers[':protocol'] === 'websocket';
}

/**
 * Checks an extended CONNECT request (RFC 8441 §4–5; the caller has seen {@link isWebSocketConnect}).
 * `:scheme`, `:path` and `:authority` are required; Sec-WebSocket-Key is not used over HTTP/2,
 * but a valid one is kept (`key`, '' otherwise) so the answer can carry Sec-WebSocket-Accept for
 * clients that check it.
 * @returns the accepted fields, or the refusal to send
 */
export function checkConnectRequest(req: Pick<UpgradeRequest, 'headers'>): AcceptedUpgrade | RefusedUpgrade {
  for (const pseudo of [':scheme', ':path', ':authority']) {
    if (typeof req.headers[pseudo] !== 'string' || req.headers[pseudo] === '') return { status: 400, message: `Missing ${pseudo} pseudo-header`, headers: [] };
  }
  const unsupported = versionRefusal(req);
  if (unsupported !== null) return unsupported;
  const key = header(req, 'sec-websocket-key');
  return negotiable(req, isValidKey(key) ? key : '');
}

/** Narrows a {@link checkUpgradeRequest} result (or any result that may be a refusal). */
export function isRefused<T extends object>(r: T | RefusedUpgrade): r is RefusedUpgrade {
  return 'status' in r;
}

/** The first subprotocol the client offered (in its order) that the server supports; '' if none. */
export function chooseSubprotocol(offered: readonly string[], supported: readonly string[]): string {
  for (const p of offered) if (supported.includes(p)) return p;
  return '';
}

/**
 * The lines of the 101 Switching Protocols response head (RFC 6455 §4.2.2), status line first,
 * without the blank line that ends it (a face may let its users add lines).
 */
export function acceptResponseLines(key: string, subprotocol: string, extensions: string): string[] {
  return acceptResponse(key, subprotocol, '', extensions).slice(0, -4).split('\r\n');
}

/** The 101 Switching Protocols response (RFC 6455 §4.2.2). */
export function acceptResponse(key: string, subprotocol: string, serverName: string, extensions = ''): string {
  // (one string, no array of lines: once per accepted connection)
  let s = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n`;
  if (subprotocol !== '') s += `Sec-WebSocket-Protocol: ${subprotocol}\r\n`;
  if (extensions !== '') s += `Sec-WebSocket-Extensions: ${extensions}\r\n`;
  if (serverName !== '' && isSafeHeaderValue(serverName)) s += `Server: ${serverName}\r\n`;
  return s + '\r\n';
}

/** An error response that closes the connection. The body is the (peer-safe) message. */
export function errorResponse(status: number, message: string, headers: ReadonlyArray<readonly [string, string]> = [], serverName = ''): string {
  let s = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\n`;
  for (const [k, v] of headers) s += `${k}: ${v}\r\n`;
  if (serverName !== '' && isSafeHeaderValue(serverName)) s += `Server: ${serverName}\r\n`;
  return s + '\r\n' + message;
}

/** HTTP/2 response header fields: lower-case names, pseudo-headers first, repeated names as arrays. */
export type Http2ResponseHeaders = Record<string, string | number | string[]>;

/**
 * Header fields that are HTTP/1.1 connection management: forbidden in HTTP/2 (RFC 9113 §8.2.2),
 * so they are left out of an HTTP/2 answer.
 */
const CONNECTION_SPECIFIC = new Set(['connection', 'upgrade', 'keep-alive', 'proxy-connection', 'transfer-encoding']);

function http2Fields(status: number, headers: ReadonlyArray<readonly [string, string]>, serverName: string): Http2ResponseHeaders {
  const out: Http2ResponseHeaders = { ':status': status };
  for (const [k, v] of headers) {
    const name = k.toLowerCase();
    if (CONNECTION_SPECIFIC.has(name) || name.startsWith(':')) continue;
    const had = out[name];
    out[name] = had === undefined ? v : [...(Array.isArray(had) ? had : [String(had)]), v];
  }
  if (serverName !== '' && isSafeHeaderValue(serverName)) out.server = serverName;
  return out;
}

/**
 * The answer to an accepted extended CONNECT (RFC 8441 §5): `:status` 200, the subprotocol and
 * extensions as in RFC 6455 §4.2.2, and Sec-WebSocket-Accept when the client sent a key.
 */
export function connectAcceptHeaders(key: string, subprotocol: string, serverName: string, extensions = ''): Http2ResponseHeaders {
  const h: Array<[string, string]> = [];
  if (key !== '') h.push(['sec-websocket-accept', acceptKey(key)]);
  if (subprotocol !== '') h.push(['sec-websocket-protocol', subprotocol]);
  if (extensions !== '') h.push(['sec-websocket-extensions', extensions]);
  return http2Fields(200, h, serverName);
}

/** The header fields of a refused extended CONNECT (the body, the message, is sent after them). */
export function connectErrorHeaders(status: number, message: string, headers: ReadonlyArray<readonly [string, string]> = [], serverName = ''): Http2ResponseHeaders {
  return http2Fields(status, [['content-type', 'text/plain; charset=utf-8'], ['content-length', String(Buffer.byteLength(message))], ...headers], serverName);
}

/**
 * The answer to an accepted extended CONNECT as response lines (`HTTP/2 200`, then `name: value`),
 * for a face whose users edit the lines of an answer (ws's 'headers' event); turned into header
 * fields by {@link http2FieldsOfLines}.
 */
export function connectAcceptLines(key: string, subprotocol: string, extensions: string): string[] {
  const lines = ['HTTP/2 200'];
  for (const [k, v] of Object.entries(connectAcceptHeaders(key, subprotocol, '', extensions))) if (!k.startsWith(':')) lines.push(`${k}: ${String(v)}`);
  return lines;
}

/**
 * Header fields from response lines ({@link connectAcceptLines}, possibly edited): `:status` 200,
 * names lower case; lines that are not `name: value` with a valid name and value, and HTTP/1.1
 * connection headers, are left out.
 */
export function http2FieldsOfLines(lines: readonly string[]): Http2ResponseHeaders {
  const pairs: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (colon > 0 && isHeaderName(name) && isSafeHeaderValue(value)) pairs.push([name, value]);
  }
  return http2Fields(200, pairs, '');
}
