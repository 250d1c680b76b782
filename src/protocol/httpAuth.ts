/**
 * HTTP authentication, sans I/O: parsing `WWW-Authenticate` / `Proxy-Authenticate` challenges
 * (RFC 9110 §11.6.1, formerly RFC 7235 §4.1) and building `Authorization` /
 * `Proxy-Authorization` values for Basic (RFC 7617) and Digest (RFC 7616).
 * The client nonce is passed in: this module draws no random numbers.
 * @module
 */
import { createHash } from 'node:crypto';

/** One challenge of an authenticate header. */
export interface AuthChallenge {
  /** The auth-scheme, lower case ('basic', 'digest', …). */
  scheme: string;
  /** auth-param name (lower case) → value, quoted strings unescaped. */
  params: Map<string, string>;
  /** The token68 form (e.g. `Negotiate <blob>`), when the challenge used it. */
  token68?: string;
}

/** User name and password. */
export interface Credentials {
  user: string;
  password: string;
}

/** RFC 9110 §5.6.2 token characters. */
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
/** RFC 9110 §11.2 token68. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/**
 * Parses an authenticate header value (several challenges may share one header, and several
 * headers are joined with ", " by the response parser). Malformed parts end the parse: the
 * challenges read so far are returned.
 */
export function parseChallenges(value: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  const s = value;
  let i = 0;
  const skipWs = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && TOKEN_CHAR.test(s[i])) i++;
    return s.slice(start, i);
  };
  /** True when an auth-param (`name = value`) starts at i. */
  const paramAhead = (): boolean => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=[ \t]*(?:"|[!#$%&'*+\-.^_`|~0-9A-Za-z])/.test(s.slice(i));
  const readValue = (): string | null => {
    if (s[i] !== '"') return readToken();
    let v = '';
    i++;
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s[i++];
    }
    if (i >= s.length) return null; // unterminated quoted-string
    i++;
    return v;
  };
  while (i < s.length) {
    // skip empty list elements (RFC 9110 §5.6.1)
    while (i < s.length && (s[i] === ',' || s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    const scheme = readToken();
    if (scheme === '') break;
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: new Map() };
    out.push(challenge);
    skipWs();
    if (i < s.length && s[i] !== ',' && !paramAhead()) {
      const m = TOKEN68.exec(s.slice(i));
      if (m === null) break;
      challenge.token68 = m[0];
      i += m[0].length;
      continue;
    }
    // auth-params, separated by commas, until something that is not a param (the next scheme)
    for (;;) {
      while (i < s.length && (s[i] === ',' || s[i] === ' ' || s[i] === '\t')) i++;
      if (i >= s.length || !paramAhead()) break;
      const name = readToken().toLowerCase();
      skipWs();
      i++; // '='
      skipWs();
      const v = readValue();
      if (v === null) return out;
      if (!challenge.params.has(name)) challenge.params.set(name, v);
    }
  }
  return out;
}

/** Digest algorithms this module supports (RFC 7616 §3.3), best first. */
const DIGEST_ALGORITHMS: Readonly<Record<string, 'md5' | 'sha256'>> = {
  'sha-256': 'sha256',
  'sha-256-sess': 'sha256',
  md5: 'md5',
  'md5-sess': 'md5',
};

/** True when `c` is a Basic or Digest challenge this module can answer. */
export function isSupportedChallenge(c: AuthChallenge): boolean {
  if (c.scheme === 'basic') return true;
  if (c.scheme !== 'digest' || !c.params.has('nonce')) return false;
  const alg = (c.params.get('algorithm') ?? 'MD5').toLowerCase();
  if (!(alg in DIGEST_ALGORITHMS)) return false;
  const qop = c.params.get('qop');
  // qop absent is the RFC 2069 form; auth-int alone would need the body hash
  return qop === undefined || qopList(qop).includes('auth');
}

function qopList(qop: string): string[] {
  return qop.split(',').map((q) => q.trim().toLowerCase());
}

/**
 * The strongest supported challenge: Digest SHA-256, then Digest MD5, then Basic
 * (RFC 7616 §3.7: prefer the strongest algorithm offered). Null when none is supported.
 */
