/**
 * The opening handshake, sans I/O (RFC 6455 §4): building the client's upgrade request,
 * parsing and checking the server's response, and the server-side key/accept rules; and the
 * client's HTTP/2 extended CONNECT (RFC 8441 §4–5): its header fields and the check of the answer.
 * @module
 */
import { HandshakeError } from '../errors';
import { Limits } from '../codec/constants';
import { acceptKey } from '../codec/acceptKey';

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2 step 5.4). */
export { acceptKey };

/** RFC 6455 §4.1: the key is 16 random bytes, base64 (24 chars ending in '=='). */
export function isValidKey(key: string | undefined): key is string {
  return key !== undefined && /^[A-Za-z0-9+/]{22}==$/.test(key);
}

/** A parsed HTTP response head. Header names are lower case; repeated headers joined by ', '. */
export interface ResponseHead {
  status: number;
  statusText: string;
  headers: Map<string, string>;
  /** Bytes after the head (first frames), or empty. */
  rest: Buffer;
}

/** RFC 7230 §3.2.6 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True when `value` is a valid HTTP header value (no CR, LF or NUL: header injection). */
export function isSafeHeaderValue(value: string): boolean {
  return !/[\r\n\0]/.test(value);
}

/** True when `name` is a valid HTTP header name. */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/**
 * Incremental parser for the server's response head. Feed chunks until it returns a head;
 * throws {@link HandshakeError} on malformed input or a head over {@link Limits.MAX_HANDSHAKE_SIZE}.
 */
export class ResponseParser {
  #buf: Buffer = Buffer.alloc(0);

  /** @returns the head once complete, else null (keep feeding). */
  push(chunk: Buffer): ResponseHead | null {
    const prev = this.#buf.length;
    this.#buf = prev === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const end = this.#buf.indexOf('\r\n\r\n', Math.max(0, prev - 3), 'latin1');
    if (end < 0) {
      if (this.#buf.length > Limits.MAX_HANDSHAKE_SIZE) throw new HandshakeError('Handshake response header too large', 0);
      return null;
    }
    if (end > Limits.MAX_HANDSHAKE_SIZE) throw new HandshakeError('Handshake response header too large', 0);
    const head = parseResponseHead(this.#buf.toString('latin1', 0, end));
    const rest = this.#buf.subarray(end + 4);
    this.#buf = Buffer.alloc(0);
    return { ...head, rest };
  }
}

function parseResponseHead(text: string): Omit<ResponseHead, 'rest'> {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (m === null) throw new HandshakeError('Invalid HTTP status line in handshake response', 0);
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0 || !isHeaderName(line.slice(0, colon)) || /[\r\n\0]/.test(line)) {
      throw new HandshakeError('Invalid header in handshake response', 0);
    }
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    const had = headers.get(name);
    headers.set(name, had === undefined ? value : `${had}, ${value}`);
  }
  return { status: Number(m[1]), statusText: m[2] ?? '', headers };
}

/** Splits a comma-separated header value into trimmed, non-empty tokens. */
export function headerTokens(value: string | undefined): string[] {
  if (value === undefined) return [];
  if (value.indexOf(',') < 0) {
    const t = value.trim();
    return t.length > 0 ? [t] : [];
  }
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Whether a comma-separated header value lists `token` (lower case; tokens compare case-insensitively). */
export function hasHeaderToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  // the common single-token value ('Upgrade', 'websocket') without the arrays of a split
  if (value.indexOf(',') < 0) return value.trim().toLowerCase() === token;
  return headerTokens(value).some((t) => t.toLowerCase() === token);
}

/** What the client offered, to check the response against. */
export interface ClientOffer {
  key: string;
  subprotocols: readonly string[];
  /** Extension names offered (e.g. 'permessage-deflate'); empty when none. */
  extensions: readonly string[];
}

/** The outcome of a successful client handshake. */
export interface HandshakeResult {
  subprotocol: string;
  /** The server's Sec-WebSocket-Extensions value, '' when none. */
  extensions: string;
}

/**
 * Checks a 101 response fully (RFC 6455 §4.1, client steps 1–6 after receiving the response).
 * @throws HandshakeError naming the first rule broken
 */
export function checkResponse(head: ResponseHead, offer: ClientOffer): HandshakeResult {
  if (head.status !== 101) {
    throw new HandshakeError(`Unexpected HTTP status ${head.status} ${head.statusText}`.trim(), head.status);
  }
  const h = head.headers;
  if ((h.get('upgrade') ?? '').toLowerCase() !== 'websocket') throw new HandshakeError('Missing or invalid Upgrade header', 101);
  if (!hasHeaderToken(h.get('connection'), 'upgrade')) {
    throw new HandshakeError('Missing or invalid Connection header', 101);
  }
  if (h.get('sec-websocket-accept') !== acceptKey(offer.key)) throw new HandshakeError('Invalid Sec-WebSocket-Accept', 101);
  return checkAgreement(head, offer);
}

