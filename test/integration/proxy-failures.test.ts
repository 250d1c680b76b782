/**
 * Proxy failures mapped to Qt's SocketError (refused, unreachable, bad replies, SOCKS5 reply
 * codes), and DefaultProxy taking the environment. Proxies that work: proxy.test.ts; the
 * fixture: test/helpers/proxies.ts.
 */
import { describe, expect, it, afterEach, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { NetworkProxy, ProxyType, SocketError, WebSocket } from '../../src/index';
import { freePort } from '../helpers/spawnPeer';
import { HAVE_MICROSOCKS, HAVE_OPENSSL, HAVE_TINYPROXY, PASS, USER, http, run, servers, socks, startMicrosocks, startTinyproxy, useProxyFixture, wsPort, wssPort } from '../helpers/proxies';

useProxyFixture();

describe('proxy failures', () => {
  it('proxy down → ProxyConnectionRefusedError (HTTP and SOCKS5)', async () => {
    const port = await freePort();
    expect((await run(`ws://127.0.0.1:${wsPort}/`, http(port, USER, PASS))).error).toBe(SocketError.ProxyConnectionRefusedError);
    expect((await run(`ws://127.0.0.1:${wsPort}/`, socks(port, USER, PASS))).error).toBe(SocketError.ProxyConnectionRefusedError);
  });

  /** A fake proxy that answers every connection with `reply` (then closes when asked to). */
  async function fakeProxy(reply: Buffer | null, close: boolean): Promise<number> {
    const server = createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => {
        if (reply !== null) s.write(reply);
        if (close) s.end();
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  it('garbage reply → ProxyProtocolError', async () => {
    const port = await fakeProxy(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), false);
    expect((await run(`ws://127.0.0.1:${wsPort}/`, http(port))).error).toBe(SocketError.ProxyProtocolError);
    // SOCKS: the version byte is not 5
    expect((await run(`ws://127.0.0.1:${wsPort}/`, socks(port))).error).toBe(SocketError.ProxyProtocolError);
  });

  it('an unparsable HTTP reply head → ProxyProtocolError', async () => {
    const port = await fakeProxy(Buffer.from('HTTP/1.1 200\r\nbad header line\r\n\r\n'), false);
    expect((await run(`ws://127.0.0.1:${wsPort}/`, http(port))).error).toBe(SocketError.ProxyProtocolError);
  });

  it('proxy closes without a reply → ProxyConnectionClosedError', async () => {
    const port = await fakeProxy(null, true);
    expect((await run(`ws://127.0.0.1:${wsPort}/`, http(port))).error).toBe(SocketError.ProxyConnectionClosedError);
    expect((await run(`ws://127.0.0.1:${wsPort}/`, socks(port))).error).toBe(SocketError.ProxyConnectionClosedError);
  });

  it('SOCKS5 reply 4 → HostNotFoundError', async () => {
    // method reply: version 5, no auth; then the CONNECT reply: version 5, REP=4 (host unreachable)
    const server = createServer((s) => {
      s.on('error', () => {});
      let step = 0;
      s.on('data', () => {
        s.write(step++ === 0 ? Buffer.from([5, 0]) : Buffer.from([5, 4, 0, 1, 0, 0, 0, 0, 0, 0]));
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const o = await run(`ws://target.example:80/`, socks((server.address() as { port: number }).port));
    expect(o.error).toBe(SocketError.HostNotFoundError);
  });

  it('SOCKS5 requests: greeting offers no-auth and username/password; targets as IPv4, domain or IPv6', async () => {
    const requests: Buffer[] = [];
    const server = createServer((s) => {
      s.on('error', () => {});
      let step = 0;
      s.on('data', (d) => {
        if (step++ === 0) {
          requests.push(Buffer.from(d)); // the greeting
          s.write(Buffer.from([5, 0]));
        } else {
          requests.push(Buffer.from(d));
          s.write(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])); // REP 2: not allowed
        }
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    for (const url of ['ws://10.1.2.3:258/', 'ws://Name.Example:80/', 'ws://[2001:db8::1]:443/']) {
      expect((await run(url, socks(port))).error).toBe(SocketError.SocketAccessError);
    }
    // VER 5, NMETHODS 2, METHODS 0 (no auth) and 2 (username/password)
    expect(requests[0]).toEqual(Buffer.from([5, 2, 0, 2]));
    // VER 5, CMD 1 (CONNECT), RSV, ATYP 1, 10.1.2.3, port 258
    expect(requests[1]).toEqual(Buffer.from([5, 1, 0, 1, 10, 1, 2, 3, 1, 2]));
    // ATYP 3, length 12, "name.example" (the URL parser lower-cases it), port 80
    expect(requests[3]).toEqual(Buffer.concat([Buffer.from([5, 1, 0, 3, 12]), Buffer.from('name.example'), Buffer.from([0, 80])]));
    // ATYP 4, 2001:0db8:0000…0001, port 443
    expect(requests[5]).toEqual(Buffer.concat([Buffer.from([5, 1, 0, 4]), Buffer.from('20010db8000000000000000000000001', 'hex'), Buffer.from([1, 0xbb])]));
  });

  it('HTTP CONNECT 502 → HostNotFoundError, 503 → ConnectionRefusedError', async () => {
    const p502 = await fakeProxy(Buffer.from('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'), false);
    expect((await run(`ws://target.example/`, http(p502))).error).toBe(SocketError.HostNotFoundError);
    const p503 = await fakeProxy(Buffer.from('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'), false);
    expect((await run(`ws://target.example/`, http(p503))).error).toBe(SocketError.ConnectionRefusedError);
  });

  it('a proxy asking for Digest: preemptive Basic, then one Digest retry (SHA-256)', async () => {
    const realm = 'digest-proxy';
    const nonce = 'bm9uY2UtdmFsdWU=';
    const seen: string[] = [];
    const h = (s: string): string => createHash('sha256').update(s).digest('hex');
    const server = createServer((client) => {
      client.on('error', () => {});
      let head = '';
      const onData = (d: Buffer): void => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        client.off('data', onData);
        const target = /^CONNECT (\S+) /.exec(head)?.[1] ?? '';
        const auth = /^proxy-authorization: (.*)$/im.exec(head)?.[1] ?? '';
        seen.push(auth.split(' ')[0]);
        const p = new Map([...auth.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1], m[2] ?? m[3]]));
        const expected = h(`${h(`${USER}:${realm}:${PASS}`)}:${nonce}:${p.get('nc')}:${p.get('cnonce')}:auth:${h(`CONNECT:${target}`)}`);
        if (!auth.startsWith('Digest ') || p.get('response') !== expected || p.get('uri') !== target) {
          client.end(`HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Digest realm="${realm}", qop="auth", algorithm=SHA-256, nonce="${nonce}"\r\nContent-Length: 0\r\n\r\n`);
          return;
        }
        const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
        const upstream = connect(port, host, () => {
          client.write('HTTP/1.1 200 Connection established\r\n\r\n');
          client.pipe(upstream).pipe(client);
        });
        upstream.on('error', () => client.destroy());
      };
      client.on('data', onData);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const o = await run(`ws://127.0.0.1:${wsPort}/`, http(port, USER, PASS));
    expect(o.error, o.errorString).toBeNull();
    expect(o.echoed).toBe('through the proxy');
    expect(seen).toEqual(['Basic', 'Digest']);
    expect(o.proxyAsks).toEqual([]);
    // wrong password: Basic, then Digest, then the end
    seen.length = 0;
    const wrong = await run(`ws://127.0.0.1:${wsPort}/`, http(port, USER, 'wrong'));
    expect(wrong.error).toBe(SocketError.ProxyAuthenticationRequiredError);
    expect(seen).toEqual(['Basic', 'Digest']);
    // the refused Digest asks the slot once (it fills in nothing here)
    expect(wrong.proxyAsks).toHaveLength(1);
  });

  it('caching proxy types cannot carry a WebSocket → UnsupportedSocketOperationError', async () => {
    const o = await run(`ws://127.0.0.1:${wsPort}/`, new NetworkProxy(ProxyType.HttpCachingProxy, '127.0.0.1', 1));
    expect(o.error).toBe(SocketError.UnsupportedSocketOperationError);
  });
});

describe('DefaultProxy takes the environment', () => {
  const NAMES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'];
  let saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
  });
  afterEach(() => {
    for (const n of NAMES) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  });
  const setEnv = (vars: Record<string, string>): void => {
    for (const n of NAMES) delete process.env[n];
    Object.assign(process.env, vars);
  };

  it('HTTP_PROXY for ws://, and a matching NO_PROXY goes direct', async () => {
    const down = await freePort();
    setEnv({ HTTP_PROXY: `http://127.0.0.1:${down}` });
    expect((await run(`ws://127.0.0.1:${wsPort}/`, null)).error).toBe(SocketError.ProxyConnectionRefusedError);
    setEnv({ HTTP_PROXY: `http://127.0.0.1:${down}`, NO_PROXY: `example.com, 127.0.0.1:${wsPort}` });
    expect((await run(`ws://127.0.0.1:${wsPort}/`, null)).echoed).toBe('through the proxy');
    setEnv({ http_proxy: `http://127.0.0.1:${down}`, no_proxy: '*' });
    expect((await run(`ws://127.0.0.1:${wsPort}/`, null)).echoed).toBe('through the proxy');
    // a NoProxy setting ignores the environment
    setEnv({ http_proxy: `http://127.0.0.1:${down}` });
    expect((await run(`ws://127.0.0.1:${wsPort}/`, new NetworkProxy(ProxyType.NoProxy))).echoed).toBe('through the proxy');
  });

  it.skipIf(!HAVE_TINYPROXY)('user:password in the proxy URL are used (no slot call)', async () => {
    const authed = await startTinyproxy(true);
    setEnv({ http_proxy: `http://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${authed}` });
    const o = await run(`ws://127.0.0.1:${wsPort}/`, null);
    expect(o.echoed).toBe('through the proxy');
    expect(o.proxyAsks).toEqual([]);
    // without them the slot sees the proxy from the environment
    setEnv({ http_proxy: `127.0.0.1:${authed}` });
    const asked = await run(`ws://127.0.0.1:${wsPort}/`, null, [USER, PASS]);
    expect(asked.echoed).toBe('through the proxy');
    expect(asked.proxyAsks).toHaveLength(1);
    expect(asked.proxyAsks[0].proxy.type()).toBe(ProxyType.HttpProxy);
    expect(asked.proxyAsks[0].proxy.port()).toBe(authed);
  });

  it.skipIf(!HAVE_MICROSOCKS || !HAVE_OPENSSL)('HTTPS_PROXY=socks5h:// for wss://, ALL_PROXY=socks5:// with credentials for ws://', async () => {
    const open = await startMicrosocks(false);
    const authed = await startMicrosocks(true);
    const down = await freePort();
    setEnv({ HTTPS_PROXY: `socks5h://127.0.0.1:${open}`, HTTP_PROXY: `http://127.0.0.1:${down}` });
    expect((await run(`wss://localhost:${wssPort}/`, null)).echoed).toBe('through the proxy');
    setEnv({ ALL_PROXY: `socks5://${USER}:${PASS}@127.0.0.1:${authed}` });
    const o = await run(`ws://localhost:${wsPort}/`, null);
    expect(o.echoed).toBe('through the proxy');
    expect(o.proxyAsks).toEqual([]);
  });
});
