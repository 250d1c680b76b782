/**
 * Test certificates made with the openssl CLI into a temp dir (once per test file): a CA, server
 * certificates for 127.0.0.1/localhost (valid, expired, wrong host, self-signed), and client
 * certificates (signed by the CA, and self-signed). EC P-256 keys keep it fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM certificate and its key. */
export interface CertPair {
  cert: string;
  key: string;
}

export interface TestCerts {
  dir: string;
  /** The CA certificate (PEM) that signed server, expired, wrongHost and client. */
  ca: string;
  server: CertPair;
  /** Signed by the CA, for 127.0.0.1/localhost, but notAfter is in the past. */
  expired: CertPair;
  /** Signed by the CA for wrong.example only. */
  wrongHost: CertPair;
  /** Self-signed for 127.0.0.1/localhost. */
  selfSigned: CertPair;
  /** Client certificate (clientAuth) signed by the CA. */
  client: CertPair;
  /** Self-signed client certificate. */
  clientSelfSigned: CertPair;
  /** Removes the temp dir. */
  cleanup(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Generates the certificate set. Needs the `openssl` CLI. */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'qws-certs-'));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  const ext = (name: string, lines: string[]): string => {
    writeFileSync(join(dir, name), lines.join('\n') + '\n');
    return name;
  };
  const serverExt = ext('server.ext', ['subjectAltName=DNS:localhost,IP:127.0.0.1', 'extendedKeyUsage=serverAuth', 'basicConstraints=CA:FALSE']);
  const wrongExt = ext('wrong.ext', ['subjectAltName=DNS:wrong.example', 'extendedKeyUsage=serverAuth', 'basicConstraints=CA:FALSE']);
  const clientExt = ext('client.ext', ['extendedKeyUsage=clientAuth', 'basicConstraints=CA:FALSE']);

  run('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', '/CN=qwebsocket test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const signed = (name: string, cn: string, extFile: string, days: string): CertPair => {
    run('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    // '-days -1' makes notAfter one day before notBefore (= now): an expired certificate
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', days, '-extfile', extFile);
    return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
  };
  const selfSigned = (name: string, cn: string, extra: string[]): CertPair => {
    run('req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '30', '-subj', `/CN=${cn}`, ...extra);
    return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
  };
  const certs: TestCerts = {
    dir,
    ca: read('ca.crt'),
    server: signed('server', 'localhost', serverExt, '30'),
    expired: signed('expired', 'localhost', serverExt, '-1'),
    wrongHost: signed('wrong', 'wrong.example', wrongExt, '30'),
    client: signed('client', 'qwebsocket test client', clientExt, '30'),
    selfSigned: selfSigned('self', 'localhost', ['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']),
    clientSelfSigned: selfSigned('clientself', 'self-signed client', ['-addext', 'extendedKeyUsage=clientAuth']),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return certs;
}