/**
 * Checks the answer to an extended CONNECT (RFC 8441 §5): `:status` 200, then the subprotocol
 * and extensions as in RFC 6455 §4.1 (no key was sent: Sec-WebSocket-Accept is not looked at).
 * @throws HandshakeError naming the first rule broken
 */
export function checkConnectResponse(head: ResponseHead, offer: Omit<ClientOffer, 'key'>): HandshakeResult {
  if (head.status !== 200) throw new HandshakeError(`Unexpected HTTP status ${head.status} ${head.statusText}`.trim(), head.status);
  return checkAgreement(head, offer);
}

/** The version, subprotocol and extensions of an accepting answer (RFC 6455 §4.1 steps 5–6). */
function checkAgreement(head: ResponseHead, offer: Omit<ClientOffer, 'key'>): HandshakeResult {
  const h = head.headers;
  const status = head.status;
  const version = h.get('sec-websocket-version');
  if (version !== undefined && version !== '13') throw new HandshakeError('Unsupported Sec-WebSocket-Version in response', status);
  const proto = h.get('sec-websocket-protocol');
  let subprotocol = '';
  if (proto !== undefined) {
    if (!offer.subprotocols.includes(proto)) throw new HandshakeError('Server selected a subprotocol that was not offered', status);
    subprotocol = proto;
  }
  const ext = h.get('sec-websocket-extensions') ?? '';
  for (const e of headerTokens(ext)) {
    const name = e.split(';')[0].trim().toLowerCase();
    if (!offer.extensions.includes(name)) throw new HandshakeError('Server selected an extension that was not offered', status);
  }
  return { subprotocol, extensions: ext };
}

/** Inputs for the client's upgrade request. */
export interface RequestSpec {
  host: string; // Host header value
  resource: string; // path + query
  key: string;
  origin: string;
  subprotocols: readonly string[];
  extensions: string; // Sec-WebSocket-Extensions offer, '' for none
  headers: ReadonlyArray<readonly [string, string]>;
}

/** Headers the handshake sets itself; user headers with these names are ignored. */
const RESERVED = new Set(['host', 'upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions']);

/**
 * The client's upgrade request (RFC 6455 §4.1).
 * @throws HandshakeError when a header name or value is not valid HTTP (no header injection)
 */
export function buildRequest(spec: RequestSpec): string {
  let s = `GET ${spec.resource} HTTP/1.1\r\nHost: ${spec.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${spec.key}\r\nSec-WebSocket-Version: 13\r\n`;
  for (const [name, value] of offeredHeaders(spec, RESERVED)) s += `${name}: ${value}\r\n`;
  return s + '\r\n';
}

/**
 * Origin, the user's headers (checked; those the handshake sets itself skipped), the
 * subprotocols (unless the user sent Sec-WebSocket-Protocol) and the extension offer.
 * @throws HandshakeError for a header name or value that is not valid HTTP
 */
function offeredHeaders(spec: Omit<RequestSpec, 'host' | 'resource' | 'key'>, reserved: ReadonlySet<string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (spec.origin !== '') out.push(['Origin', spec.origin]);
  let userProtocol = false;
  for (const [name, value] of spec.headers) {
    if (!isHeaderName(name) || !isSafeHeaderValue(value)) throw new HandshakeError(`Invalid request header ${JSON.stringify(name)}`, 0);
    const lower = name.toLowerCase();
    if (reserved.has(lower) || (lower === 'origin' && spec.origin !== '')) continue;
    if (lower === 'sec-websocket-protocol') userProtocol = true;
    out.push([name, value]);
  }
  if (spec.subprotocols.length > 0 && !userProtocol) out.push(['Sec-WebSocket-Protocol', spec.subprotocols.join(', ')]);
  if (spec.extensions !== '') out.push(['Sec-WebSocket-Extensions', spec.extensions]);
  return out;
}

/**
 * Over HTTP/2 the handshake's own fields are pseudo-headers, and HTTP/1.1 connection headers are
 * forbidden (RFC 9113 §8.2.2): user headers with these names are ignored too.
 */
const RESERVED_HTTP2 = new Set([...RESERVED, 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te']);

/**
 * The header fields of the client's extended CONNECT (RFC 8441 §4–5): `:protocol` websocket in
 * place of Upgrade and the key, names lower case as HTTP/2 requires, repeated names as arrays.
 * @param spec `host` becomes `:authority`, `resource` `:path`
 * @throws HandshakeError when a header name or value is not valid HTTP
 */
export function buildConnectHeaders(spec: Omit<RequestSpec, 'key'> & { secure: boolean }): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {
    ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': spec.secure ? 'https' : 'http', ':path': spec.resource, ':authority': spec.host,
    'sec-websocket-version': '13',
  };
  for (const [name, value] of offeredHeaders(spec, RESERVED_HTTP2)) {
    const lower = name.toLowerCase();
    const had = h[lower];
    h[lower] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  return h;
}

/** A random Sec-WebSocket-Key from 16 random bytes. */
export function makeKey(random16: Uint8Array): string {
  return Buffer.from(random16.buffer, random16.byteOffset, 16).toString('base64');
}
