/** protocol/httpAuth: challenge parsing, Basic (RFC 7617) and Digest (RFC 7616) values. */
import { describe, expect, it } from 'vitest';
import {
  authorizationFor,
  basicAuthorization,
  chooseChallenge,
  digestAuthorization,
  isStale,
  isSupportedChallenge,
  parseChallenges,
} from '../../../src/protocol/httpAuth';

/** RFC 7616 §3.9.1: the challenge, credentials and request of the worked example. */
const RFC_CHALLENGE = (alg: string): string =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${alg}, ` +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
const MUFASA = { user: 'Mufasa', password: 'Circle of Life' };
const RFC_REQUEST = { method: 'GET', uri: '/dir/index.html', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', nc: 1 };

/** The params of an Authorization value, for comparison regardless of order. */
function params(value: string): Record<string, string> {
  const [c] = parseChallenges(value);
  return Object.fromEntries(c.params);
}

describe('parseChallenges', () => {
  it('reads one challenge with quoted strings', () => {
    const [c, ...more] = parseChallenges(RFC_CHALLENGE('MD5'));
    expect(more).toEqual([]);
    expect(c.scheme).toBe('digest');
    expect(c.params.get('realm')).toBe('http-auth@example.org');
    expect(c.params.get('qop')).toBe('auth, auth-int'); // the comma inside quotes is not a separator
    expect(c.params.get('algorithm')).toBe('MD5');
    expect(c.params.get('opaque')).toBe('FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
  });

  it('splits several challenges in one header (RFC 7616 §3.7 example)', () => {
    const cs = parseChallenges(`${RFC_CHALLENGE('SHA-256')}, ${RFC_CHALLENGE('MD5')}, Basic realm="x, y", Negotiate abc+/==, NTLM`);
    expect(cs.map((c) => c.scheme)).toEqual(['digest', 'digest', 'basic', 'negotiate', 'ntlm']);
    expect(cs[0].params.get('algorithm')).toBe('SHA-256');
    expect(cs[1].params.get('algorithm')).toBe('MD5');
    expect(cs[2].params.get('realm')).toBe('x, y');
    expect(cs[3].token68).toBe('abc+/==');
    expect(cs[4].params.size).toBe(0);
  });

  it('unescapes quoted-pairs, lower-cases names, tolerates spaces around = and empty elements', () => {
    const [c] = parseChallenges(' ,BASIC  Realm = "a \\"quoted\\" \\\\ realm" ,, charset=UTF-8');
    expect(c.scheme).toBe('basic');
    expect(c.params.get('realm')).toBe('a "quoted" \\ realm');
    expect(c.params.get('charset')).toBe('UTF-8');
  });

  it('stops at an unterminated quoted-string and returns what it read', () => {
    const cs = parseChallenges('Basic realm="a", Digest realm="open');
    expect(cs[0].params.get('realm')).toBe('a');
    expect(cs[1].scheme).toBe('digest');
    expect(cs[1].params.has('realm')).toBe(false);
  });

  it('returns nothing for an empty header', () => {
    expect(parseChallenges('')).toEqual([]);
  });
});

describe('chooseChallenge', () => {
  it('prefers Digest SHA-256, then Digest MD5, then Basic', () => {
    const all = parseChallenges(`Basic realm="b", ${RFC_CHALLENGE('MD5')}, ${RFC_CHALLENGE('SHA-256')}`);
    expect(chooseChallenge(all)?.params.get('algorithm')).toBe('SHA-256');
    expect(chooseChallenge(all.slice(0, 2))?.params.get('algorithm')).toBe('MD5');
    expect(chooseChallenge(all.slice(0, 1))?.scheme).toBe('basic');
  });

  it('skips what it cannot answer', () => {
    expect(chooseChallenge(parseChallenges('Negotiate, NTLM'))).toBeNull();
    expect(isSupportedChallenge(parseChallenges('Digest realm="r", nonce="n", qop="auth-int"')[0])).toBe(false);
    expect(isSupportedChallenge(parseChallenges('Digest realm="r", nonce="n", algorithm=SHA-512-256')[0])).toBe(false);
    expect(isSupportedChallenge(parseChallenges('Digest realm="r"')[0])).toBe(false); // no nonce
  });
});

describe('Basic (RFC 7617)', () => {
  it('encodes user:password in base64 (RFC 7617 §2 example)', () => {
    expect(basicAuthorization({ user: 'Aladdin', password: 'open sesame' })).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });
  it('uses UTF-8 (RFC 7617 §2.1 example)', () => {
    expect(basicAuthorization({ user: 'test', password: '123\u00a3' })).toBe('Basic dGVzdDoxMjPCow==');
  });
  it('refuses a user name with a colon', () => {
    expect(() => basicAuthorization({ user: 'a:b', password: '' })).toThrow(RangeError);
  });
});

describe('Digest (RFC 7616)', () => {
  it('MD5: the §3.9.1 example response', () => {
    const [c] = parseChallenges(RFC_CHALLENGE('MD5'));
    const v = digestAuthorization(c, MUFASA, RFC_REQUEST);
    expect(v.startsWith('Digest ')).toBe(true);
    expect(params(v)).toEqual({
      username: 'Mufasa',
      realm: 'http-auth@example.org',
      uri: '/dir/index.html',
      algorithm: 'MD5',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
      qop: 'auth',
      response: '8ca523f5e9506fed4657c9700eebdbec',
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    });
  });

  it('SHA-256: the §3.9.1 example response', () => {
    const [c] = parseChallenges(RFC_CHALLENGE('SHA-256'));
    const p = params(digestAuthorization(c, MUFASA, RFC_REQUEST));
    expect(p.algorithm).toBe('SHA-256');
    expect(p.response).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('without qop uses the RFC 2069 form (RFC 2617 §3.2.2.1)', () => {
    // RFC 2617 §3.5's inputs answered without qop: response = MD5(HA1:nonce:HA2), the value
    // computed independently (Python hashlib), since the RFC's own example uses qop=auth
    const [c] = parseChallenges('Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"');
    const p = params(digestAuthorization(c, { user: 'Mufasa', password: 'Circle Of Life' }, { method: 'GET', uri: '/dir/index.html', cnonce: 'x' }));
    expect(p.response).toBe('670fd8c2df070c60b045671b8b24ff02');
    expect(p.qop).toBeUndefined();
    expect(p.nc).toBeUndefined();
  });

  it('userhash sends H(user:realm) (RFC 7616 §3.4.4)', () => {
    const [c] = parseChallenges(`${RFC_CHALLENGE('SHA-256')}, userhash=true`);
    const p = params(digestAuthorization(c, MUFASA, RFC_REQUEST));
    expect(p.userhash).toBe('true');
    expect(p.username).toMatch(/^[0-9a-f]{64}$/);
  });

  it('quotes user names with quotes and backslashes', () => {
    const [c] = parseChallenges(RFC_CHALLENGE('MD5'));
    expect(params(digestAuthorization(c, { user: 'a"b\\c', password: 'p' }, RFC_REQUEST)).username).toBe('a"b\\c');
  });

  it('authorizationFor picks by scheme; stale is recognised', () => {
    const [d] = parseChallenges(`${RFC_CHALLENGE('MD5')}, stale=TRUE`);
    expect(authorizationFor(d, MUFASA, RFC_REQUEST)).toContain('response="8ca523f5e9506fed4657c9700eebdbec"');
    expect(isStale(d)).toBe(true);
    const [b] = parseChallenges('Basic realm="r"');
    expect(authorizationFor(b, { user: 'Aladdin', password: 'open sesame' }, RFC_REQUEST)).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    expect(isStale(b)).toBe(false);
  });
});
