import { describe, expect, it } from 'vitest';
import { formatExtension, parseExtensions } from '../../../src/protocol/extensions';
import { acceptDeflateResponse, deflateOffer, selectDeflateOffer, validateDeflateOptions } from '../../../src/protocol/permessageDeflate';
import { HandshakeError, InvalidArgumentError } from '../../../src/errors';

describe('Sec-WebSocket-Extensions grammar (RFC 6455 §9.1)', () => {
  it('parses names, bare and valued parameters, quoted values and several extensions', () => {
    expect(parseExtensions('permessage-deflate; client_max_window_bits, permessage-deflate ;server_max_window_bits="10" ; x=1, foo')).toEqual([
      { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
      { name: 'permessage-deflate', params: [['server_max_window_bits', '10'], ['x', '1']] },
      { name: 'foo', params: [] },
    ]);
  });
  it('lower-cases names and skips empty list elements', () => {
    expect(parseExtensions(' , Permessage-Deflate; Server_No_Context_Takeover ,')).toEqual([
      { name: 'permessage-deflate', params: [['server_no_context_takeover', true]] },
    ]);
  });
  it.each(['permessage-deflate;', 'a; =1', 'a; b=', 'a; b="1', 'a; b="x y"', 'a b', '"a"', 'a; b=1 c', 'a;b=@'])('refuses %j', (v) => {
    expect(parseExtensions(v)).toBeNull();
  });
  it('formats what it parses', () => {
    expect(formatExtension({ name: 'permessage-deflate', params: [['a', true], ['b', '9']] })).toBe('permessage-deflate; a; b=9');
  });
});

describe('permessage-deflate offer and response (client, RFC 7692 §5.1, §7.1)', () => {
  it('offers client_max_window_bits by default and every asked parameter', () => {
    expect(deflateOffer({})).toBe('permessage-deflate; client_max_window_bits');
    expect(deflateOffer({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 12 })).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12',
    );
    expect(deflateOffer({ clientMaxWindowBits: false })).toBe('permessage-deflate');
  });
  it('accepts the plain answer with 15-bit windows and context takeover', () => {
    expect(acceptDeflateResponse('permessage-deflate', {})).toEqual({
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    });
  });
  it('takes the server parameters', () => {
    expect(acceptDeflateResponse('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=8', {})).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 9,
      clientMaxWindowBits: 8,
    });
  });
  it('returns null when the server accepted no deflate', () => {
    expect(acceptDeflateResponse('', {})).toBeNull();
  });
  it.each([
    ['duplicate parameter', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover', {}],
    ['unknown parameter', 'permessage-deflate; foo', {}],
    ['bad window value', 'permessage-deflate; server_max_window_bits=16', {}],
    ['leading zero', 'permessage-deflate; server_max_window_bits=09', {}],
    ['bare server_max_window_bits', 'permessage-deflate; server_max_window_bits', {}],
    ['bare client_max_window_bits in a response', 'permessage-deflate; client_max_window_bits', {}],
    ['value on a flag', 'permessage-deflate; client_no_context_takeover=1', {}],
    ['accepted twice', 'permessage-deflate, permessage-deflate', {}],
    ['client bits not offered', 'permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: false }],
    ['client bits above the offer', 'permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 }],
    ['server bits ignored', 'permessage-deflate', { serverMaxWindowBits: 10 }],
    ['server bits above the request', 'permessage-deflate; server_max_window_bits=11', { serverMaxWindowBits: 10 }],
    ['server_no_context_takeover ignored', 'permessage-deflate', { serverNoContextTakeover: true }],
    ['malformed header', 'permessage-deflate; a="b', {}],
  ] as const)('fails the connection on %s', (_n, value, opts) => {
    expect(() => acceptDeflateResponse(value, opts)).toThrow(HandshakeError);
  });
});

describe('permessage-deflate offer selection (server, RFC 7692 §5)', () => {
  it('accepts a plain offer with an empty response', () => {
    const s = selectDeflateOffer('permessage-deflate', {});
    expect(s).not.toBeNull();
    expect(s !== null && s !== 'malformed' && s.response).toBe('permessage-deflate');
  });
  it('confirms the client parameters and adds its own', () => {
    const s = selectDeflateOffer('permessage-deflate; server_no_context_takeover; server_max_window_bits=12; client_max_window_bits', {
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 11,
    });
    if (s === null || s === 'malformed') throw new Error('declined');
    expect(s.response).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11');
    expect(s.agreement).toEqual({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 });
  });
  it('declines offers with bad parameters and takes the next acceptable one', () => {
    const s = selectDeflateOffer('permessage-deflate; x=1, permessage-deflate; server_max_window_bits=16, permessage-deflate; client_no_context_takeover; client_no_context_takeover, permessage-deflate; server_max_window_bits=9', {});
    if (s === null || s === 'malformed') throw new Error('declined');
    expect(s.response).toBe('permessage-deflate; server_max_window_bits=9');
  });
  it('declines an offer without client_max_window_bits when the server must limit the client', () => {
    expect(selectDeflateOffer('permessage-deflate', { clientMaxWindowBits: 10 })).toBeNull();
  });
  it('ignores other extensions and reports a malformed header', () => {
    expect(selectDeflateOffer('x-foo; bar', {})).toBeNull();
    expect(selectDeflateOffer('permessage-deflate; =', {})).toBe('malformed');
  });
});

describe('option validation', () => {
  it.each([{ serverMaxWindowBits: 7 }, { clientMaxWindowBits: 16 }, { threshold: -1 }, { level: 10 }, { memLevel: 0 }, { serverMaxWindowBits: true as unknown as number }])('refuses %j', (o) => {
    expect(() => validateDeflateOptions(o)).toThrow(InvalidArgumentError);
  });
  it('accepts valid options', () => {
    expect(() => validateDeflateOptions({ serverMaxWindowBits: 8, clientMaxWindowBits: true, threshold: 0, level: 9, memLevel: 9 })).not.toThrow();
  });
});
