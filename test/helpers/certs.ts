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

/** openssl arguments for a new EC P-256 key without a passphrase. */
export const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A temp dir to run the openssl CLI in. */
export interface OpensslDir {
  dir: string;
  /** Runs `openssl ...args` in the dir (throws with its stderr on failure). */
  run(...args: string[]): void;
  /** Reads a file of the dir as text. */
  read(name: string): string;
  /** Writes an extensions file (one setting a line) and returns its name. */
  ext(name: string, lines: string[]): string;
}

/** Makes a temp dir (named after `prefix`) for openssl runs. */
export function opensslDir(prefix: string): OpensslDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    run: (...args) => {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    },
    read: (name) => readFileSync(join(dir, name), 'utf8'),
    ext: (name, lines) => {
      writeFileSync(join(dir, name), lines.join('\n') + '\n');
      return name;
    },
  };
}

/** Generates the certificate set. Needs the `openssl` CLI. */
export function makeTestCerts(): TestCerts {
  const { dir, run, read, ext } = opensslDir('qws-certs-');
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
