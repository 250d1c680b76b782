/**
 * The server's opening handshake, sans I/O (RFC 6455 §4.2): the checks on the client's request and
 * the HTTP status each bad request gets, subprotocol choice, and the exact response bytes.
 * (The request head itself is parsed by Node's http parser; header-size limits (431) and
 * origin refusal (403) are exercised over sockets in test/integration.) Also the HTTP/2 extended
 * CONNECT of RFC 8441: its checks and its header fields.
 */
import { describe, expect, it } from 'vitest';
import {
  acceptResponse, checkConnectRequest, checkUpgradeRequest, chooseSubprotocol, connectAcceptHeaders, connectAcceptLines, connectErrorHeaders, errorResponse,
  http2FieldsOfLines, isRefused,
  isWebSocketConnect, type RefusedUpgrade, type UpgradeRequest,
} from '../../../src/protocol/serverHandshake';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ=='; // RFC 6455 §1.3
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function req(headers: Record<string, string | string[] | undefined> = {}, method = 'GET', httpVersion = '1.1'): UpgradeRequest {
  const h: Record<string, string | string[] | undefined> = {
    host: 'server.example.com',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': KEY,
    'sec-websocket-version': '13',
    ...headers,
  };
  for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
  return { method, httpVersion, headers: h };
}

function refused(r: UpgradeRequest): RefusedUpgrade {
  const c = checkUpgradeRequest(r);
  if (!isRefused(c)) throw new Error(`accepted: ${JSON.stringify(c)}`);
  return c;
}

