/**
 * Proxies (issue #8) against real proxies on loopback: Debian's tinyproxy (HTTP CONNECT, with
 * and without BasicAuth) and microsocks (SOCKS5, with and without username/password), for ws://
 * and wss:// (TLS end to end through the tunnel), and proxy plus server authentication together.
 * Failures and the environment: proxy-failures.test.ts. The fixture: test/helpers/proxies.ts.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { createServer as createHttpServer } from 'node:http';
import { SocketError, WebSocketServer } from '../../src/index';
import { freePort } from '../helpers/spawnPeer';
import { HAVE_MICROSOCKS, HAVE_OPENSSL, HAVE_TINYPROXY, PASS, USER, echoOn, http, run, servers, socks, startMicrosocks, startTinyproxy, useProxyFixture, wsPort, wssPort } from '../helpers/proxies';

useProxyFixture();

describe.skipIf(!HAVE_TINYPROXY)('HTTP CONNECT through tinyproxy', () => {
  let open = 0;
  let authed = 0;
  beforeAll(async () => {
    open = await startTinyproxy(false);
    authed = await startTinyproxy(true);
  });

  it('ws:// through the tunnel', async () => {
    const o = await run(`ws://127.0.0.1:${wsPort}/`, http(open));
    expect(o.error).toBeNull();
    expect(o.echoed).toBe('through the proxy');
    expect(o.proxyAsks).toEqual([]);
  });

  it.skipIf(!HAVE_OPENSSL)('wss:// runs TLS end to end through the tunnel (IP and host name)', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const o = await run(`wss://${host}:${wssPort}/`, http(open));
      expect(o.error, o.errorString).toBeNull();
      expect(o.echoed).toBe('through the proxy');
    }
  });

  it('credentials in the proxy setting are used without asking', async () => {
    const o = await run(`ws://127.0.0.1:${wsPort}/`, http(authed, USER, PASS));
    expect(o.echoed).toBe('through the proxy');
    expect(o.proxyAsks).toEqual([]);
  });

  it.skipIf(!HAVE_OPENSSL)('wss:// through the authenticating proxy', async () => {
    const o = await run(`wss://localhost:${wssPort}/`, http(authed, USER, PASS));
    expect(o.error, o.errorString).toBeNull();
    expect(o.echoed).toBe('through the proxy');
  });

  it('wrong credentials in the setting: the slot is asked (fresh authenticator) and its answer used', async () => {
    const o = await run(`ws://127.0.0.1:${wsPort}/`, http(authed, USER, 'wrong'), [USER, PASS]);
    expect(o.error, o.errorString).toBeNull();
    expect(o.echoed).toBe('through the proxy');
    expect(o.proxyAsks.map((a) => a.fresh)).toEqual([true]);
    // a slot that fills in nothing: ProxyAuthenticationRequiredError after one ask
    const none = await run(`ws://127.0.0.1:${wsPort}/`, http(authed, USER, 'wrong'));
    expect(none.error).toBe(SocketError.ProxyAuthenticationRequiredError);
    expect(none.proxyAsks).toHaveLength(1);
  });

  it('no credentials: the slot is asked once and what it fills in is used', async () => {
    const proxy = http(authed);
    const o = await run(`ws://127.0.0.1:${wsPort}/`, proxy, [USER, PASS]);
    expect(o.error, o.errorString).toBeNull();
    expect(o.echoed).toBe('through the proxy');
    expect(o.proxyAsks).toHaveLength(1);
    expect(o.proxyAsks[0].proxy).toBe(proxy);
    expect(o.proxyAsks[0].realm).toBe('Tinyproxy');
  });

  it('the slot fills in wrong credentials: asked again, and the same refused answer ends it', async () => {
    const o = await run(`ws://127.0.0.1:${wsPort}/`, http(authed), [USER, 'nope']);
    expect(o.error).toBe(SocketError.ProxyAuthenticationRequiredError);
    expect(o.proxyAsks).toHaveLength(2);
  });

  it('a slot that fills in nothing → ProxyAuthenticationRequiredError', async () => {
    const o = await run(`ws://127.0.0.1:${wsPort}/`, http(authed));
    expect(o.error).toBe(SocketError.ProxyAuthenticationRequiredError);
    expect(o.proxyAsks).toHaveLength(1);
  });

  it('a port the proxy refuses to CONNECT to → ProxyConnectionRefusedError (403, as Qt)', async () => {
    const o = await run(`ws://127.0.0.1:${await freePort()}/`, http(open));
    expect(o.error).toBe(SocketError.ProxyConnectionRefusedError);
  });
});

describe.skipIf(!HAVE_MICROSOCKS)('SOCKS5 through microsocks', () => {
  let open = 0;
  let authed = 0;
  beforeAll(async () => {
    open = await startMicrosocks(false);
    authed = await startMicrosocks(true);
  });

  it('ws:// by IP and by name (ATYP domain, resolved by the proxy)', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const o = await run(`ws://${host}:${wsPort}/`, socks(open));
      expect(o.error, o.errorString).toBeNull();
      expect(o.echoed).toBe('through the proxy');
    }
  });

  it.skipIf(!HAVE_OPENSSL)('wss:// runs TLS end to end through SOCKS5', async () => {
    const o = await run(`wss://localhost:${wssPort}/`, socks(open));
    expect(o.error, o.errorString).toBeNull();
    expect(o.echoed).toBe('through the proxy');
  });

  it('credentials in the proxy setting are used without asking (ws and wss)', async () => {
    const o = await run(`ws://127.0.0.1:${wsPort}/`, socks(authed, USER, PASS));
    expect(o.echoed).toBe('through the proxy');
    expect(o.proxyAsks).toEqual([]);
    if (HAVE_OPENSSL) expect((await run(`wss://127.0.0.1:${wssPort}/`, socks(authed, USER, PASS))).echoed).toBe('through the proxy');
  });

  it('wrong credentials in the setting: the slot is asked (fresh authenticator), the retry uses its answer', async () => {
    const proxy = socks(authed, USER, 'wrong');
    const o = await run(`ws://127.0.0.1:${wsPort}/`, proxy, [USER, PASS]);
    expect(o.error, o.errorString).toBeNull();
    expect(o.echoed).toBe('through the proxy');
    expect(o.proxyAsks.map((a) => [a.proxy, a.realm, a.fresh])).toEqual([[proxy, '', true]]);
    if (HAVE_OPENSSL) expect((await run(`wss://127.0.0.1:${wssPort}/`, socks(authed, USER, 'wrong'), [USER, PASS])).echoed).toBe('through the proxy');
  });

  it('wrong credentials and a slot that fills in nothing (or the same ones) → ProxyAuthenticationRequiredError', async () => {
    const none = await run(`ws://127.0.0.1:${wsPort}/`, socks(authed, USER, 'wrong'));
    expect(none.error).toBe(SocketError.ProxyAuthenticationRequiredError);
    expect(none.proxyAsks).toHaveLength(1);
    const same = await run(`ws://127.0.0.1:${wsPort}/`, socks(authed), [USER, 'nope']);
    expect(same.error).toBe(SocketError.ProxyAuthenticationRequiredError);
    expect(same.proxyAsks).toHaveLength(2);
  });

  it('no credentials: the slot fills them in', async () => {
    const proxy = socks(authed);
    const o = await run(`ws://127.0.0.1:${wsPort}/`, proxy, [USER, PASS]);
    expect(o.error, o.errorString).toBeNull();
    expect(o.echoed).toBe('through the proxy');
    expect(o.proxyAsks).toHaveLength(1);
    expect(o.proxyAsks[0].proxy).toBe(proxy);
  });

  it('a slot that fills in nothing → ProxyAuthenticationRequiredError', async () => {
    const o = await run(`ws://127.0.0.1:${wsPort}/`, socks(authed));
    expect(o.error).toBe(SocketError.ProxyAuthenticationRequiredError);
    expect(o.proxyAsks).toHaveLength(1);
  });

  it('the target refusing → ConnectionRefusedError (SOCKS5 reply 5)', async () => {
    const o = await run(`ws://127.0.0.1:${await freePort()}/`, socks(open));
    expect(o.error).toBe(SocketError.ConnectionRefusedError);
  });
});

describe.skipIf(!HAVE_MICROSOCKS)('proxy and server authentication together', () => {
  it('a 401 retry opens a new tunnel and reuses the proxy credentials the slot gave', async () => {
    const authed = await startMicrosocks(true);
    const wss = new WebSocketServer('auth-behind-proxy');
    echoOn(wss);
    const good = `Basic ${Buffer.from('bob:builder').toString('base64')}`;
    const seen: Array<string | undefined> = [];
    const server = createHttpServer();
    server.on('upgrade', (req, socket, head) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization === good) return wss.handleUpgrade(req, socket, head);
      socket.on('error', () => {});
      socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="inner"\r\nContent-Length: 0\r\n\r\n');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const o = await run(`ws://bob:builder@localhost:${port}/`, socks(authed), [USER, PASS]);
    wss.close();
    expect(o.error, o.errorString).toBeNull();
    expect(o.echoed).toBe('through the proxy');
    expect(seen).toEqual([undefined, good]);
    expect(o.proxyAsks).toHaveLength(1); // asked once for both tunnels
  });
});
