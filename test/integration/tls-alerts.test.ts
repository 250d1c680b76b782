/**
 * TLS alerts and failure texts against real peers (Node's https server with `ws`, which makes
 * OpenSSL refuse clients without a certificate, and `openssl s_server`, which also refuses
 * untrusted ones): the alert is reported
 * with Qt's type and description, the connection fails with SslHandshakeFailedError, and
 * errorString() carries no OpenSSL error codes, function names or source paths (the detail is
 * the error's cause). TLS 1.3 matters most: the client's handshake is over before the server
 * judges the certificate, so the refusal arrives during the WebSocket upgrade.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import { WebSocketServer as WsServer } from 'ws';
import { AlertLevel, AlertType, SocketError, SslMode, WebSocket, WebSocketServer, type SslConfiguration } from '../../src/index';
import { makeTestCerts, type TestCerts } from '../helpers/certs';
import { openSettled, type OpenOutcome } from '../helpers/client';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs.cleanup());

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/**
 * `openssl s_server` demanding a client certificate and failing the handshake on any
 * verification error (-verify_return_error): OpenSSL then sends the alert for the error.
 */
function openSslServer(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', join(certs.dir, 'server.crt'), '-key', join(certs.dir, 'server.key'),
      '-CAfile', join(certs.dir, 'ca.crt'), '-Verify', '1', '-verify_return_error', '-tls1_3'], { stdio: ['pipe', 'pipe', 'pipe'] });
    cleanups.push(() => child.kill('SIGKILL'));
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`s_server exited with ${code}: ${out}`)));
  });
}

/** An https + ws server that demands a client certificate signed by the test CA. */
async function mutualTlsServer(maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<number> {
  const https: HttpsServer = createHttpsServer({ cert: certs.server.cert, key: certs.server.key, ca: certs.ca, requestCert: true, rejectUnauthorized: true, maxVersion });
  const wss = new WsServer({ server: https });
  wss.on('connection', (s) => s.on('message', (m, binary) => s.send(m, { binary })));
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(); https.close(() => r(undefined)); }));
  return (https.address() as { port: number }).port;
}

interface Outcome extends OpenOutcome {
  alerts: string[];
}

async function open(port: number, config: SslConfiguration): Promise<Outcome> {
  const ws = new WebSocket();
  cleanups.push(() => ws.abort());
  ws.setSslConfiguration(config);
  const alerts: string[] = [];
  ws.on('alertReceived', (level, type, description) => alerts.push(`received:${AlertLevel[level]}:${AlertType[type]}:${description}`));
  ws.on('alertSent', (level, type, description) => alerts.push(`sent:${AlertLevel[level]}:${AlertType[type]}:${description}`));
  return { ...(await openSettled(ws, `wss://localhost:${port}/`)), alerts };
}

/** errorString() must read as a sentence: no "error:0A000…", no "file.c:123", no "SSL routines". */
function expectClean(text: string): void {
  expect(text).not.toMatch(/error:[0-9A-F]{8}|\.c:\d+|SSL routines|alert number/);
}

describe('a server that requires a client certificate', () => {
  it('TLS 1.3, no certificate: alertReceived(Fatal, CertificateRequired), SslHandshakeFailedError', async () => {
    const port = await mutualTlsServer('TLSv1.3');
    const o = await open(port, { caCertificates: certs.ca });
    expect(o.connected).toBe(false);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(o.alerts).toEqual(['received:Fatal:CertificateRequired:certificate required']);
    expect(o.errorString).toBe('Error during SSL handshake: tlsv13 alert certificate required');
    expectClean(o.errorString);
  });

  it('TLS 1.3, an untrusted certificate (openssl s_server): alertReceived(Fatal, UnknownCa)', async () => {
    const port = await openSslServer();
    const o = await open(port, { caCertificates: certs.ca, localCertificate: certs.clientSelfSigned.cert, privateKey: certs.clientSelfSigned.key });
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(o.alerts).toEqual(['received:Fatal:UnknownCa:unknown CA']);
    expectClean(o.errorString);
  });

  it('TLS 1.2, no certificate: the alert arrives during the TLS handshake itself', async () => {
    const port = await mutualTlsServer('TLSv1.2');
    const o = await open(port, { caCertificates: certs.ca });
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(o.alerts).toEqual(['received:Fatal:HandshakeFailure:handshake failure']);
    // OpenSSL before 3.5 says "sslv3 alert …", OpenSSL 3.5 (Node 22.2x, 24.2x, 26) "ssl/tls alert …"
    expect(o.errorString).toMatch(/^Error during SSL handshake: (sslv3|ssl\/tls) alert handshake failure$/);
  });

  it('with the certificate it wants, the connection is made and echoes', async () => {
    const port = await mutualTlsServer('TLSv1.3');
    const ws = new WebSocket();
    cleanups.push(() => ws.abort());
    ws.setSslConfiguration({ caCertificates: certs.ca, localCertificate: certs.client.cert, privateKey: certs.client.key });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once('connected', () => ws.sendTextMessage('with a certificate'));
      ws.once('textMessageReceived', resolve);
      ws.once('errorOccurred', () => reject(new Error(ws.errorString())));
      ws.open(`wss://localhost:${port}/`);
    });
    expect(reply).toBe('with a certificate');
  });
});

describe("Qt's alert descriptions on both sides", () => {
  it('protocol version: alertReceived on the client, alertSent on our server', async () => {
    const server = new WebSocketServer('alerts', SslMode.SecureMode);
    server.setSslConfiguration({ localCertificate: certs.server.cert, privateKey: certs.server.key, maxProtocol: 'TLSv1.2' });
    const sent: string[] = [];
    server.on('alertSent', (level, type, description) => sent.push(`${AlertLevel[level]}:${AlertType[type]}:${description}`));
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    cleanups.push(() => server.close());
    const o = await open(server.serverPort(), { caCertificates: certs.ca, minProtocol: 'TLSv1.3' });
    expect(o.alerts).toEqual(['received:Fatal:ProtocolVersion:protocol version']);
    expect(o.errorString).toBe('Error during SSL handshake: tlsv1 alert protocol version');
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toEqual(['Fatal:ProtocolVersion:protocol version']);
  });
});

describe('TLS settings that cannot be used', () => {
  it('a private key that does not parse: SslInvalidUserDataError with a readable text, on both sides', async () => {
    const server = new WebSocketServer('bad-key', SslMode.SecureMode);
    server.setSslConfiguration({ localCertificate: certs.server.cert, privateKey: 'not a key' });
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    cleanups.push(() => server.close());
    const acceptErrors: SocketError[] = [];
    server.on('acceptError', (e) => acceptErrors.push(e));
    // the client's own bad key fails before anything is sent
    const o = await open(server.serverPort(), { caCertificates: certs.ca, localCertificate: certs.client.cert, privateKey: 'not a key' });
    expect(o.error).toBe(SocketError.SslInvalidUserDataError);
    expect(o.errorString).toBe('Invalid TLS configuration: unsupported (DECODER routines)');
    expect(o.alerts).toEqual([]);
    // a good client reaches the server, whose key fails when TLS starts (for every accepted
    // TCP connection, the first client's included)
    await open(server.serverPort(), { caCertificates: certs.ca });
    expect(acceptErrors.length).toBeGreaterThan(0);
    expect(new Set(acceptErrors)).toEqual(new Set([SocketError.SslInvalidUserDataError]));
    expect(server.errorString()).toBe('Invalid TLS configuration: unsupported (DECODER routines)');
  });
});