describe('checkUpgradeRequest', () => {
  it('accepts the RFC 6455 §1.2 request and returns key, origin, protocols, extensions', () => {
    const c = checkUpgradeRequest(req({
      origin: 'http://example.com',
      'sec-websocket-protocol': 'chat, superchat',
      'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
    }));
    expect(isRefused(c)).toBe(false);
    expect(c).toEqual({ key: KEY, origin: 'http://example.com', protocols: ['chat', 'superchat'], extensions: 'permessage-deflate; client_max_window_bits' });
  });

  it('is lenient where RFC 6455 allows: token lists, case, repeated headers, old Origin header', () => {
    for (const r of [
      req({ upgrade: 'WebSocket', connection: 'keep-alive, Upgrade' }),
      req({ upgrade: 'h2c, websocket', connection: 'upgrade' }),
      req({ connection: ['keep-alive', 'Upgrade'] }),
      req({}, 'GET', '2.0'),
    ]) {
      expect(isRefused(checkUpgradeRequest(r)), JSON.stringify(r)).toBe(false);
    }
    const c = checkUpgradeRequest(req({ 'sec-websocket-origin': 'http://old.example', 'sec-websocket-protocol': ['a', 'b, c'] }));
    expect(c).toMatchObject({ origin: 'http://old.example', protocols: ['a', 'b', 'c'], extensions: '' });
    // Origin wins over the pre-RFC Sec-WebSocket-Origin
    expect(checkUpgradeRequest(req({ origin: 'http://new.example', 'sec-websocket-origin': 'http://old.example' }))).toMatchObject({ origin: 'http://new.example' });
  });

  it('refuses with the HTTP status each broken rule gets', () => {
    const cases: Array<[string, UpgradeRequest, number, Array<[string, string]>]> = [
      ['POST', req({}, 'POST'), 405, [['Allow', 'GET']]],
      ['HEAD', req({}, 'HEAD'), 405, [['Allow', 'GET']]],
      ['HTTP/1.0', req({}, 'GET', '1.0'), 505, []],
      ['no Host', req({ host: undefined }), 400, []],
      ['no Upgrade', req({ upgrade: undefined }), 426, [['Upgrade', 'websocket'], ['Connection', 'Upgrade']]],
      ['Upgrade: h2c', req({ upgrade: 'h2c' }), 426, [['Upgrade', 'websocket'], ['Connection', 'Upgrade']]],
      ['no Connection', req({ connection: undefined }), 426, [['Upgrade', 'websocket'], ['Connection', 'Upgrade']]],
      ['Connection: keep-alive', req({ connection: 'keep-alive' }), 426, [['Upgrade', 'websocket'], ['Connection', 'Upgrade']]],
      // RFC 6455 §4.4: a version we do not speak gets 400 and the versions we do
      ['version 8', req({ 'sec-websocket-version': '8' }), 400, [['Sec-WebSocket-Version', '13']]],
      ['version 14', req({ 'sec-websocket-version': '14' }), 400, [['Sec-WebSocket-Version', '13']]],
      ['no version', req({ 'sec-websocket-version': undefined }), 400, [['Sec-WebSocket-Version', '13']]],
      ['no key', req({ 'sec-websocket-key': undefined }), 400, []],
      ['key of 5 bytes', req({ 'sec-websocket-key': 'c2hvcnQ=' }), 400, []],
      ['key without padding', req({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ' }), 400, []],
      ['key not base64', req({ 'sec-websocket-key': '!!!!!!!!!!!!!!!!!!!!!!==' }), 400, []],
      ['two keys', req({ 'sec-websocket-key': [KEY, KEY] }), 400, []],
    ];
    for (const [name, r, status, headers] of cases) {
      const c = refused(r);
      expect(c.status, name).toBe(status);
      expect(c.headers, name).toEqual(headers);
      expect(c.message.length, name).toBeGreaterThan(0);
    }
  });

  it('checks rules in order: method before version before key', () => {
    expect(refused(req({ 'sec-websocket-key': undefined, 'sec-websocket-version': '8' }, 'POST')).status).toBe(405);
    expect(refused(req({ 'sec-websocket-key': undefined, 'sec-websocket-version': '8' })).headers).toEqual([['Sec-WebSocket-Version', '13']]);
  });
});

describe('chooseSubprotocol', () => {
  it("takes the client's first offer the server supports, else ''", () => {
    expect(chooseSubprotocol(['a', 'b', 'c'], ['c', 'b'])).toBe('b');
    expect(chooseSubprotocol(['x'], ['c', 'b'])).toBe('');
    expect(chooseSubprotocol([], ['c'])).toBe('');
    expect(chooseSubprotocol(['C'], ['c'])).toBe(''); // subprotocol names are case-sensitive
  });
});

describe('acceptResponse / errorResponse', () => {
  it('builds the exact 101 of RFC 6455 §1.3 / §4.2.2', () => {
    expect(acceptResponse(KEY, '', '')).toBe(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n\r\n`,
    );
  });

  it('adds subprotocol, extensions and Server; drops a Server name that would inject headers', () => {
    const r = acceptResponse(KEY, 'chat', 'srv/1', 'permessage-deflate');
    expect(r).toBe(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n` +
        'Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate\r\nServer: srv/1\r\n\r\n',
    );
    const evil = acceptResponse(KEY, '', 'x\r\nSet-Cookie: a=b');
    expect(evil).not.toContain('Set-Cookie');
    expect(evil).not.toContain('Server:');
  });

  it('error response: status line, Connection: close, byte length of a UTF-8 body, extra headers', () => {
    const r = errorResponse(400, 'Bad key é', [['Sec-WebSocket-Version', '13']], 'srv');
    const [head, body] = r.split('\r\n\r\n');
    const lines = head.split('\r\n');
    expect(lines[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(lines).toContain('Connection: close');
    expect(lines).toContain('Content-Length: 10'); // "Bad key é" is 10 bytes in UTF-8
    expect(lines).toContain('Sec-WebSocket-Version: 13');
    expect(lines).toContain('Server: srv');
    expect(body).toBe('Bad key é');
    expect(errorResponse(431, '').split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(errorResponse(426, 'x').split('\r\n')[0]).toBe('HTTP/1.1 426 Upgrade Required');
    expect(errorResponse(599, 'x').split('\r\n')[0]).toBe('HTTP/1.1 599 Error');
  });
});

describe('extended CONNECT (RFC 8441)', () => {
  const connect = (extra: Record<string, string | undefined> = {}): UpgradeRequest['headers'] => {
    const h: Record<string, string | undefined> = {
      ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'https', ':path': '/chat?room=1', ':authority': 'server.example.com',
      'sec-websocket-version': '13', ...extra,
    };
    for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
    return h;
  };

  it('recognises only CONNECT with :protocol websocket', () => {
    expect(isWebSocketConnect(connect())).toBe(true);
    expect(isWebSocketConnect(connect({ ':protocol': 'webtransport' }))).toBe(false);
    expect(isWebSocketConnect(connect({ ':protocol': undefined }))).toBe(false);
    expect(isWebSocketConnect(connect({ ':method': 'GET' }))).toBe(false);
  });

  it('accepts without a key (RFC 8441 §5: :protocol replaces it), and keeps a valid key for Sec-WebSocket-Accept', () => {
    const c = checkConnectRequest({ headers: connect({ origin: 'https://a.example', 'sec-websocket-protocol': 'a, b', 'sec-websocket-extensions': 'permessage-deflate' }) });
    expect(c).toEqual({ key: '', origin: 'https://a.example', protocols: ['a', 'b'], extensions: 'permessage-deflate' });
    expect(checkConnectRequest({ headers: connect({ 'sec-websocket-key': KEY }) })).toMatchObject({ key: KEY });
    expect(checkConnectRequest({ headers: connect({ 'sec-websocket-key': 'short' }) })).toMatchObject({ key: '' });
  });

  it.each([':scheme', ':path', ':authority'])('refuses a request without %s with 400', (name) => {
    expect(checkConnectRequest({ headers: connect({ [name]: undefined }) })).toMatchObject({ status: 400 });
    expect(checkConnectRequest({ headers: connect({ [name]: '' }) })).toMatchObject({ status: 400 });
  });

  it('refuses another Sec-WebSocket-Version with 400 naming 13, as over HTTP/1.1', () => {
    expect(checkConnectRequest({ headers: connect({ 'sec-websocket-version': '8' }) })).toEqual({ status: 400, message: 'Unsupported Sec-WebSocket-Version', headers: [['Sec-WebSocket-Version', '13']] });
    expect(checkConnectRequest({ headers: connect({ 'sec-websocket-version': undefined }) })).toMatchObject({ status: 400 });
  });

  it('answers :status 200 with lower-case fields, Sec-WebSocket-Accept only for a key, no unsafe Server value', () => {
    expect(connectAcceptHeaders('', '', '')).toEqual({ ':status': 200 });
    expect(connectAcceptHeaders(KEY, 'chat', 'srv', 'permessage-deflate')).toEqual({
      ':status': 200, 'sec-websocket-accept': ACCEPT, 'sec-websocket-protocol': 'chat', 'sec-websocket-extensions': 'permessage-deflate', server: 'srv',
    });
    expect(connectAcceptHeaders('', '', 'x\r\nSet-Cookie: a=b')).toEqual({ ':status': 200 });
  });

  it('answer lines for editing (ws\'s \'headers\'), and back to fields: repeated names kept, bad and connection lines dropped', () => {
    const lines = connectAcceptLines(KEY, 'chat', 'permessage-deflate');
    expect(lines).toEqual(['HTTP/2 200', `sec-websocket-accept: ${ACCEPT}`, 'sec-websocket-protocol: chat', 'sec-websocket-extensions: permessage-deflate']);
    lines.push('Set-Cookie: a=1', 'set-cookie: b=2', 'Connection: close', 'no colon', 'bad name: x', ':status: 500');
    expect(http2FieldsOfLines(lines)).toEqual({
      ':status': 200, 'sec-websocket-accept': ACCEPT, 'sec-websocket-protocol': 'chat', 'sec-websocket-extensions': 'permessage-deflate', 'set-cookie': ['a=1', 'b=2'],
    });
    expect(connectAcceptLines('', '', '')).toEqual(['HTTP/2 200']);
  });

  it('refusal fields: status, byte length, and no HTTP/1.1 connection headers (forbidden in HTTP/2)', () => {
    expect(connectErrorHeaders(426, 'é', [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '13']], 'srv')).toEqual({
      ':status': 426, 'content-type': 'text/plain; charset=utf-8', 'content-length': '2', 'sec-websocket-version': '13', server: 'srv',
    });
  });
});
