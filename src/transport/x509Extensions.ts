/**
 * The parts of an X.509 certificate (RFC 5280 §4.1) that chain verification needs and Node's
 * X509Certificate does not expose: the version, basicConstraints with its path length, the
 * keyUsage bits, the key identifiers, Netscape's certificate type and which extensions are
 * critical. Read straight from the DER; anything malformed makes {@link readExtensions} throw.
 * @module
 */
import type { X509Certificate } from 'node:crypto';

/** RFC 5280 §4.2.1.3 keyUsage bits, numbered as in the ASN.1 BIT STRING (bit 0 first). */
export const KeyUsageBit = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyAgreement: 4,
  keyCertSign: 5,
} as const;

/** Netscape certificate type bits (bit 0 first): SSL client, SSL server, and the CA kinds. */
export const NsCertTypeBit = { sslClient: 0, sslServer: 1, sslCa: 5, smimeCa: 6, objectSigningCa: 7 } as const;

/** What verification reads from one certificate. */
export interface X509Extensions {
  /** The X.509 version number (1, 2 or 3). */
  version: number;
  /** basicConstraints, or null when absent. pathLength -1 when not limited. */
  basicConstraints: { ca: boolean; pathLength: number } | null;
  /** keyUsage bit numbers that are set, or null when the extension is absent. */
  keyUsage: Set<number> | null;
  /** extKeyUsage OIDs, or null when absent. */
  extKeyUsage: string[] | null;
  /** Netscape certificate type bit numbers, or null when absent. */
  nsCertType: Set<number> | null;
  /** subjectKeyIdentifier (hex), or null. */
  subjectKeyId: string | null;
  /** authorityKeyIdentifier's keyIdentifier (hex), or null. */
  authorityKeyId: string | null;
  /** True when a critical extension is one OpenSSL does not handle (X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION). */
  unhandledCritical: boolean;
}

/** Extension OIDs. */
const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  nsCertType: '2.16.840.1.113730.1.1',
} as const;

/**
 * The extensions OpenSSL understands, so a critical one of these is not "unhandled"
 * (the list of X509_supported_extension: nsCertType, keyUsage, subjectAltName,
 * basicConstraints, certificatePolicies, extKeyUsage, policyConstraints, proxyCertInfo,
 * nameConstraints, policyMappings, inhibitAnyPolicy, and the RFC 3779 address/AS blocks).
 */
const SUPPORTED = new Set([
  OID.nsCertType, OID.keyUsage, '2.5.29.17', OID.basicConstraints, '2.5.29.32', OID.extKeyUsage, '2.5.29.36',
  '1.3.6.1.5.5.7.1.14', '2.5.29.30', '2.5.29.33', '2.5.29.54', '1.3.6.1.5.5.7.1.7', '1.3.6.1.5.5.7.1.8',
]);

/** One DER TLV: tag byte, where the value starts and ends. */
interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(der: Buffer, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new Error('truncated DER');
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new Error('DER value past its container');
  return { tag, start, end };
}

/** The TLVs inside a constructed value. */
function children(der: Buffer, outer: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = outer.start; at < outer.end; ) {
    const t = readTlv(der, at, outer.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

function oidText(der: Buffer, t: Tlv): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    v = v * 128 + (der[i] & 0x7f);
    if ((der[i] & 0x80) === 0) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** The bit numbers set in a BIT STRING value. */
function bits(der: Buffer, t: Tlv): Set<number> {
  const set = new Set<number>();
  for (let i = t.start + 1; i < t.end; i++) {
    for (let b = 0; b < 8; b++) if (der[i] & (0x80 >> b)) set.add((i - t.start - 1) * 8 + b);
  }
  return set;
}

function integer(der: Buffer, t: Tlv): number {
  let v = 0;
  for (let i = t.start; i < t.end; i++) v = v * 256 + der[i];
  return v;
}

const cache = new WeakMap<X509Certificate, X509Extensions>();

/**
 * Reads the verification-relevant fields of a certificate (cached per object).
 * @throws Error when the DER is malformed
 */
export function readExtensions(cert: X509Certificate): X509Extensions {
  const hit = cache.get(cert);
  if (hit !== undefined) return hit;
  const der = cert.raw;
  const top = readTlv(der, 0, der.length);
  const tbs = children(der, top)[0];
  const fields = children(der, tbs);
  const out: X509Extensions = {
    version: 1,
    basicConstraints: null,
    keyUsage: null,
    extKeyUsage: null,
    nsCertType: null,
    subjectKeyId: null,
    authorityKeyId: null,
    unhandledCritical: false,
  };
  // [0] EXPLICIT version, [3] EXPLICIT extensions
  const version = fields.find((f) => f.tag === 0xa0);
  if (version !== undefined) out.version = integer(der, children(der, version)[0]) + 1;
  const extWrapper = fields.find((f) => f.tag === 0xa3);
  const extensions = extWrapper !== undefined ? children(der, children(der, extWrapper)[0]) : [];
  for (const ext of extensions) {
    const parts = children(der, ext);
    const oid = oidText(der, parts[0]);
    const critical = parts.length === 3 && der[parts[1].start] !== 0;
    const octets = parts[parts.length - 1];
    const value = readTlv(der, octets.start, octets.end);
    if (critical && !SUPPORTED.has(oid)) out.unhandledCritical = true;
    switch (oid) {
      case OID.basicConstraints: {
        const inner = children(der, value);
        let ca = false;
        let pathLength = -1;
        for (const p of inner) {
          if (p.tag === 0x01) ca = der[p.start] !== 0;
          else if (p.tag === 0x02) pathLength = integer(der, p);
        }
        out.basicConstraints = { ca, pathLength };
        break;
      }
      case OID.keyUsage:
        out.keyUsage = bits(der, value);
        break;
      case OID.nsCertType:
        out.nsCertType = bits(der, value);
        break;
      case OID.extKeyUsage:
        out.extKeyUsage = children(der, value).map((o) => oidText(der, o));
        break;
      case OID.subjectKeyId:
        out.subjectKeyId = der.subarray(value.start, value.end).toString('hex');
        break;
      case OID.authorityKeyId: {
        const keyId = children(der, value).find((p) => p.tag === 0x80);
        if (keyId !== undefined) out.authorityKeyId = der.subarray(keyId.start, keyId.end).toString('hex');
        break;
      }
    }
  }
  cache.set(cert, out);
  return out;
}
