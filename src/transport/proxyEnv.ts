/**
 * Picking a proxy from the environment, as curl does: `https_proxy` for wss://, `http_proxy`
 * for ws://, else `all_proxy`; `no_proxy` lists hosts reached directly. Each variable is read in
 * lower case first, then upper case (the lower-case one wins when both are set).
 * @module
 */
import { isIP } from 'node:net';
import { SocketError } from '../protocol/enums';
import type { Credentials } from '../protocol/httpAuth';
import { StreamError } from './stream';

/** A proxy to go through. */
export interface ProxySpec {
  /** 'http': HTTP CONNECT tunnel; 'socks5': SOCKS5 with the host name resolved by the proxy. */
  type: 'http' | 'socks5';
  host: string;
  port: number;
  /** Credentials given with the proxy (URL user info or settings), null when none. */
  credentials: Credentials | null;
}

/** curl's default proxy port (CURLOPT_PROXYPORT) when the proxy URL names none. */
export const DEFAULT_PROXY_PORT = 1080;

type Env = Readonly<Record<string, string | undefined>>;

/** The value of `name` in lower case, else upper case; undefined when neither is set. */
function envVar(env: Env, name: string): string | undefined {
  return env[name.toLowerCase()] ?? env[name.toUpperCase()];
}

/**
 * Parses a proxy URL as found in the environment: `http://`, `socks5://`, `socks5h://`, or no
 * scheme (HTTP, as curl assumes), with optional percent-encoded `user:password@`.
 * @throws StreamError(UnsupportedSocketOperationError) for another scheme or an unparsable URL;
 *   the message never contains the credentials
 */
export function parseProxyUrl(text: string): ProxySpec {
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new StreamError(SocketError.UnsupportedSocketOperationError, 'Invalid proxy URL in the environment');
  }
  let type: ProxySpec['type'];
  if (url.protocol === 'http:') type = 'http';
  else if (url.protocol === 'socks5:' || url.protocol === 'socks5h:') type = 'socks5';
  else throw new StreamError(SocketError.UnsupportedSocketOperationError, `Unsupported proxy scheme ${url.protocol.slice(0, -1)}`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw new StreamError(SocketError.UnsupportedSocketOperationError, 'Proxy URL without a host');
  const port = url.port !== '' ? Number(url.port) : DEFAULT_PROXY_PORT;
  let credentials: Credentials | null = null;
  if (url.username !== '' || url.password !== '') {
    try {
      credentials = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    } catch {
      credentials = { user: url.username, password: url.password };
    }
  }
  return { type, host, port, credentials };
}

/** The eight 16-bit groups of a valid IPv6 literal (a trailing dotted quad included). */
export function ipv6Groups(text: string): number[] {
  let s = text.toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad !== null) {
    const b = quad[1].split('.').map(Number);
    s = s.slice(0, -quad[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => parseInt(g, 16));
}

/** Parses an IP literal into its bytes (IPv4-mapped IPv6 compares as IPv4), or null. */
function ipBytes(text: string): number[] | null {
  const kind = isIP(text);
  if (kind === 4) return text.split('.').map(Number);
  if (kind !== 6) return null;
  const bytes = ipv6Groups(text).flatMap((n) => [n >> 8, n & 0xff]);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

/** True when the first `bits` bits of a and b agree. */
function prefixMatch(a: number[], b: number[], bits: number): boolean {
  if (a.length !== b.length || bits < 0 || bits > a.length * 8) return false;
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i] & mask) !== (b[i] & mask)) return false;
  }
  return true;
}

/** Splits a no_proxy entry into host and optional port (`host:port`, `[v6]:port`, bare v6). */
function splitEntry(entry: string): { host: string; port: number | null } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracket !== null) return { host: bracket[1], port: bracket[2] !== undefined ? Number(bracket[2]) : null };
  const colon = entry.lastIndexOf(':');
  if (colon > 0 && entry.indexOf(':') === colon && /^\d+$/.test(entry.slice(colon + 1))) {
    return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) };
  }
  return { host: entry, port: null };
}

/**
 * True when `host:port` is excluded by a no_proxy value (curl's rules): a comma or space
 * separated list; `*` alone matches every host; a name matches itself and its subdomains,
 * with or without a leading dot; an IP literal matches itself, or a range in CIDR form;
 * an entry with `:port` matches that port only. Case-insensitive; a trailing dot is ignored.
 */
export function matchesNoProxy(noProxy: string, host: string, port: number): boolean {
  const target = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const targetIp = ipBytes(target);
  for (const raw of noProxy.split(/[\s,]+/)) {
    if (raw === '') continue;
    if (raw === '*') return true;
    const { host: entryHost, port: entryPort } = splitEntry(raw.toLowerCase());
    if (entryPort !== null && entryPort !== port) continue;
    const slash = entryHost.indexOf('/');
    if (targetIp !== null) {
      const ipPart = slash >= 0 ? entryHost.slice(0, slash) : entryHost;
      const entryIp = ipBytes(ipPart);
      if (entryIp === null) continue;
      const bits = slash >= 0 ? Number(entryHost.slice(slash + 1)) : entryIp.length * 8;
      if (Number.isInteger(bits) && prefixMatch(targetIp, entryIp, bits)) return true;
      continue;
    }
    const name = entryHost.replace(/^\*?\./, '').replace(/\.$/, '');
    if (name === '') continue;
    if (target === name || target.endsWith(`.${name}`)) return true;
  }
  return false;
}

/**
 * The proxy the environment sets for a ws:// or wss:// URL, or null to connect directly.
 * @param env the environment (process.env by default)
 * @throws StreamError(UnsupportedSocketOperationError) when the chosen variable holds a proxy URL
 *   this client cannot use
 */
export function proxyFromEnv(url: URL, env: Env = process.env): ProxySpec | null {
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  let value = envVar(env, secure ? 'https_proxy' : 'http_proxy');
  if (value === undefined) value = envVar(env, 'all_proxy');
  if (value === undefined || value.trim() === '') return null;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port !== '' ? Number(url.port) : secure ? 443 : 80;
  const noProxy = envVar(env, 'no_proxy');
  if (noProxy !== undefined && matchesNoProxy(noProxy, host, port)) return null;
  return parseProxyUrl(value.trim());
}
