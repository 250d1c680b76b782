/**
 * Every certificate-verification error is reported, as Qt reports them (issue #20): for each
 * defective chain (certificates made here with the openssl CLI) a SecureMode server on loopback
 * presents it, and the client's sslErrors list — codes, order, and the certificate each names —
 * is checked against the expected Qt list AND against what OpenSSL's own s_client prints from
 * its verify callback for the same server (which, like Qt's, records each error and goes on).
 * ignoreSslErrors must name all of them: a partial list refuses.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PeerVerifyMode, SocketError, SslError, SslErrorCode, SslMode, WebSocket, WebSocketServer, type SslConfiguration } from '../../src/index';
import { makeChainCerts, type ChainCerts } from '../helpers/chainCerts';
import { openSettled, type OpenOutcome } from '../helpers/client';

let c: ChainCerts;
/** Label of each certificate by fingerprint, to say which certificate an error names. */
const labels = new Map<string, string>();
beforeAll(() => {
  c = makeChainCerts();
  const named: Record<string, string> = {
    root: c.root, intermediate: c.intermediate, intermediate2: c.intermediate2, notCa: c.notCa, pathRoot: c.pathRoot,
    pathIntermediate: c.pathIntermediate, leaf: c.leaf.cert, expiredLeaf: c.expiredLeaf.cert, futureLeaf: c.futureLeaf.cert,
    clientOnlyLeaf: c.clientOnlyLeaf.cert, rootLeaf: c.rootLeaf.cert, notCaLeaf: c.notCaLeaf.cert, pathLeaf: c.pathLeaf.cert,
    deepLeaf: c.deepLeaf.cert, tamperedLeaf: c.tamperedLeaf.cert, expiredSelfSigned: c.expiredSelfSigned.cert,
  };
  for (const [label, pem] of Object.entries(named)) labels.set(new X509Certificate(pem).fingerprint256, label);
});
afterAll(() => c.cleanup());

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanups.splice(0).reverse()) f();
});

async function secureServer(config: SslConfiguration): Promise<{ server: WebSocketServer; port: number }> {
  const server = new WebSocketServer('chain-errors', SslMode.SecureMode);
  server.setSslConfiguration({ peerVerifyMode: PeerVerifyMode.VerifyNone, ...config });
  const accepted: WebSocket[] = [];
  server.on('newConnection', () => {
    for (let ws = server.nextPendingConnection(); ws !== null; ws = server.nextPendingConnection()) accepted.push(ws);
  });
  if (!(await server.listen('127.0.0.1', 0))) throw new Error(server.errorString());
  cleanups.push(() => {
    for (const a of accepted) a.abort();
    server.close();
  });
  return { server, port: server.serverPort() };
}

/** "Code(certificate label)" for an error, as the assertions spell it. */
const describeError = (e: SslError): string => `${SslErrorCode[e.error()]}(${e.certificate() === null ? '-' : labels.get(e.certificate()!.fingerprint256) ?? '?'})`;

interface Outcome extends OpenOutcome {
  peerVerifyErrors: string[];
  sslErrors: SslError[];
}

async function open(port: number, config: SslConfiguration, ignore?: SslError[]): Promise<Outcome> {
  const ws = new WebSocket();
  cleanups.push(() => ws.abort());
  ws.setSslConfiguration(config);
  if (ignore !== undefined) ws.ignoreSslErrors(ignore);
  const peerVerifyErrors: string[] = [];
  let sslErrors: SslError[] = [];
  ws.on('peerVerifyError', (e) => peerVerifyErrors.push(describeError(e)));
  ws.on('sslErrors', (errors) => (sslErrors = errors));
  const settled = await openSettled(ws, `wss://localhost:${port}/`);
  return { ...settled, peerVerifyErrors, sslErrors };
}

