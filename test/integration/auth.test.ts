/**
 * HTTP authentication with the WebSocket server (Qt 6.6 authenticationRequired): a Node http
 * server whose 'upgrade' handler answers 401 with a Basic or Digest challenge until the right
 * Authorization arrives, then hands the socket to WebSocketServer.handleUpgrade.
 *
 * A refused attempt ends with SocketError.ConnectionRefusedError, as Qt reports every failed
 * opening handshake (QAbstractSocket has no error value for server authentication; its
 * ProxyAuthenticationRequiredError is for proxies only).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Authenticator, SocketError, WebSocket, WebSocketServer } from '../../src/index';

const USER = 'alice';
const PASS = 'wonder land:42';

type Scheme = 'basic' | 'digest-md5' | 'digest-sha256' | 'digest-both' | 'negotiate';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The params of a Digest Authorization value (quoted strings unescaped), parsed here independently. */
function digestParams(value: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([a-z0-9-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value.replace(/^Digest\s+/i, ''))) !== null) out.set(m[1].toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
  return out;
}

/** Checks a Digest answer the way a server does (RFC 7616 §3.4.1, qop=auth). */
function digestOk(value: string, realm: string, nonce: string, method: string, path: string): boolean {
  const p = digestParams(value);
  const alg = p.get('algorithm') === 'SHA-256' ? 'sha256' : 'md5';
  const h = (s: string): string => createHash(alg).update(s).digest('hex');
  if (p.get('username') !== USER || p.get('realm') !== realm || p.get('nonce') !== nonce || p.get('uri') !== path || p.get('qop') !== 'auth') return false;
  const expected = h(`${h(`${USER}:${realm}:${PASS}`)}:${nonce}:${p.get('nc')}:${p.get('cnonce')}:auth:${h(`${method}:${path}`)}`);
  return p.get('response') === expected && p.get('opaque') === 'opaque-value';
}

/** A WebSocket echo server behind an http server demanding `scheme`. Records each attempt's Authorization. */
async function protectedServer(scheme: Scheme): Promise<{ port: number; attempts: Array<string | undefined> }> {
  const attempts: Array<string | undefined> = [];
  const realm = 'ws-realm@test';
  const nonce = randomBytes(16).toString('base64');
  const wss = new WebSocketServer('auth-test');
  wss.on('newConnection', () => {
    let ws: WebSocket | null;
    while ((ws = wss.nextPendingConnection()) !== null) {
      const s = ws;
      s.on('textMessageReceived', (m) => s.sendTextMessage(m));
    }
  });
  const http: Server = createServer();
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const auth = req.headers.authorization;
    attempts.push(auth);
    let ok = false;
    let challenge: string[] = [];
    const basic = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;
    const digest = (alg: string): string => `Digest realm="${realm}", qop="auth", algorithm=${alg}, nonce="${nonce}", opaque="opaque-value"`;
    if (scheme === 'basic') {
      ok = auth === basic;
      challenge = [`Basic realm="${realm}", charset="UTF-8"`];
    } else if (scheme === 'negotiate') {
      challenge = ['Negotiate'];
    } else {
      ok = auth !== undefined && /^Digest /.test(auth) && digestOk(auth, realm, nonce, 'GET', req.url ?? '');
      if (scheme === 'digest-md5') challenge = [digest('MD5')];
      else if (scheme === 'digest-sha256') challenge = [digest('SHA-256')];
      else challenge = [digest('MD5'), digest('SHA-256')]; // two headers
      if (ok && scheme === 'digest-both') ok = digestParams(auth!).get('algorithm') === 'SHA-256';
    }
    if (ok) {
      wss.handleUpgrade(req, socket, head);
      return;
    }
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 401 Unauthorized\r\n${challenge.map((c) => `WWW-Authenticate: ${c}\r\n`).join('')}Content-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    wss.close();
    return new Promise((r) => http.close(r));
  });
  return { port: (http.address() as { port: number }).port, attempts };
}

interface Result {
  error: SocketError | null;
  errorString: string;
  echoed: string | null;
  asked: string[];
}

/** Opens `url`; `fill` is what the authenticationRequired slot fills in (null: no slot at all). */
async function run(url: string, fill: [string, string] | 'nothing' | null): Promise<Result> {
  const ws = new WebSocket();
  cleanups.push(() => ws.abort());
  const asked: string[] = [];
  if (fill !== null) {
    ws.on('authenticationRequired', (auth) => {
      expect(auth).toBeInstanceOf(Authenticator);
      asked.push(auth.realm());
      if (fill !== 'nothing') {
        auth.setUser(fill[0]);
        auth.setPassword(fill[1]);
      }
    });
  }
  const r = await new Promise<Result>((resolve) => {
    ws.on('connected', () => ws.sendTextMessage('authenticated'));
    ws.on('textMessageReceived', (m) => resolve({ error: null, errorString: '', echoed: m, asked }));
    ws.on('errorOccurred', (e) => resolve({ error: e, errorString: ws.errorString(), echoed: null, asked }));
    ws.open(url, { handshakeTimeoutMs: 8000 });
  });
  // credentials never appear in error messages
  expect(r.errorString).not.toContain(PASS);
  expect(r.errorString).not.toContain(encodeURIComponent(PASS));
  return r;
}

