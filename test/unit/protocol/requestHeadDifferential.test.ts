/**
 * parseRequestHead against a plain reference of the same rules (split the head on CRLF, check
 * each line), on random heads: valid ones in many spellings, and ones broken in every way the
 * rules name, cut at random points. Both must agree on every input: the same refusal, or the
 * same head and end.
 */
import { describe, expect, it } from 'vitest';
import { Limits } from '../../../src/codec/constants';
import { isHeaderName } from '../../../src/protocol/handshake';
import { parseRequestHead, type RequestParse } from '../../../src/protocol/requestHead';
import { seededRandom, type Random } from '../../helpers/prng';

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/(\d\.\d)$/;
const REQUEST_LINE_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]*(?: [\x21-\x7e]*(?: [HTP/0-9.]*)?)?\r?$/;

/** The reference: the rules of requestHead.ts's module comment, written the obvious way. */
function reference(bytes: Buffer): RequestParse | null {
  const all = bytes.toString('latin1');
  const at = all.indexOf('\r\n\r\n');
  if (at < 0) {
    if (bytes.length > Limits.MAX_HANDSHAKE_SIZE) return { status: 431 };
    const line = all.indexOf('\r\n');
    return (line < 0 ? REQUEST_LINE_START : REQUEST_LINE).test(line < 0 ? all : all.slice(0, line)) ? null : { status: 400 };
  }
  if (at + 4 > Limits.MAX_HANDSHAKE_SIZE) return { status: 431 };
  const text = all.slice(0, at);
  const lines = text.split('\r\n');
  if (lines.some((l) => /[\0\r\n]/.test(l))) return { status: 400 };
  const m = REQUEST_LINE.exec(lines[0]);
  if (m === null) return { status: 400 };
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const rawHeaders: string[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !isHeaderName(line.slice(0, colon))) return { status: 400 };
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    rawHeaders.push(name, value);
    const key = name.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  const headerBlock = lines.length > 1 ? text.slice(lines[0].length) : '';
  return { head: { method: m[1], url: m[2], httpVersion: m[3], headers, rawHeaders, headerBlock, headText: text }, end: at + 4 };
}

const NAMES = ['Host', 'host', 'HOST', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'sec-websocket-key', 'Sec-Websocket-Version', 'Origin', 'X-Thing', 'x-a', 'X-A', 'Cookie', '__proto__', 'constructor'];
const VALUES = ['websocket', 'Upgrade', ' keep-alive, Upgrade ', 'dGhlIHNhbXBsZSBub25jZQ==', '13', '', '  ', 'a:b:c', '\t x \t', 'é ü'];
const BREAKS = ['\r', '\n', '\0', ' folded', 'no colon', ':empty name', 'bad name: x', 'Bad(Name): x', '\r\r\n'];

function randomHead(r: Random): Buffer {
  const lines = [r.pick(['GET / HTTP/1.1', 'GET /chat?x=1 HTTP/1.1', 'POST /a HTTP/1.0', 'GET  / HTTP/1.1', 'GET / HTTP/9', 'get / HTTP/1.1', 'GET /é HTTP/1.1'])];
  const n = r.randInt(0, 12);
  for (let i = 0; i < n; i++) lines.push(`${r.pick(NAMES)}:${r.pick(VALUES)}`);
  // sometimes break a line, put in a raw byte, or make it long
  if (r.rand() < 0.4) {
    const i = r.randInt(0, lines.length - 1);
    const l = lines[i];
    const at = r.randInt(0, l.length);
    lines[i] = l.slice(0, at) + r.pick(BREAKS) + l.slice(at);
  }
  if (r.rand() < 0.05) lines.push(`X-Long: ${'v'.repeat(r.randInt(7000, 8300))}`);
  let head = `${lines.join('\r\n')}\r\n\r\n`;
  // frames (or anything) after the head, or the head cut short
  if (r.rand() < 0.3) head += '\x81\x80\x01\x02\x03\x04';
  if (r.rand() < 0.3) head = head.slice(0, r.randInt(0, head.length));
  return Buffer.from(head, 'latin1');
}

describe('parseRequestHead against a plain reference', () => {
  it('agrees on 20,000 random heads, valid and broken, whole and cut', () => {
    const r = seededRandom(7122026);
    const outcomes = { head: 0, incomplete: 0, 400: 0, 431: 0 };
    for (let i = 0; i < 20000; i++) {
      const bytes = randomHead(r);
      const got = parseRequestHead(bytes);
      const want = reference(bytes);
      expect(got, JSON.stringify(bytes.toString('latin1').slice(0, 200))).toEqual(want);
      if (got === null) outcomes.incomplete++;
      else if ('head' in got) outcomes.head++;
      else outcomes[got.status]++;
    }
    // the inputs reach every outcome (else the comparison would say little)
    for (const [k, v] of Object.entries(outcomes)) expect(v, k).toBeGreaterThan(100);
  });
});