/** OpenSSL 3.0's X509_V_ERR numbers for the codes these chains produce. */
const X509_V_ERR: Record<number, string> = {
  2: 'UNABLE_TO_GET_ISSUER_CERT', 7: 'CERT_SIGNATURE_FAILURE', 9: 'CERT_NOT_YET_VALID', 10: 'CERT_HAS_EXPIRED',
  18: 'DEPTH_ZERO_SELF_SIGNED_CERT', 19: 'SELF_SIGNED_CERT_IN_CHAIN', 20: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  21: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 22: 'CERT_CHAIN_TOO_LONG', 25: 'PATH_LENGTH_EXCEEDED', 26: 'INVALID_PURPOSE', 79: 'INVALID_CA',
};

/**
 * What `openssl s_client` reports for the server: each verify-callback error as
 * "CODE subject" (s_client prints the current certificate's subject before each error).
 */
function openSslReports(port: number, caPem: string, extra: string[] = []): Promise<string[]> {
  const caFile = join(c.dir, `oracle-${port}.pem`);
  writeFileSync(caFile, caPem);
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-servername', 'localhost', ...extra], (err, stdout, stderr) => {
      if (err !== null && stdout === '') return reject(err);
      const found: string[] = [];
      let subject = '';
      for (const line of (stdout + stderr).split('\n')) {
        const d = /^depth=\d+ (.*)$/.exec(line);
        if (d !== null) subject = d[1].replace(/ = /g, '=');
        const v = /^verify error:num=(\d+):/.exec(line);
        if (v !== null) found.push(`${X509_V_ERR[Number(v[1])] ?? v[1]} ${subject}`);
      }
      resolve(found);
    });
    child.stdin!.end();
  });
}

/** Our chain errors in the same form as {@link openSslReports}. */
const ourChainErrors = (o: Outcome): string[] =>
  o.sslErrors.filter((e) => e.error() !== SslErrorCode.HostNameMismatch).map((e) => `${e.openSslCode()} ${e.certificate()!.subject}`);

