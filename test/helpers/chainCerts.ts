/**
 * Certificate chains with known defects, made with the openssl CLI into a temp dir, for the
 * "every verification error" tests: a root and an intermediate CA, leaves under them (valid,
 * expired, not yet valid, client-only), an issuer that is no CA, a root limiting the path
 * length, a four-certificate chain, a leaf with a damaged signature, and an expired self-signed one.
 * EC P-256 keys keep it fast. Every server leaf is for localhost / 127.0.0.1.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EC, opensslDir, type CertPair } from './certs';

export interface ChainCerts {
  dir: string;
  /** Self-signed root CA and the intermediate CA it signed. */
  root: string;
  intermediate: string;
  /** Signed by the intermediate: valid, expired, valid only from 2099, for clientAuth only. */
  leaf: CertPair;
  expiredLeaf: CertPair;
  futureLeaf: CertPair;
  clientOnlyLeaf: CertPair;
  /** Signed by the root directly. */
  rootLeaf: CertPair;
  /** basicConstraints CA:FALSE, signed by the root, and a leaf it signed. */
  notCa: string;
  notCaLeaf: CertPair;
  /** A root with pathlen:0, an intermediate under it, and a leaf under that. */
  pathRoot: string;
  pathIntermediate: string;
  pathLeaf: CertPair;
  /** Root → intermediate → second intermediate → leaf (four certificates). */
  intermediate2: string;
  deepLeaf: CertPair;
  /** rootLeaf with one byte of its signature changed. */
  tamperedLeaf: CertPair;
  /** Self-signed, notAfter in the past. */
  expiredSelfSigned: CertPair;
  cleanup(): void;
}

const CA_EXT = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'];
const SERVER_EXT = ['subjectAltName=DNS:localhost,IP:127.0.0.1', 'extendedKeyUsage=serverAuth', 'basicConstraints=CA:FALSE'];

/**
 * The same certificate with the last byte of its signature changed: still well-formed DER (the
 * ECDSA signature is opaque inside its BIT STRING), but the signature no longer verifies.
 */
function damageSignature(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 1] ^= 0x01;
  const b64 = (der.toString('base64').match(/.{1,64}/g) ?? []).join('\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** Generates the chains. Needs the `openssl` CLI. */
export function makeChainCerts(): ChainCerts {
  const { dir, run, read, ext } = opensslDir('qws-chains-');
  const rootCa = (name: string, cn: string, extra: string[] = []): string => {
    run('req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '30', '-subj', `/CN=${cn}`,
      '-addext', extra.length > 0 ? extra[0] : 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    return read(`${name}.crt`);
  };
  /** A certificate for a new key, signed by `issuer` (days may be negative: already expired). */
  const issue = (name: string, cn: string, issuer: string, extFile: string, days = '30'): CertPair => {
    run('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', days, '-extfile', extFile);
    return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
  };
  const caExt = ext('ca.ext', CA_EXT);
  const serverExt = ext('server.ext', SERVER_EXT);
  const clientExt = ext('client.ext', ['extendedKeyUsage=clientAuth', 'basicConstraints=CA:FALSE']);
  const notCaExt = ext('notca.ext', ['basicConstraints=CA:FALSE']);

  const root = rootCa('root', 'qws chain root');
  const intermediate = issue('inter', 'qws chain intermediate', 'root', caExt).cert;
  const notCa = issue('notca', 'qws not a CA', 'root', notCaExt).cert;
  const pathRoot = rootCa('proot', 'qws pathlen-0 root', ['basicConstraints=critical,CA:TRUE,pathlen:0']);
  const pathIntermediate = issue('pinter', 'qws pathlen intermediate', 'proot', caExt).cert;

  // "openssl ca" is the 3.0 CLI's only way to a notBefore in the future
  ext('ca.cnf', ['[ca]', 'default_ca=d', '[d]', 'database=index.txt', 'new_certs_dir=.', 'serial=ca.srl', 'default_md=sha256',
    'policy=p', 'unique_subject=no', '[p]', 'commonName=supplied']);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'ca.srl'), '1000\n');
  run('req', ...EC, '-keyout', 'future.key', '-out', 'future.csr', '-subj', '/CN=localhost');
  run('ca', '-batch', '-config', 'ca.cnf', '-cert', 'inter.crt', '-keyfile', 'inter.key', '-in', 'future.csr', '-out', 'future.crt',
    '-startdate', '20990101000000Z', '-enddate', '20991231000000Z', '-extfile', serverExt, '-notext');

  const intermediate2 = issue('inter2', 'qws chain intermediate 2', 'inter', caExt).cert;
  // 'req -x509' refuses negative days; 'x509 -req -signkey' self-signs with notAfter before notBefore
  run('req', ...EC, '-keyout', 'xself.key', '-out', 'xself.csr', '-subj', '/CN=localhost');
  run('x509', '-req', '-in', 'xself.csr', '-signkey', 'xself.key', '-out', 'xself.crt', '-days', '-1', '-extfile', ext('xself.ext', [SERVER_EXT[0]]));

  const rootLeaf = issue('rleaf', 'localhost', 'root', serverExt);
  return {
    dir,
    root,
    intermediate,
    leaf: issue('leaf', 'localhost', 'inter', serverExt),
    expiredLeaf: issue('xleaf', 'localhost', 'inter', serverExt, '-1'),
    futureLeaf: { cert: read('future.crt'), key: read('future.key') },
    clientOnlyLeaf: issue('cleaf', 'localhost', 'inter', ext('clientonly.ext', [SERVER_EXT[0], ...['extendedKeyUsage=clientAuth']])),
    rootLeaf,
    notCa,
    notCaLeaf: issue('ncleaf', 'localhost', 'notca', serverExt),
    pathRoot,
    pathIntermediate,
    pathLeaf: issue('pleaf', 'localhost', 'pinter', serverExt),
    intermediate2,
    deepLeaf: issue('dleaf', 'localhost', 'inter2', serverExt),
    tamperedLeaf: { cert: damageSignature(rootLeaf.cert), key: rootLeaf.key },
    expiredSelfSigned: { cert: read('xself.crt'), key: read('xself.key') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
