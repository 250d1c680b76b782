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
 * Parses the request head at the start of `bytes`.
 * @returns null while the head is incomplete (and still within the size limit); else the head
 * with `end`, the offset of the first byte after it, or the status to refuse the request with
 */
export function parseRequestHead(bytes: Uint8Array): RequestParse | null {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const at = buf.indexOf('\r\n\r\n', 0, 'latin1');
  if (at < 0) {
    if (buf.length > Limits.MAX_HANDSHAKE_SIZE) return { status: 431 };
    // refused as soon as it cannot become a request (a TLS ClientHello, a binary probe)
    const line = buf.indexOf('\r\n', 0, 'latin1');
    const first = buf.toString('latin1', 0, line < 0 ? buf.length : line);
    return (line < 0 ? REQUEST_LINE_START : REQUEST_LINE).test(first) ? null : { status: 400 };
  }
  if (at + 4 > Limits.MAX_HANDSHAKE_SIZE) return { status: 431 };
  const text = buf.toString('latin1', 0, at);
  // one scan of the whole head: NUL, or a CR or LF that is not part of a CRLF
  if (BAD_BYTES.test(text)) return { status: 400 };
  const lines = text.split('\r\n');
  const m = REQUEST_LINE.exec(lines[0]);
  if (m === null) return { status: 400 };
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const rawHeaders: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon <= 0 || !isHeaderName(name)) return { status: 400 };
    const value = line.slice(colon + 1).trim();
    rawHeaders.push(name, value);
    const key = name.toLowerCase();
    const had = headers[key];
    headers[key] = had === undefined ? value : `${had}, ${value}`;
  }
  const headerBlock = lines.length > 1 ? text.slice(lines[0].length) : '';
  return { head: { method: m[1], url: m[2], httpVersion: m[3], headers, rawHeaders, headerBlock, headText: text }, end: at + 4 };
}