describe('every chain error is reported, with the certificate it concerns, as OpenSSL finds them', () => {
  const cases: Array<{ name: string; chain: () => string; key: () => string; trust: () => string; expected: string[]; extra?: string[]; depth?: number }> = [
    {
      name: 'unknown issuer, only the leaf sent',
      chain: () => c.leaf.cert, key: () => c.leaf.key, trust: () => c.pathRoot,
      expected: ['UnableToGetLocalIssuerCertificate(leaf)', 'UnableToVerifyFirstCertificate(leaf)'],
    },
    {
      name: 'expired self-signed certificate',
      chain: () => c.expiredSelfSigned.cert, key: () => c.expiredSelfSigned.key, trust: () => c.root,
      expected: ['SelfSignedCertificate(expiredSelfSigned)', 'CertificateExpired(expiredSelfSigned)'],
    },
    {
      name: 'chain with an untrusted root',
      chain: () => c.leaf.cert + c.intermediate + c.root, key: () => c.leaf.key, trust: () => c.pathRoot,
      expected: ['SelfSignedCertificateInChain(root)'],
    },
    {
      name: 'untrusted root and an expired leaf',
      chain: () => c.expiredLeaf.cert + c.intermediate + c.root, key: () => c.expiredLeaf.key, trust: () => c.pathRoot,
      expected: ['SelfSignedCertificateInChain(root)', 'CertificateExpired(expiredLeaf)'],
    },
    {
      name: 'unknown issuer, only an expired leaf sent',
      chain: () => c.expiredLeaf.cert, key: () => c.expiredLeaf.key, trust: () => c.pathRoot,
      expected: ['UnableToGetLocalIssuerCertificate(expiredLeaf)', 'UnableToVerifyFirstCertificate(expiredLeaf)', 'CertificateExpired(expiredLeaf)'],
    },
    {
      name: 'only the intermediate trusted (no root anywhere)',
      chain: () => c.leaf.cert, key: () => c.leaf.key, trust: () => c.intermediate,
      expected: ['UnableToGetIssuerCertificate(intermediate)'],
    },
    {
      name: 'leaf not valid yet',
      chain: () => c.futureLeaf.cert + c.intermediate, key: () => c.futureLeaf.key, trust: () => c.root,
      expected: ['CertificateNotYetValid(futureLeaf)'],
    },
    {
      name: 'leaf for clientAuth only',
      chain: () => c.clientOnlyLeaf.cert + c.intermediate, key: () => c.clientOnlyLeaf.key, trust: () => c.root,
      expected: ['InvalidPurpose(clientOnlyLeaf)'],
    },
    {
      name: 'issuer that is no CA',
      chain: () => c.notCaLeaf.cert + c.notCa, key: () => c.notCaLeaf.key, trust: () => c.root,
      expected: ['InvalidCaCertificate(notCa)', 'InvalidPurpose(notCa)'],
    },
    {
      name: 'root with pathlen:0 above an intermediate',
      chain: () => c.pathLeaf.cert + c.pathIntermediate, key: () => c.pathLeaf.key, trust: () => c.pathRoot,
      expected: ['PathLengthExceeded(pathRoot)'],
    },
    {
      name: 'damaged signature',
      chain: () => c.tamperedLeaf.cert, key: () => c.tamperedLeaf.key, trust: () => c.root,
      expected: ['CertificateSignatureFailed(tamperedLeaf)'],
    },
    {
      // Qt hands peerVerifyDepth to SSL_CTX_set_verify_depth; OpenSSL's CERT_CHAIN_TOO_LONG is
      // one of the codes Qt does not map
      name: 'four certificates with peerVerifyDepth 1',
      chain: () => c.deepLeaf.cert + c.intermediate2 + c.intermediate, key: () => c.deepLeaf.key, trust: () => c.root,
      depth: 1, extra: ['-verify_depth', '1'],
      expected: ['UnspecifiedError(intermediate)', 'UnableToGetLocalIssuerCertificate(intermediate)'],
    },
  ];

  it.each(cases)('$name', async ({ chain, key, trust, expected, extra, depth }) => {
    const { port } = await secureServer({ localCertificate: chain(), privateKey: key() });
    const o = await open(port, { caCertificates: trust(), peerVerifyDepth: depth });
    expect(o.connected).toBe(false);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(o.sslErrors.map(describeError)).toEqual(expected);
    expect(o.peerVerifyErrors).toEqual(expected);
    // Qt fails the handshake with the first error's text
    expect(o.errorString).toBe(o.sslErrors[0].errorString());
    expect(ourChainErrors(o)).toEqual(await openSslReports(port, trust(), extra));
  });

  it('a complete, trusted chain reports nothing (and OpenSSL agrees), also at peerVerifyDepth 2', async () => {
    const { port } = await secureServer({ localCertificate: c.deepLeaf.cert + c.intermediate2 + c.intermediate, privateKey: c.deepLeaf.key });
    for (const depth of [undefined, 2]) {
      const o = await open(port, { caCertificates: c.root, peerVerifyDepth: depth });
      expect(o.connected).toBe(true);
      expect(o.sslErrors).toEqual([]);
    }
    expect(await openSslReports(port, c.root)).toEqual([]);
  });
});

describe('ignoreSslErrors(list) must name every error', () => {
  it('expired self-signed: CertificateExpired alone refuses, both errors connect', async () => {
    const { port } = await secureServer({ localCertificate: c.expiredSelfSigned.cert, privateKey: c.expiredSelfSigned.key });
    const cert = c.expiredSelfSigned.cert;
    const partial = await open(port, {}, [new SslError(SslErrorCode.CertificateExpired, cert)]);
    expect(partial.connected).toBe(false);
    expect(partial.error).toBe(SocketError.SslHandshakeFailedError);
    const other = await open(port, {}, [new SslError(SslErrorCode.SelfSignedCertificate, cert)]);
    expect(other.connected).toBe(false);
    const all = await open(port, {}, [new SslError(SslErrorCode.SelfSignedCertificate, cert), new SslError(SslErrorCode.CertificateExpired, cert)]);
    expect(all.connected).toBe(true);
  });

  it('leaf-only unknown issuer: UnableToVerifyFirstCertificate alone refuses, the reported list connects', async () => {
    const { port } = await secureServer({ localCertificate: c.leaf.cert, privateKey: c.leaf.key });
    const partial = await open(port, { caCertificates: c.pathRoot }, [new SslError(SslErrorCode.UnableToVerifyFirstCertificate, c.leaf.cert)]);
    expect(partial.error).toBe(SocketError.SslHandshakeFailedError);
    expect(partial.sslErrors.length).toBe(2);
    const all = await open(port, { caCertificates: c.pathRoot }, partial.sslErrors);
    expect(all.connected).toBe(true);
  });
});

