/**
 * The client's opening handshake, sans I/O (RFC 6455 §4.1): accept key, key format, request
 * building, the response head parser (fed split at every byte offset) and the response checks;
 * and the extended CONNECT of RFC 8441 (its header fields, the check of its answer).
 */
import { describe, expect, it } from 'vitest';
import {
  ResponseParser, acceptKey, buildConnectHeaders, buildRequest, checkConnectResponse, checkResponse, hasHeaderToken, headerTokens, isHeaderName, isSafeHeaderValue, isValidKey, makeKey,
  type ResponseHead, type RequestSpec,
} from '../../../src/protocol/handshake';
import { HandshakeError } from '../../../src/errors';
import { Limits } from '../../../src/codec/constants';

/** RFC 6455 §1.3's example nonce and its accept value. */
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

describe('acceptKey / isValidKey / makeKey', () => {
  it('RFC 6455 §1.3: "dGhlIHNhbXBsZSBub25jZQ==" → "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="', () => {
    expect(acceptKey(KEY)).toBe(ACCEPT);
  });

  it('accepts a base64 16-byte key and nothing else (RFC 6455 §4.1)', () => {
    expect(isValidKey(KEY)).toBe(true);
    expect(isValidKey('AAAAAAAAAAAAAAAAAAAAAA==')).toBe(true);
    for (const k of [
      undefined,
      '',
      'c2hvcnQ=', // "short": 5 bytes
      'dGhlIHNhbXBsZSBub25jZQ', // no padding
      'dGhlIHNhbXBsZSBub25jZQ=', // one '=' only
      'dGhlIHNhbXBsZSBub25jZSE=', // 17 bytes
      'dGhlIHNhbXBsZSBub25jZQ==AA', // trailing data
      ' dGhlIHNhbXBsZSBub25jZQ==',
      'dGhlIHNhbXBsZSBub25j*Q==', // not base64
      'dGhlIHNhbXBsZSBub25jZSBhbmQgbW9yZQ==', // 26 bytes
    ]) {
      expect(isValidKey(k), String(k)).toBe(false);
    }
  });

  it('makeKey: 16 bytes → a valid 24-character key, also from a view into a larger buffer', () => {
    const big = Buffer.alloc(40, 0xee);
    const bytes = Buffer.from(Array.from({ length: 16 }, (_, i) => i * 17));
    bytes.copy(big, 7);
    const k = makeKey(big.subarray(7, 23));
    expect(k).toBe(bytes.toString('base64'));
    expect(k).toHaveLength(24);
    expect(isValidKey(k)).toBe(true);
    expect(Buffer.from(k, 'base64').equals(bytes)).toBe(true);
  });
});

describe('header helpers', () => {
  it('headerTokens splits on commas, trims, drops empties', () => {
    expect(headerTokens(undefined)).toEqual([]);
    expect(headerTokens('')).toEqual([]);
    expect(headerTokens(' keep-alive ,Upgrade,, x ')).toEqual(['keep-alive', 'Upgrade', 'x']);
    // one token (no comma): the same result without the split
    expect(headerTokens('  ')).toEqual([]);
    expect(headerTokens(' Upgrade ')).toEqual(['Upgrade']);
  });
  it('hasHeaderToken compares tokens case-insensitively, with or without a list', () => {
    expect(hasHeaderToken(undefined, 'upgrade')).toBe(false);
    expect(hasHeaderToken('', 'upgrade')).toBe(false);
    expect(hasHeaderToken(' UpGrade ', 'upgrade')).toBe(true);
    expect(hasHeaderToken('keep-alive, Upgrade', 'upgrade')).toBe(true);
    expect(hasHeaderToken('upgrades', 'upgrade')).toBe(false);
    expect(hasHeaderToken('keep-alive, upgrade-x', 'upgrade')).toBe(false);
  });
  it('isHeaderName: RFC 7230 tokens only; isSafeHeaderValue: no CR, LF, NUL', () => {
    expect(isHeaderName('X-Custom_1')).toBe(true);
    for (const n of ['', 'a b', 'a:b', 'a\r\nb', 'é']) expect(isHeaderName(n), JSON.stringify(n)).toBe(false);
    expect(isSafeHeaderValue('any value; with, punctuation')).toBe(true);
    for (const v of ['a\rb', 'a\nb', 'a\0b', 'x\r\nInjected: 1']) expect(isSafeHeaderValue(v), JSON.stringify(v)).toBe(false);
  });
});

