import { describe, expect, it } from 'vitest';
import { parseRequestHead } from '../../../src/protocol/requestHead';
import { Limits } from '../../../src/codec/constants';

// GET / HTTP/1.1, Host, Upgrade, Connection, the RFC 6455 §1.3 sample key, version 13, a repeated
// header; then 0x81 0x80 + 4 mask bytes: an empty masked text frame right after the head
const REQUEST =
  'GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-A: 1\r\nx-a: 2\r\n\r\n';
const FRAME = Buffer.from([0x81, 0x80, 1, 2, 3, 4]);

describe('parseRequestHead', () => {
  it('parses the head and says where it ends', () => {
    const bytes = Buffer.concat([Buffer.from(REQUEST, 'latin1'), FRAME]);
    const r = parseRequestHead(bytes);
    expect(r !== null && 'head' in r).toBe(true);
    if (r === null || !('head' in r)) return;
    expect(r.end).toBe(REQUEST.length);
    expect(r.head.method).toBe('GET');
    expect(r.head.url).toBe('/chat?x=1');
    expect(r.head.httpVersion).toBe('1.1');
    expect(r.head.headers.host).toBe('example.com');
    expect(r.head.headers['sec-websocket-key']).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    expect(r.head.headers['x-a']).toBe('1, 2');
    expect(r.head.rawHeaders.slice(0, 2)).toEqual(['Host', 'example.com']);
    expect(r.head.rawHeaders.length).toBe(14);
    expect(r.head.headerBlock.startsWith('\r\nHost: example.com\r\nUpgrade: websocket')).toBe(true);
    expect(r.head.headerBlock.endsWith('\r\nx-a: 2')).toBe(true);
  });

  it('is incomplete (null) at every split point before the end of the head, complete after it', () => {
    const bytes = Buffer.from(REQUEST, 'latin1');
    for (let n = 0; n < bytes.length; n++) expect(parseRequestHead(bytes.subarray(0, n)), `first ${n} bytes`).toBeNull();
    expect(parseRequestHead(bytes)).not.toBeNull();
  });

  it('refuses malformed heads with 400, as soon as the bytes cannot become a request', () => {
    const bad = [
      'GET / HTTP/9\r\n\r\n', // version without minor
      'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n',
      'GET  / HTTP/1.1\r\n\r\n',
      'SSH-2.0-OpenSSH_9.6\r\n\r\n',
    ];
    for (const b of bad) expect(parseRequestHead(Buffer.from(b, 'latin1')), JSON.stringify(b)).toEqual({ status: 400 });
    // 0x16 0x03 0x01: a TLS ClientHello record, refused from its first bytes
    expect(parseRequestHead(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5]))).toEqual({ status: 400 });
    expect(parseRequestHead(Buffer.from('GET /\x01', 'latin1'))).toEqual({ status: 400 });
  });

  it('refuses a head over the handshake limit with 431, complete or not', () => {
    const big = `GET / HTTP/1.1\r\nX: ${'a'.repeat(Limits.MAX_HANDSHAKE_SIZE)}`;
    expect(parseRequestHead(Buffer.from(big, 'latin1'))).toEqual({ status: 431 });
    expect(parseRequestHead(Buffer.from(`${big}\r\n\r\n`, 'latin1'))).toEqual({ status: 431 });
  });

  it('refuses a bare CR or LF anywhere in the head, and NUL, with 400', () => {
    for (const b of ['GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n', 'GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n', 'GET / HTTP/1.1\n\r\n\r\n', 'GET / HTTP/1.1\r\nX\0: a\r\n\r\n']) {
      expect(parseRequestHead(Buffer.from(b, 'latin1')), JSON.stringify(b)).toEqual({ status: 400 });
    }
  });

  it('takes a head that ends exactly at the limit, refuses one a byte longer', () => {
    const head = (n: number): Buffer => {
      const start = 'GET / HTTP/1.1\r\nX: ';
      return Buffer.from(`${start}${'a'.repeat(n - start.length - 4)}\r\n\r\n`, 'latin1');
    };
    const r = parseRequestHead(head(Limits.MAX_HANDSHAKE_SIZE));
    expect(r !== null && 'head' in r && r.end).toBe(Limits.MAX_HANDSHAKE_SIZE);
    expect(parseRequestHead(head(Limits.MAX_HANDSHAKE_SIZE + 1))).toEqual({ status: 431 });
  });

  it('lower-cases header names in any casing, common ones and others alike; rawHeaders keep them as sent', () => {
    const r = parseRequestHead(Buffer.from('GET / HTTP/1.1\r\nHOST: a\r\nsec-WEBSOCKET-key: k\r\nSec-Websocket-Version: 13\r\nX-Custom-Thing: v\r\n\r\n', 'latin1'));
    expect(r !== null && 'head' in r).toBe(true);
    if (r === null || !('head' in r)) return;
    expect({ ...r.head.headers }).toEqual({ host: 'a', 'sec-websocket-key': 'k', 'sec-websocket-version': '13', 'x-custom-thing': 'v' });
    expect(r.head.rawHeaders).toEqual(['HOST', 'a', 'sec-WEBSOCKET-key', 'k', 'Sec-Websocket-Version', '13', 'X-Custom-Thing', 'v']);
  });

  it('the head text is the same whether frames follow it in the bytes or not', () => {
    const alone = parseRequestHead(Buffer.from(REQUEST, 'latin1'));
    const followed = parseRequestHead(Buffer.concat([Buffer.from(REQUEST, 'latin1'), FRAME]));
    expect(alone !== null && 'head' in alone && followed !== null && 'head' in followed).toBe(true);
    if (alone === null || !('head' in alone) || followed === null || !('head' in followed)) return;
    expect(followed.head.headText).toBe(alone.head.headText);
    expect(followed.head.headText).toBe(REQUEST.slice(0, -4));
    expect(followed.end).toBe(alone.end);
  });

  it('a header named __proto__ is an ordinary header', () => {
    const r = parseRequestHead(Buffer.from('GET / HTTP/1.1\r\n__proto__: x\r\n\r\n', 'latin1'));
    expect(r !== null && 'head' in r && r.head.headers['__proto__']).toBe('x');
  });
});
