import { describe, expect, it } from 'vitest';
import { resolveRequest } from '../../../src/core/request';
import { parseRequestHead } from '../../../src/protocol/requestHead';

const HEAD = 'GET /chat?room=1 HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-A: 1\r\nx-a: 2\r\n\r\n';

describe('resolveRequest', () => {
  it("resolves a plain request's head text as it resolves the fields parsed from it", () => {
    const r = parseRequestHead(Buffer.from(HEAD, 'latin1'));
    if (r === null || !('head' in r)) throw new Error('the fixture must parse');
    const fromText = resolveRequest(r.head.headText);
    const fromFields = resolveRequest({ scheme: 'ws', host: r.head.headers.host, path: r.head.url, rawHeaders: r.head.headerBlock });
    expect(fromText.url.href).toBe('ws://example.com:8080/chat?room=1');
    expect(fromText.url.href).toBe(fromFields.url.href);
    expect(fromText.headers).toEqual(fromFields.headers);
    expect(fromText.headers).toEqual([
      ['Host', 'example.com:8080'],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['X-A', '1'],
      ['x-a', '2'],
    ]);
  });

  it('a head without headers resolves to localhost and no headers', () => {
    const r = parseRequestHead(Buffer.from('GET / HTTP/1.1\r\n\r\n', 'latin1'));
    if (r === null || !('head' in r)) throw new Error('the fixture must parse');
    expect(r.head.headText).toBe('GET / HTTP/1.1');
    const resolved = resolveRequest(r.head.headText);
    expect(resolved.url.href).toBe('ws://localhost/');
    expect(resolved.headers).toEqual([]);
  });
});
