/**
 * The HTTP/1.1 request head of an opening handshake, parsed from raw bytes (sans I/O): what a
 * transport that reads the socket itself (the native listener) feeds before the checks of
 * {@link checkUpgradeRequest}. Strict: the request line must be `METHOD SP target SP HTTP/d.d`,
 * every header line `token ":" value` without NUL, CR or LF, no obsolete line folding
 * (RFC 9112 §3, §5), lines end with CRLF. The head may be at most {@link Limits.MAX_HANDSHAKE_SIZE}.
 * @module
 */
import { Limits } from '../codec/constants';
import { isHeaderName } from './handshake';
import type { UpgradeRequest } from './serverHandshake';

/** A parsed request head; header names lower case, repeated headers joined by ', '. */
export interface RequestHead extends UpgradeRequest {
  url: string;
  headers: Record<string, string>;
  /** Names and values as sent, alternating (as Node's IncomingMessage.rawHeaders). */
  rawHeaders: string[];
  /** The header lines as sent, each line starting with CRLF ('' without headers). */
  headerBlock: string;
  /** The whole head as sent, without its final blank line: url, values and headerBlock are slices of it. */
  headText: string;
}

/** The outcome of {@link parseRequestHead}: a head and where it ends, or the status to refuse with. */
export type RequestParse = { head: RequestHead; end: number } | { status: 400 | 431 };

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/(\d\.\d)$/;
const BAD_BYTES = /\0|\r(?!\n)|(?<!\r)\n/;
/** What the start of a request line may look like before its CRLF arrived. */
const REQUEST_LINE_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]*(?: [\x21-\x7e]*(?: [HTP/0-9.]*)?)?\r?$/;

/**
 * The lower-case form of header names as clients commonly send them. A name fresh from the
 * bytes is a new string: used as a property key it is first looked up in V8's string table
 * (hashed and compared), which made the header object's reads and writes and toLowerCase about
 * 60 % of the parse; a Map lookup only hashes it and yields a key V8 already holds.
 * Fixed: the names a peer sends never add to it.
 */
const LOWER_NAMES = new Map<string, string>();
for (const name of [
  'Host', 'Upgrade', 'Connection', 'Origin', 'User-Agent', 'Pragma', 'Cache-Control', 'Accept-Encoding', 'Accept-Language',
  'Cookie', 'Authorization', 'Proxy-Authorization', 'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Real-IP',
  'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Sec-WebSocket-Extensions', 'Sec-WebSocket-Protocol',
]) {
  const lower = name.toLowerCase();
  // as the RFCs spell it, all in lower case, and Sec-Websocket-… (as some clients send it)
  for (const spelling of [name, lower, name.replace('WebSocket', 'Websocket')]) LOWER_NAMES.set(spelling, lower);
}

/**
 * Parses the request head at the start of `bytes`.
 * @returns null while the head is incomplete (and still within the size limit); else the head
 * with `end`, the offset of the first byte after it, or the status to refuse the request with
 */
export function parseRequestHead(bytes: Uint8Array): RequestParse | null {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  // What can be a head, as one string searched by V8 (a Buffer's indexOf and every other call
  // into Node cost about as much as the conversion; this runs once per accepted connection)
  const scan = buf.toString('latin1', 0, Math.min(buf.length, Limits.MAX_HANDSHAKE_SIZE));
  const at = scan.indexOf('\r\n\r\n');
  if (at < 0) {
    // no end within the limit: over it (431), or still coming
    if (buf.length > Limits.MAX_HANDSHAKE_SIZE) return { status: 431 };
    // refused as soon as it cannot become a request (a TLS ClientHello, a binary probe)
    const line = scan.indexOf('\r\n');
    return (line < 0 ? REQUEST_LINE_START : REQUEST_LINE).test(line < 0 ? scan : scan.slice(0, line)) ? null : { status: 400 };
  }
  // the head is kept as long as its connection (Qt's request()): a slice of `scan` would keep
  // whatever followed it in the read too, so that case gets a string of its own
  const text = at + 4 === scan.length ? scan.slice(0, at) : buf.toString('latin1', 0, at);
  // one scan of the whole head: NUL, or a CR or LF that is not part of a CRLF
  if (BAD_BYTES.test(text)) return { status: 400 };
  let eol = text.indexOf('\r\n');
  const m = REQUEST_LINE.exec(eol < 0 ? text : text.slice(0, eol));
  if (m === null) return { status: 400 };
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const rawHeaders: string[] = [];
  const headerBlock = eol < 0 ? '' : text.slice(eol);
  // the header lines, each between the CRLF at `eol` and the next one (no bare CR or LF is left)
  while (eol >= 0) {
    const start = eol + 2;
    eol = text.indexOf('\r\n', start);
    const end = eol < 0 ? text.length : eol;
    const colon = text.indexOf(':', start);
    if (colon <= start || colon >= end) return { status: 400 };
    const name = text.slice(start, colon);
    if (!isHeaderName(name)) return { status: 400 };
    const value = text.slice(colon + 1, end).trim();
    rawHeaders.push(name, value);
    const key = LOWER_NAMES.get(name) ?? name.toLowerCase();
    const had = headers[key];
    headers[key] = had === undefined ? value : `${had}, ${value}`;
  }
  return { head: { method: m[1], url: m[2], httpVersion: m[3], headers, rawHeaders, headerBlock, headText: text }, end: at + 4 };
}