describe('host name and chain errors together', () => {
  it("peerVerifyError: chain errors, then the host name; sslErrors: the host name first (Qt's order)", async () => {
    const { port } = await secureServer({ localCertificate: c.expiredSelfSigned.cert, privateKey: c.expiredSelfSigned.key });
    const o = await open(port, { peerVerifyName: 'other.example' });
    expect(o.peerVerifyErrors).toEqual(['SelfSignedCertificate(expiredSelfSigned)', 'CertificateExpired(expiredSelfSigned)', 'HostNameMismatch(expiredSelfSigned)']);
    expect(o.sslErrors.map(describeError)).toEqual(['HostNameMismatch(expiredSelfSigned)', 'SelfSignedCertificate(expiredSelfSigned)', 'CertificateExpired(expiredSelfSigned)']);
    expect(o.errorString).toBe(new SslError(SslErrorCode.HostNameMismatch).errorString());
  });
});

describe('handshakeMustInterruptOnError with several chain errors', () => {
  it('interrupts once per chain error; continuing each reaches sslErrors with all of them', async () => {
    const { port } = await secureServer({ localCertificate: c.expiredSelfSigned.cert, privateKey: c.expiredSelfSigned.key });
    const ws = new WebSocket();
    cleanups.push(() => ws.abort());
    ws.setSslConfiguration({ handshakeMustInterruptOnError: true });
    const log: string[] = [];
    ws.on('handshakeInterruptedOnError', (e) => {
      log.push(`interrupted:${describeError(e)}`);
      ws.continueInterruptedHandshake();
    });
    ws.on('sslErrors', (errors) => log.push(`sslErrors:${errors.map(describeError).join(',')}`));
    const o = await openSettled(ws, `wss://localhost:${port}/`);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(log).toEqual([
      'interrupted:SelfSignedCertificate(expiredSelfSigned)',
      'interrupted:CertificateExpired(expiredSelfSigned)',
      'sslErrors:SelfSignedCertificate(expiredSelfSigned),CertificateExpired(expiredSelfSigned)',
    ]);
  });
});

describe('server: every error of a client certificate', () => {
  it('a client presenting a serverAuth-only leaf, and an expired self-signed one', async () => {
    const { server, port } = await secureServer({ localCertificate: c.leaf.cert + c.intermediate, privateKey: c.leaf.key, peerVerifyMode: PeerVerifyMode.VerifyPeer, caCertificates: c.root });
    const seen: string[][] = [];
    server.on('sslErrors', (errors: SslError[]) => seen.push(errors.map(describeError)));
    const trustServer = { caCertificates: c.root };
    const a = await open(port, { ...trustServer, localCertificate: c.rootLeaf.cert, privateKey: c.rootLeaf.key });
    const b = await open(port, { ...trustServer, localCertificate: c.expiredSelfSigned.cert, privateKey: c.expiredSelfSigned.key });
    expect(a.connected).toBe(false);
    expect(b.connected).toBe(false);
    expect(seen).toEqual([['InvalidPurpose(rootLeaf)'], ['SelfSignedCertificate(expiredSelfSigned)', 'CertificateExpired(expiredSelfSigned)']]);
  });
});
