/**
 * The trusted certificates a TLS socket verifies its peer against, as X509Certificate objects
 * for transport/chainVerifier: the configured CA certificates (Node's `ca` option, which
 * replaces the defaults, as Qt's caCertificates does), or else Node's default store (its
 * bundled roots plus NODE_EXTRA_CA_CERTS).
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates, type SecureContextOptions } from 'node:tls';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates in PEM text or in DER / PEM bytes; what does not parse is left out (as OpenSSL skips it). */
function certificatesIn(item: string | Buffer): X509Certificate[] {
  const text = typeof item === 'string' ? item : item.toString('latin1');
  const blocks = text.match(PEM_BLOCK);
  const out: X509Certificate[] = [];
  for (const source of blocks ?? (Buffer.isBuffer(item) ? [item] : [])) {
    try {
      out.push(new X509Certificate(source));
    } catch {
      // not a certificate
    }
  }
  return out;
}

let defaults: X509Certificate[] | null = null;

/** Node's default trust store, parsed once. */
function defaultAnchors(): X509Certificate[] {
  if (defaults !== null) return defaults;
  const list = rootCertificates.flatMap(certificatesIn);
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra !== undefined && extra !== '') {
    try {
      list.push(...certificatesIn(readFileSync(extra)));
    } catch {
      // Node warns about an unreadable file at startup and goes on without it
    }
  }
  return (defaults = list);
}

/**
 * The trusted certificates for a `ca` option.
 * @param ca Node's `ca` option (undefined for the default store)
 */
export function trustAnchors(ca: SecureContextOptions['ca']): X509Certificate[] {
  if (ca === undefined) return defaultAnchors();
  return (Array.isArray(ca) ? ca : [ca]).flatMap(certificatesIn);
}