const withCreds = (port: number, path = '/', pass = PASS): string => `ws://${USER}:${encodeURIComponent(pass)}@127.0.0.1:${port}${path}`;

describe('authenticationRequired (401 from the WebSocket server)', () => {
  it('Basic: the first attempt goes without credentials, the URL’s are used on the retry', async () => {
    const s = await protectedServer('basic');
    const r = await run(withCreds(s.port), ['never', 'used']);
    expect(r.echoed).toBe('authenticated');
    expect(s.attempts).toHaveLength(2);
    expect(s.attempts[0]).toBeUndefined();
    expect(s.attempts[1]).toBe(`Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`);
    expect(r.asked).toEqual([]); // the URL had them: no signal
  });

  it('Basic: the slot’s credentials, with the challenge’s realm', async () => {
    const s = await protectedServer('basic');
    const r = await run(`ws://127.0.0.1:${s.port}/`, [USER, PASS]);
    expect(r.error, r.errorString).toBeNull();
    expect(r.echoed).toBe('authenticated');
    expect(r.asked).toEqual(['ws-realm@test']);
    expect(s.attempts[0]).toBeUndefined();
  });

  it('Digest MD5 from the slot, with a path and query as the digest-uri', async () => {
    const s = await protectedServer('digest-md5');
    const r = await run(`ws://127.0.0.1:${s.port}/chat?room=1`, [USER, PASS]);
    expect(r.error, r.errorString).toBeNull();
    expect(r.echoed).toBe('authenticated');
    expect(s.attempts).toHaveLength(2);
    expect(digestParams(s.attempts[1]!).get('algorithm')).toBe('MD5');
    expect(s.attempts[1]).not.toContain(PASS);
  });

  it('Digest SHA-256 from the URL', async () => {
    const s = await protectedServer('digest-sha256');
    const r = await run(withCreds(s.port, '/x'), null);
    expect(r.error, r.errorString).toBeNull();
    expect(s.attempts[0]).toBeUndefined();
    expect(digestParams(s.attempts[1]!).get('algorithm')).toBe('SHA-256');
  });

  it('Digest offered as MD5 and SHA-256: SHA-256 is chosen', async () => {
    const s = await protectedServer('digest-both');
    const r = await run(withCreds(s.port), null);
    expect(r.error, r.errorString).toBeNull();
    expect(r.echoed).toBe('authenticated');
  });

  it('wrong URL credentials and no slot → ConnectionRefusedError after one retry', async () => {
    const s = await protectedServer('basic');
    const r = await run(withCreds(s.port, '/', 'wrong'), null);
    expect(r.error).toBe(SocketError.ConnectionRefusedError);
    expect(s.attempts).toHaveLength(2);
    expect(r.errorString).not.toContain('wrong');
    expect(r.errorString).toMatch(/401/);
  });

  it('wrong URL credentials: then the slot is asked; wrong again and unchanged → failure', async () => {
    const s = await protectedServer('digest-md5');
    const r = await run(withCreds(s.port, '/', 'wrong'), [USER, 'also wrong']);
    expect(r.error).toBe(SocketError.ConnectionRefusedError);
    // no credentials, URL's, slot's; the slot's second answer is the same: no fourth attempt
    expect(s.attempts).toHaveLength(3);
    expect(r.asked).toHaveLength(2);
    expect(r.errorString).not.toContain('also wrong');
  });

  it('wrong URL credentials, right ones from the slot → connected', async () => {
    const s = await protectedServer('basic');
    const r = await run(withCreds(s.port, '/', 'wrong'), [USER, PASS]);
    expect(r.echoed).toBe('authenticated');
    expect(s.attempts).toHaveLength(3);
    expect(r.asked).toHaveLength(1);
  });

  it('a slot that fills in nothing → ConnectionRefusedError', async () => {
    const s = await protectedServer('basic');
    const r = await run(`ws://127.0.0.1:${s.port}/`, 'nothing');
    expect(r.error).toBe(SocketError.ConnectionRefusedError);
    expect(r.asked).toHaveLength(1);
    expect(s.attempts).toEqual([undefined]);
  });

  it('an unsupported challenge fails without asking', async () => {
    const s = await protectedServer('negotiate');
    const r = await run(withCreds(s.port), [USER, PASS]);
    expect(r.error).toBe(SocketError.ConnectionRefusedError);
    expect(r.asked).toEqual([]);
    expect(s.attempts).toEqual([undefined]);
  });
});