describe('buildRequest', () => {
  const spec = (over: Partial<RequestSpec> = {}): RequestSpec => ({
    host: 'example.com:8080', resource: '/chat?x=1', key: KEY, origin: '', subprotocols: [], extensions: '', headers: [], ...over,
  });

  it('builds the exact RFC 6455 §4.1 request', () => {
    expect(buildRequest(spec())).toBe(
      'GET /chat?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });

  it('adds Origin, user headers, subprotocols and extensions; ignores user copies of reserved headers', () => {
    const r = buildRequest(spec({
      origin: 'https://o.example',
      subprotocols: ['v1', 'v2'],
      extensions: 'permessage-deflate; client_max_window_bits',
      headers: [['X-A', '1'], ['Host', 'evil'], ['Sec-WebSocket-Key', 'nope'], ['Upgrade', 'h2c'], ['Origin', 'https://other']],
    }));
    expect(r).toContain('Origin: https://o.example\r\n');
    expect(r).toContain('X-A: 1\r\n');
    expect(r).toContain('Sec-WebSocket-Protocol: v1, v2\r\n');
    expect(r).toContain('Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n');
    expect(r).not.toContain('evil');
    expect(r).not.toContain('nope');
    expect(r).not.toContain('h2c');
    expect(r).not.toContain('https://other');
    expect(r.endsWith('\r\n\r\n')).toBe(true);
  });

  it('a user Sec-WebSocket-Protocol header replaces the generated one', () => {
    const r = buildRequest(spec({ subprotocols: ['v1'], headers: [['Sec-WebSocket-Protocol', 'mine']] }));
    expect(r).toContain('Sec-WebSocket-Protocol: mine\r\n');
    expect(r).not.toContain('v1');
  });

  it('refuses header injection in names and values', () => {
    expect(() => buildRequest(spec({ headers: [['X-A', 'ok\r\nX-Injected: 1']] }))).toThrow(HandshakeError);
    expect(() => buildRequest(spec({ headers: [['X A', 'v']] }))).toThrow(HandshakeError);
    expect(() => buildRequest(spec({ headers: [['X-A\r\nB', 'v']] }))).toThrow(HandshakeError);
  });
});

describe('ResponseParser', () => {
  // status line, 4 headers (one repeated, mixed case), blank line, then an unmasked text frame
  // 81 02 68 69 ("hi") that arrived in the same packet as the head
  const headText =
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${ACCEPT}\r\nX-Multi: a\r\nx-multi: b\r\n\r\n`;
  const frameBytes = Buffer.from([0x81, 0x02, 0x68, 0x69]);
  const response = Buffer.concat([Buffer.from(headText, 'latin1'), frameBytes]);

  function parseIn(chunks: Buffer[]): { head: ResponseHead; rest: Buffer; nullsBefore: number } {
    const p = new ResponseParser();
    let head: ResponseHead | null = null;
    let nullsBefore = 0;
    const after: Buffer[] = [];
    for (const c of chunks) {
      if (head !== null) after.push(c);
      else if ((head = p.push(Buffer.from(c))) === null) nullsBefore++;
    }
    if (head === null) throw new Error('head never completed');
    return { head, rest: Buffer.concat([head.rest, ...after]), nullsBefore };
  }

  function check(r: { head: ResponseHead; rest: Buffer }, label: string): void {
    expect(r.head.status, label).toBe(101);
    expect(r.head.statusText, label).toBe('Switching Protocols');
    expect([...r.head.headers.entries()], label).toEqual([
      ['upgrade', 'websocket'],
      ['connection', 'Upgrade'],
      ['sec-websocket-accept', ACCEPT],
      ['x-multi', 'a, b'],
    ]);
    expect(r.rest.equals(frameBytes), label).toBe(true);
  }

  it('parses a whole response and returns the bytes after the head', () => {
    check(parseIn([response]), 'whole');
  });

  it('gives the same result split at every byte offset, and in 1-byte pieces', () => {
    for (let i = 1; i < response.length; i++) {
      const r = parseIn([response.subarray(0, i), response.subarray(i)]);
      check(r, `split at ${i}`);
      // the head is complete only once its final CRLF CRLF is in
      expect(r.nullsBefore, `split at ${i}`).toBe(i < headText.length ? 1 : 0);
    }
    const ones = Array.from({ length: response.length }, (_, i) => response.subarray(i, i + 1));
    const r = parseIn(ones);
    check(r, '1-byte pieces');
    expect(r.nullsBefore).toBe(headText.length - 1);
  });

  it('accepts HTTP/1.0 and a status line without reason phrase', () => {
    const p = new ResponseParser();
    const h = p.push(Buffer.from('HTTP/1.0 403\r\nContent-Length: 0\r\n\r\n'));
    expect(h?.status).toBe(403);
    expect(h?.statusText).toBe('');
    expect(h?.rest.length).toBe(0);
  });

  it('rejects a malformed status line or header line', () => {
    for (const bad of ['HTTP/2 101 x', 'HTTP/1.1 1O1 x', 'FOO 101 x', 'HTTP/1.1 101 x\r\nNoColon', 'HTTP/1.1 101 x\r\n: empty name', 'HTTP/1.1 101 x\r\nBad Name: v']) {
      expect(() => new ResponseParser().push(Buffer.from(`${bad}\r\n\r\n`)), JSON.stringify(bad)).toThrow(HandshakeError);
    }
  });

  it(`refuses a head over ${Limits.MAX_HANDSHAKE_SIZE} bytes, complete or still growing`, () => {
    const long = `HTTP/1.1 101 x\r\nX-Big: ${'a'.repeat(2 * Limits.MAX_HANDSHAKE_SIZE)}\r\n\r\n`;
    expect(() => new ResponseParser().push(Buffer.from(long))).toThrow(/too large/);
    const p = new ResponseParser();
    let thrown: unknown = null;
    let fed = 0;
    try {
      for (; fed < long.length; fed += 1000) p.push(Buffer.from(long.slice(fed, fed + 1000)));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(HandshakeError);
    // it gave up on the push that took the buffer past 8192 bytes (the one starting at 8000),
    // long before the head's end at ~16 KiB
    expect(fed).toBe(Math.floor(Limits.MAX_HANDSHAKE_SIZE / 1000) * 1000);
  });
});

describe('checkResponse (RFC 6455 §4.1, the client checks the server response)', () => {
  const offer = { key: KEY, subprotocols: ['chat', 'superchat'], extensions: ['permessage-deflate'] };
  const head = (status: number, headers: Record<string, string>): ResponseHead => ({
    status, statusText: '', rest: Buffer.alloc(0), headers: new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  });
  const good = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': ACCEPT };

  function refusal(h: ResponseHead): HandshakeError {
    try {
      checkResponse(h, offer);
    } catch (e) {
      if (e instanceof HandshakeError) return e;
      throw e;
    }
    throw new Error('accepted a bad response');
  }

  it('accepts a correct 101, case-insensitively, with Connection tokens in a list', () => {
    expect(checkResponse(head(101, good), offer)).toEqual({ subprotocol: '', extensions: '' });
    expect(checkResponse(head(101, { ...good, upgrade: 'WebSocket', connection: 'keep-alive, upgrade', 'sec-websocket-version': '13' }), offer))
      .toEqual({ subprotocol: '', extensions: '' });
  });

  it('returns the chosen subprotocol and extensions when they were offered', () => {
    const r = checkResponse(head(101, { ...good, 'sec-websocket-protocol': 'superchat', 'sec-websocket-extensions': 'permessage-deflate; server_no_context_takeover' }), offer);
    expect(r).toEqual({ subprotocol: 'superchat', extensions: 'permessage-deflate; server_no_context_takeover' });
  });

  it('refuses each broken rule with a HandshakeError carrying the status', () => {
    const e200 = refusal(head(200, good));
    expect(e200.status).toBe(200);
    expect(e200.message).toContain('200');
    expect(refusal(head(403, {})).status).toBe(403);
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['no Upgrade', { connection: 'Upgrade', 'sec-websocket-accept': ACCEPT }, /Upgrade/],
      ['Upgrade: h2c', { ...good, upgrade: 'h2c' }, /Upgrade/],
      ['no Connection', { upgrade: 'websocket', 'sec-websocket-accept': ACCEPT }, /Connection/],
      ['Connection: keep-alive', { ...good, connection: 'keep-alive' }, /Connection/],
      ['no Accept', { upgrade: 'websocket', connection: 'Upgrade' }, /Accept/],
      ['wrong Accept', { ...good, 'sec-websocket-accept': acceptKey('AAAAAAAAAAAAAAAAAAAAAA==') }, /Accept/],
      ['version 8', { ...good, 'sec-websocket-version': '8' }, /Version/],
      ['subprotocol not offered', { ...good, 'sec-websocket-protocol': 'other' }, /subprotocol/],
      ['extension not offered', { ...good, 'sec-websocket-extensions': 'x-webkit-deflate-frame' }, /extension/],
      ['offered plus one not offered', { ...good, 'sec-websocket-extensions': 'permessage-deflate, foo' }, /extension/],
    ];
    for (const [name, h, msg] of cases) {
      const e = refusal(head(101, h));
      expect(e.message, name).toMatch(msg);
      expect(e.status, name).toBe(101);
      expect(e.code, name).toBe('QWS_ERR_HANDSHAKE');
    }
  });
});

describe('extended CONNECT, client side (RFC 8441)', () => {
  const spec = { host: 'example.com:8443', resource: '/chat?x=1', secure: true, origin: '', subprotocols: [] as string[], extensions: '', headers: [] as Array<[string, string]> };

  it('sends the pseudo-headers and version, lower-case names, no key and no HTTP/1.1 connection headers', () => {
    const h = buildConnectHeaders({
      ...spec, origin: 'https://app.example', subprotocols: ['a', 'b'], extensions: 'permessage-deflate',
      headers: [['X-Token', 't1'], ['x-token', 't2'], ['Connection', 'keep-alive'], ['Upgrade', 'h2c'], ['Host', 'evil'], ['TE', 'gzip'], ['Sec-WebSocket-Key', 'k']],
    });
    expect(h).toEqual({
      ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'https', ':path': '/chat?x=1', ':authority': 'example.com:8443',
      'sec-websocket-version': '13', origin: 'https://app.example', 'x-token': ['t1', 't2'], 'sec-websocket-protocol': 'a, b', 'sec-websocket-extensions': 'permessage-deflate',
    });
    expect(buildConnectHeaders({ ...spec, secure: false })[':scheme']).toBe('http');
  });

  it('refuses header injection as the HTTP/1.1 request does', () => {
    expect(() => buildConnectHeaders({ ...spec, headers: [['X-A', 'v\r\nX-B: w']] })).toThrow(HandshakeError);
    expect(() => buildConnectHeaders({ ...spec, headers: [['bad name', 'v']] })).toThrow(HandshakeError);
  });

  const head = (status: number, headers: Record<string, string> = {}): ResponseHead => ({ status, statusText: '', headers: new Map(Object.entries(headers)), rest: Buffer.alloc(0) });

  it('accepts :status 200 with what was offered, needing no Sec-WebSocket-Accept', () => {
    expect(checkConnectResponse(head(200), { subprotocols: [], extensions: [] })).toEqual({ subprotocol: '', extensions: '' });
    expect(checkConnectResponse(head(200, { 'sec-websocket-protocol': 'b', 'sec-websocket-extensions': 'permessage-deflate' }), { subprotocols: ['a', 'b'], extensions: ['permessage-deflate'] }))
      .toEqual({ subprotocol: 'b', extensions: 'permessage-deflate' });
  });

  it.each([
    ['another status', head(101), /Unexpected HTTP status 101/],
    ['a refusal', head(403), /403/],
    ['a subprotocol not offered', head(200, { 'sec-websocket-protocol': 'z' }), /subprotocol/],
    ['an extension not offered', head(200, { 'sec-websocket-extensions': 'x-ext' }), /extension/],
    ['another version', head(200, { 'sec-websocket-version': '8' }), /Version/],
  ])('fails on %s', (_what, h, message) => {
    expect(() => checkConnectResponse(h, { subprotocols: ['a'], extensions: [] })).toThrow(message);
  });
});