export function chooseChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | null {
  const rank = (c: AuthChallenge): number => {
    if (c.scheme === 'basic') return 1;
    return DIGEST_ALGORITHMS[(c.params.get('algorithm') ?? 'MD5').toLowerCase()] === 'sha256' ? 3 : 2;
  };
  let best: AuthChallenge | null = null;
  for (const c of challenges) {
    if (isSupportedChallenge(c) && (best === null || rank(c) > rank(best))) best = c;
  }
  return best;
}

/**
 * The Basic credentials value (RFC 7617 §2): user-id ":" password, UTF-8, base64.
 * @throws RangeError when the user name contains ':' (RFC 7617 §2 forbids it)
 */
export function basicAuthorization(creds: Credentials): string {
  if (creds.user.includes(':')) throw new RangeError('A Basic user name may not contain ":"');
  return `Basic ${Buffer.from(`${creds.user}:${creds.password}`, 'utf8').toString('base64')}`;
}

/** Inputs of a Digest response besides the challenge and credentials. */
export interface DigestRequest {
  /** The request method ('GET', or 'CONNECT' for a proxy tunnel). */
  method: string;
  /** The request-target as sent (RFC 7616 §3.4.6). */
  uri: string;
  /** The client nonce (any string of token/quoted characters; RFC 7616 §3.4). */
  cnonce: string;
  /** The nonce count, 1 for the first use of the nonce. */
  nc?: number;
}

function hash(alg: 'md5' | 'sha256', text: string): string {
  return createHash(alg).update(text, 'utf8').digest('hex');
}

/** A quoted-string (RFC 9110 §5.6.4): backslash before '"' and '\'. */
function quote(v: string): string {
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The Digest credentials value (RFC 7616 §3.4) for qop=auth, or the RFC 2069 form when the
 * challenge has no qop. Supports MD5, SHA-256 and their -sess variants, and userhash.
 * @throws RangeError when the challenge is not a supported Digest challenge
 */
export function digestAuthorization(challenge: AuthChallenge, creds: Credentials, req: DigestRequest): string {
  if (challenge.scheme !== 'digest' || !isSupportedChallenge(challenge)) throw new RangeError('Unsupported Digest challenge');
  const p = challenge.params;
  const algName = p.get('algorithm') ?? 'MD5';
  const alg = DIGEST_ALGORITHMS[algName.toLowerCase()];
  const realm = p.get('realm') ?? '';
  const nonce = p.get('nonce') ?? '';
  const nc = (req.nc ?? 1).toString(16).padStart(8, '0');
  const useQop = p.has('qop');
  // RFC 7616 §3.4.2: A1, with the -sess variant hashing in both nonces
  let ha1 = hash(alg, `${creds.user}:${realm}:${creds.password}`);
  if (algName.toLowerCase().endsWith('-sess')) ha1 = hash(alg, `${ha1}:${nonce}:${req.cnonce}`);
  const ha2 = hash(alg, `${req.method}:${req.uri}`); // §3.4.3, qop=auth
  const response = useQop ? hash(alg, `${ha1}:${nonce}:${nc}:${req.cnonce}:auth:${ha2}`) : hash(alg, `${ha1}:${nonce}:${ha2}`);
  // §3.4.4: userhash=true sends H(user:realm) instead of the name
  const userhash = (p.get('userhash') ?? '').toLowerCase() === 'true';
  const username = userhash ? hash(alg, `${creds.user}:${realm}`) : creds.user;
  const parts = [`username=${quote(username)}`, `realm=${quote(realm)}`, `uri=${quote(req.uri)}`, `algorithm=${algName}`, `nonce=${quote(nonce)}`];
  if (useQop) parts.push(`nc=${nc}`, `cnonce=${quote(req.cnonce)}`, 'qop=auth');
  parts.push(`response=${quote(response)}`);
  if (p.has('opaque')) parts.push(`opaque=${quote(p.get('opaque') ?? '')}`);
  if (userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

/**
 * The credentials value answering `challenge` (Basic or Digest).
 * @throws RangeError for an unsupported challenge
 */
export function authorizationFor(challenge: AuthChallenge, creds: Credentials, req: DigestRequest): string {
  if (challenge.scheme === 'basic') return basicAuthorization(creds);
  return digestAuthorization(challenge, creds, req);
}

/** True when a Digest challenge says the nonce was stale (retry with the same credentials). */
export function isStale(challenge: AuthChallenge): boolean {
  return challenge.scheme === 'digest' && (challenge.params.get('stale') ?? '').toLowerCase() === 'true';
}
