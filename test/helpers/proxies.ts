/**
 * The proxy tests' fixture (test/integration/proxy*.test.ts): Debian's tinyproxy and microsocks
 * started on free ports, a plain and a TLS echo server (certificate made here with the openssl
 * CLI), and run(): open a URL through a proxy, send one message, report the echo or the failure.
 * Call useProxyFixture() once at the top of a test file: it registers the hooks.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authenticator, NetworkProxy, ProxyType, SocketError, WebSocket, WebSocketServer } from '../../src/index';
import { freePort, peerAvailable } from './spawnPeer';
import { echoServer } from './server';

export const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
export const HAVE_TINYPROXY = peerAvailable('tinyproxy', has('tinyproxy'));
export const HAVE_MICROSOCKS = peerAvailable('microsocks', has('microsocks'));
export const HAVE_OPENSSL = peerAvailable('openssl', has('openssl'));
if (!HAVE_TINYPROXY) console.warn('proxy tests: tinyproxy not installed (apt-get install tinyproxy): HTTP proxy tests skipped');
if (!HAVE_MICROSOCKS) console.warn('proxy tests: microsocks not installed (apt-get install microsocks): SOCKS5 proxy tests skipped');
if (!HAVE_OPENSSL) console.warn('proxy tests: openssl not installed: wss:// proxy tests skipped');

export const USER = 'proxyuser';
export const PASS = 's3cret-pa55';

const dir = mkdtempSync(join(tmpdir(), 'qws-proxy-'));
const children: ChildProcess[] = [];
/** Servers a test file starts that afterAll closes. */
export const servers: Array<Server | HttpsServer> = [];
export let wsPort = 0; // plain echo server
export let wssPort = 0; // TLS echo server
let caPem = '';
let echo: WebSocketServer | null = null;
let tlsEcho: WebSocketServer | null = null;

/** Resolves once something accepts connections on the port. */
async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not start listening on ${port}`);
}

export async function spawnProxy(cmd: string, args: (port: number) => string[], what: string): Promise<number> {
  const port = await freePort();
  const child = spawn(cmd, args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  children.push(child);
  await waitForPort(port, child, what);
  return port;
}

/** tinyproxy in the foreground with a config allowing CONNECT to our servers' ports only. */
export function startTinyproxy(auth: boolean): Promise<number> {
  return spawnProxy('tinyproxy', (port) => {
    const conf = join(dir, `tinyproxy-${port}.conf`);
    const lines = [`Port ${port}`, 'Listen 127.0.0.1', 'Allow 127.0.0.1', 'Timeout 30', 'MaxClients 50', 'LogLevel Warning', `ConnectPort ${wsPort}`, `ConnectPort ${wssPort}`];
    if (auth) lines.push(`BasicAuth ${USER} ${PASS}`);
    writeFileSync(conf, `${lines.join('\n')}\n`);
    return ['-d', '-c', conf];
  }, 'tinyproxy');
}

export function startMicrosocks(auth: boolean): Promise<number> {
  return spawnProxy('microsocks', (port) => ['-i', '127.0.0.1', '-p', String(port), ...(auth ? ['-u', USER, '-P', PASS] : [])], 'microsocks');
}

export function echoOn(server: WebSocketServer): void {
  server.on('newConnection', () => {
    let ws: WebSocket | null;
    while ((ws = server.nextPendingConnection()) !== null) {
      const s = ws;
      s.on('textMessageReceived', (m) => s.sendTextMessage(m));
    }
  });
}

/** Clients run() opened; afterEach aborts them. */
const clients: WebSocket[] = [];

/** Registers the fixture's hooks in the calling test file. */
export function useProxyFixture(): void {
  beforeAll(async () => {
    const plain = await echoServer();
    echo = plain.server;
    wsPort = plain.port;
    if (HAVE_OPENSSL) {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
        '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'pipe' });
      if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
      caPem = readFileSync(cert, 'utf8');
      const https = createHttpsServer({ key: readFileSync(key), cert: caPem });
      servers.push(https);
      tlsEcho = new WebSocketServer('tls-echo').attach(https);
      echoOn(tlsEcho);
      await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
      wssPort = (https.address() as { port: number }).port;
    }
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    echo?.close();
    tlsEcho?.close();
    for (const s of servers) await new Promise((r) => s.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.abort();
  });
}

export interface Outcome {
  ws: WebSocket;
  error: SocketError | null;
  errorString: string;
  echoed: string | null;
  /** Each proxyAuthenticationRequired: the proxy shown, the realm, whether the authenticator came empty. */
  proxyAsks: Array<{ proxy: NetworkProxy; realm: string; fresh: boolean }>;
}

/**
 * Opens `url` through `proxy`, sends one message and waits for its echo, or for the failure.
 * @param fill what the proxyAuthenticationRequired slot fills in (undefined: leave it empty)
 */
export async function run(url: string, proxy: NetworkProxy | null, fill?: [string, string]): Promise<Outcome> {
  const ws = new WebSocket();
  clients.push(ws);
  if (proxy !== null) ws.setProxy(proxy);
  // sessionReuse off: each test opens the TLS session through its own proxy path (and, as
  // written, the TLS layer's resumed sessions lose the peer certificate — see the report)
  if (url.startsWith('wss:')) ws.setSslConfiguration({ caCertificates: [caPem], sessionReuse: false } as Parameters<WebSocket['setSslConfiguration']>[0]);
  const proxyAsks: Outcome['proxyAsks'] = [];
  ws.on('proxyAuthenticationRequired', (p, auth) => {
    proxyAsks.push({ proxy: p as NetworkProxy, realm: auth.realm(), fresh: auth.user() === '' && auth.password() === '' });
    expect(auth).toBeInstanceOf(Authenticator);
    if (fill !== undefined) {
      auth.setUser(fill[0]);
      auth.setPassword(fill[1]);
    }
  });
  const outcome = await new Promise<Outcome>((resolve) => {
    ws.on('connected', () => ws.sendTextMessage('through the proxy'));
    ws.on('textMessageReceived', (m) => resolve({ ws, error: null, errorString: '', echoed: m, proxyAsks }));
    ws.on('errorOccurred', (e) => resolve({ ws, error: e, errorString: ws.errorString(), echoed: null, proxyAsks }));
    ws.open(url, { handshakeTimeoutMs: 8000 });
  });
  expect(outcome.errorString).not.toContain(PASS);
  return outcome;
}

export const http = (port: number, user = '', pass = ''): NetworkProxy => new NetworkProxy(ProxyType.HttpProxy, '127.0.0.1', port, user, pass);
export const socks = (port: number, user = '', pass = ''): NetworkProxy => new NetworkProxy(ProxyType.Socks5Proxy, '127.0.0.1', port, user, pass);
