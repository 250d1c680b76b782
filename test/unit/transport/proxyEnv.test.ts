/** transport/proxyEnv: which proxy the environment names for a URL (curl's rules). */
import { describe, expect, it } from 'vitest';
import { SocketError } from '../../../src/protocol/enums';
import { StreamError } from '../../../src/transport/stream';
import { DEFAULT_PROXY_PORT, matchesNoProxy, parseProxyUrl, proxyFromEnv } from '../../../src/transport/proxyEnv';

const ws = (u: string): URL => new URL(u);

describe('proxyFromEnv: variable selection', () => {
  it('uses http_proxy for ws:// and https_proxy for wss://', () => {
    const env = { http_proxy: 'http://h:1', https_proxy: 'http://s:2' };
    expect(proxyFromEnv(ws('ws://example.com/'), env)).toMatchObject({ type: 'http', host: 'h', port: 1 });
    expect(proxyFromEnv(ws('wss://example.com/'), env)).toMatchObject({ type: 'http', host: 's', port: 2 });
  });

  it('does not use https_proxy for ws:// nor http_proxy for wss://', () => {
    expect(proxyFromEnv(ws('ws://example.com/'), { https_proxy: 'http://s:2' })).toBeNull();
    expect(proxyFromEnv(ws('wss://example.com/'), { http_proxy: 'http://h:1' })).toBeNull();
  });

  it('falls back to all_proxy', () => {
    const env = { ALL_PROXY: 'socks5://a:3' };
    expect(proxyFromEnv(ws('ws://example.com/'), env)).toMatchObject({ type: 'socks5', host: 'a', port: 3 });
    expect(proxyFromEnv(ws('wss://example.com/'), env)).toMatchObject({ type: 'socks5', host: 'a', port: 3 });
    expect(proxyFromEnv(ws('wss://example.com/'), { all_proxy: 'http://x:9', HTTPS_PROXY: 'http://s:2' })).toMatchObject({ host: 's' });
  });

  it('reads upper case too; lower case wins when both are set', () => {
    expect(proxyFromEnv(ws('ws://e/'), { HTTP_PROXY: 'http://upper:1' })).toMatchObject({ host: 'upper' });
    expect(proxyFromEnv(ws('ws://e/'), { HTTP_PROXY: 'http://upper:1', http_proxy: 'http://lower:2' })).toMatchObject({ host: 'lower' });
    expect(proxyFromEnv(ws('wss://e/'), { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' })).toMatchObject({ host: 'lower' });
    expect(proxyFromEnv(ws('ws://e/'), { ALL_PROXY: 'http://upper:1', all_proxy: 'http://lower:2' })).toMatchObject({ host: 'lower' });
    expect(proxyFromEnv(ws('ws://e/'), { http_proxy: 'http://p:1', NO_PROXY: 'x', no_proxy: 'e' })).toBeNull();
    expect(proxyFromEnv(ws('ws://e/'), { http_proxy: 'http://p:1', NO_PROXY: 'e', no_proxy: 'x' })).not.toBeNull();
  });

  it('an empty variable means no proxy', () => {
    expect(proxyFromEnv(ws('ws://e/'), {})).toBeNull();
    expect(proxyFromEnv(ws('ws://e/'), { http_proxy: '' })).toBeNull();
    expect(proxyFromEnv(ws('ws://e/'), { http_proxy: '  ' })).toBeNull();
  });

  it('applies no_proxy with the scheme default port', () => {
    const env = { http_proxy: 'http://p:1', https_proxy: 'http://p:1', no_proxy: 'a.example:80, b.example:443' };
    expect(proxyFromEnv(ws('ws://a.example/'), env)).toBeNull();
    expect(proxyFromEnv(ws('wss://a.example/'), env)).not.toBeNull();
    expect(proxyFromEnv(ws('wss://b.example/'), env)).toBeNull();
    expect(proxyFromEnv(ws('wss://b.example:8443/'), env)).not.toBeNull();
  });

  it('handles bracketed IPv6 targets', () => {
    const env = { http_proxy: 'http://p:1', no_proxy: '::1' };
    expect(proxyFromEnv(ws('ws://[::1]:8080/'), env)).toBeNull();
    expect(proxyFromEnv(ws('ws://[::2]:8080/'), env)).not.toBeNull();
  });

  it('throws a StreamError without credentials for an unusable proxy URL', () => {
    let err: unknown;
    try {
      proxyFromEnv(ws('ws://e/'), { http_proxy: 'ftp://user:secret@p:1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StreamError);
    expect((err as StreamError).socketError).toBe(SocketError.UnsupportedSocketOperationError);
    expect((err as Error).message).not.toContain('secret');
  });
});

describe('parseProxyUrl', () => {
  it('reads the schemes curl knows here', () => {
    expect(parseProxyUrl('http://proxy:3128')).toEqual({ type: 'http', host: 'proxy', port: 3128, credentials: null });
    expect(parseProxyUrl('socks5://proxy:1081')).toMatchObject({ type: 'socks5', port: 1081 });
    expect(parseProxyUrl('socks5h://proxy:1082')).toMatchObject({ type: 'socks5', port: 1082 });
    expect(parseProxyUrl('SOCKS5H://proxy:1082')).toMatchObject({ type: 'socks5' });
  });

  it('takes HTTP without a scheme and curl’s port 1080 without a port', () => {
    expect(parseProxyUrl('proxy.example:8080')).toMatchObject({ type: 'http', host: 'proxy.example', port: 8080 });
    expect(parseProxyUrl('http://proxy.example')).toMatchObject({ port: DEFAULT_PROXY_PORT });
    expect(DEFAULT_PROXY_PORT).toBe(1080);
  });

  it('decodes percent-encoded credentials', () => {
    expect(parseProxyUrl('http://us%40er:p%3Ass%20w@proxy:1').credentials).toEqual({ user: 'us@er', password: 'p:ss w' });
    expect(parseProxyUrl('socks5://u:@proxy:1').credentials).toEqual({ user: 'u', password: '' });
  });

  it('strips IPv6 brackets', () => {
    expect(parseProxyUrl('http://[::1]:3128')).toMatchObject({ host: '::1', port: 3128 });
  });

  it('refuses other schemes', () => {
    expect(() => parseProxyUrl('https://proxy:1')).toThrow(StreamError);
    expect(() => parseProxyUrl('socks4://proxy:1')).toThrow(StreamError);
  });
});

describe('matchesNoProxy (curl rules)', () => {
  it('* alone matches everything; inside a list too', () => {
    expect(matchesNoProxy('*', 'anything.example', 80)).toBe(true);
    expect(matchesNoProxy('a.example, *', 'b.example', 80)).toBe(true);
    expect(matchesNoProxy('*.', 'b.example', 80)).toBe(false);
  });

  it('matches a domain and its subdomains, with or without a leading dot', () => {
    for (const entry of ['example.com', '.example.com', '*.example.com']) {
      expect(matchesNoProxy(entry, 'example.com', 80)).toBe(true);
      expect(matchesNoProxy(entry, 'www.example.com', 80)).toBe(true);
      expect(matchesNoProxy(entry, 'a.b.example.com', 80)).toBe(true);
      expect(matchesNoProxy(entry, 'notexample.com', 80)).toBe(false);
      expect(matchesNoProxy(entry, 'example.com.evil', 80)).toBe(false);
    }
  });

  it('is case-insensitive and ignores trailing dots', () => {
    expect(matchesNoProxy('Example.COM', 'WWW.example.com', 80)).toBe(true);
    expect(matchesNoProxy('example.com.', 'www.example.com', 80)).toBe(true);
    expect(matchesNoProxy('example.com', 'www.example.com.', 80)).toBe(true);
  });

  it('splits on commas and white space, skipping empty entries', () => {
    const list = ' foo.example ,, bar.example\tbaz.example ';
    expect(matchesNoProxy(list, 'bar.example', 80)).toBe(true);
    expect(matchesNoProxy(list, 'baz.example', 80)).toBe(true);
    expect(matchesNoProxy(list, 'qux.example', 80)).toBe(false);
    expect(matchesNoProxy('', 'foo.example', 80)).toBe(false);
  });

  it('host:port entries match that port only', () => {
    expect(matchesNoProxy('example.com:8080', 'example.com', 8080)).toBe(true);
    expect(matchesNoProxy('example.com:8080', 'example.com', 80)).toBe(false);
    expect(matchesNoProxy('127.0.0.1:9000', '127.0.0.1', 9000)).toBe(true);
    expect(matchesNoProxy('127.0.0.1:9000', '127.0.0.1', 9001)).toBe(false);
    expect(matchesNoProxy('[::1]:9000', '::1', 9000)).toBe(true);
    expect(matchesNoProxy('[::1]:9000', '::1', 9001)).toBe(false);
  });

  it('IP literals match exactly, never as a domain suffix', () => {
    expect(matchesNoProxy('127.0.0.1', '127.0.0.1', 80)).toBe(true);
    expect(matchesNoProxy('127.0.0.1', '127.0.0.2', 80)).toBe(false);
    expect(matchesNoProxy('0.0.1', '127.0.0.1', 80)).toBe(false);
    expect(matchesNoProxy('::1', '0:0:0:0:0:0:0:1', 80)).toBe(true);
    expect(matchesNoProxy('[::1]', '::1', 80)).toBe(true);
    expect(matchesNoProxy('localhost', '127.0.0.1', 80)).toBe(false);
  });

  it('IP ranges in CIDR form', () => {
    expect(matchesNoProxy('10.0.0.0/8', '10.200.3.4', 80)).toBe(true);
    expect(matchesNoProxy('10.0.0.0/8', '11.0.0.1', 80)).toBe(false);
    expect(matchesNoProxy('192.168.1.0/25', '192.168.1.127', 80)).toBe(true);
    expect(matchesNoProxy('192.168.1.0/25', '192.168.1.128', 80)).toBe(false);
    expect(matchesNoProxy('fd00::/8', 'fd12::1', 80)).toBe(true);
    expect(matchesNoProxy('fd00::/8', 'fe80::1', 80)).toBe(false);
  });

  it('a host name never matches an IP entry and vice versa', () => {
    expect(matchesNoProxy('10.0.0.0/8', 'ten.example', 80)).toBe(false);
    expect(matchesNoProxy('example.com', '10.0.0.1', 80)).toBe(false);
  });
});
