/**
 * Certificate-chain verification that reports EVERY problem, in OpenSSL's order.
 *
 * Qt installs an OpenSSL verify callback that records each error it is called with and returns
 * 1 so that OpenSSL goes on; sslErrors is that whole list. Node's verify callback also goes on,
 * but OpenSSL keeps only the last error (TLSSocket.authorizationError). So the walk OpenSSL 3's
 * X509_verify_cert makes with such a callback is redone here over the certificates the peer
 * sent and the trusted ones, calling out each error where OpenSSL calls its callback:
 *
 * 1. build_chain (trusted store searched first, as X509_V_FLAG_TRUSTED_FIRST): when no trust
 *    anchor is reached, one of CERT_CHAIN_TOO_LONG (beyond the verify depth), then
 *    DEPTH_ZERO_SELF_SIGNED_CERT / SELF_SIGNED_CERT_IN_CHAIN / UNABLE_TO_GET_ISSUER_CERT /
 *    UNABLE_TO_GET_ISSUER_CERT_LOCALLY, about the topmost certificate;
 * 2. check_extensions, leaf to root: UNHANDLED_CRITICAL_EXTENSION, INVALID_CA (an issuer that
 *    is no CA), INVALID_PURPOSE (extKeyUsage / keyUsage / nsCertType against TLS server or
 *    client use), PATH_LENGTH_EXCEEDED (basicConstraints pathLenConstraint);
 * 3. internal_verify, root to leaf: UNABLE_TO_VERIFY_LEAF_SIGNATURE (a lone certificate whose
 *    issuer is unknown), KEYUSAGE_NO_CERTSIGN, CERT_SIGNATURE_FAILURE, then each certificate's
 *    CERT_NOT_YET_VALID / CERT_HAS_EXPIRED.
 *
 * Not redone (Node's OpenSSL result still catches them, see tlsFlow.collectFailures): key-size
 * and digest security levels, name constraints, policies, CRLs, trust settings in "TRUSTED
 * CERTIFICATE" PEM, explicit EC parameters.
 * @module
 */
import type { X509Certificate } from 'node:crypto';
import { KeyUsageBit, NsCertTypeBit, readExtensions } from './x509Extensions';

/** What the chain is checked for: the peer is a TLS server (we are the client) or a client. */
export type VerifyPurpose = 'sslServer' | 'sslClient';

/** One error, as OpenSSL hands it to the verify callback. */
export interface ChainError {
  /** The X509_V_ERR_* name without the prefix ('CERT_HAS_EXPIRED', …). */
  code: string;
  /** Depth in the verified chain (0 = the peer's own certificate). */
  depth: number;
  /** The certificate at that depth (from the peer or from the trusted store). */
  certificate: X509Certificate;
}

/** OpenSSL's default verify depth (X509_VERIFY_PARAM), used when none is set. */
const DEFAULT_DEPTH = 100;

const EKU_SERVER = ['1.3.6.1.5.5.7.3.1', '2.16.840.1.113730.4.1', '1.3.6.1.4.1.311.10.3.3'];
const EKU_CLIENT = ['1.3.6.1.5.5.7.3.2'];

/** A keyUsage extension is present and lacks every one of the bits. */
function kuReject(x: X509Certificate, ...bits: number[]): boolean {
  const ku = readExtensions(x).keyUsage;
  return ku !== null && !bits.some((b) => ku.has(b));
}

/** The authority key id of `subject` (if any) names `issuer`'s subject key id (if any). */
function akidMatches(issuer: X509Certificate, subject: X509Certificate): boolean {
  const a = readExtensions(subject).authorityKeyId;
  const s = readExtensions(issuer).subjectKeyId;
  return a === null || s === null || a === s;
}

/** OpenSSL's EXFLAG_SS: self-issued, its AKID points at itself, and it may sign certificates. */
function isSelfSigned(x: X509Certificate): boolean {
  return x.subject === x.issuer && akidMatches(x, x) && !kuReject(x, KeyUsageBit.keyCertSign);
}

/** ossl_x509_likely_issued: names chain up and the key identifiers agree. */
function likelyIssued(issuer: X509Certificate, subject: X509Certificate): boolean {
  return issuer.subject === subject.issuer && akidMatches(issuer, subject);
}

function timeValid(x: X509Certificate, now: number): boolean {
  return Date.parse(x.validFrom) <= now && now <= Date.parse(x.validTo);
}

const same = (a: X509Certificate, b: X509Certificate): boolean => a.fingerprint256 === b.fingerprint256;

/**
 * The issuer OpenSSL picks from a list: the first likely issuer valid now, else the one that
 * expires last. `noDup` skips certificates already in the chain (except for a self-issued leaf).
 */
function bestIssuer(list: readonly X509Certificate[], x: X509Certificate, chain: readonly X509Certificate[], noDup: boolean, now: number): X509Certificate | null {
  let fallback: X509Certificate | null = null;
  for (const c of list) {
    if (noDup && !(x.subject === x.issuer && chain.length === 1) && chain.some((y) => same(y, c))) continue;
    if (!likelyIssued(c, x)) continue;
    if (timeValid(c, now)) return c;
    if (fallback === null || Date.parse(c.validTo) > Date.parse(fallback.validTo)) fallback = c;
  }
  return fallback;
}

/** X509_check_ca: 0 not a CA, 1 a CA by basicConstraints, 3/4/5 the legacy ways of being one. */
function checkCa(x: X509Certificate): number {
  const e = readExtensions(x);
  if (kuReject(x, KeyUsageBit.keyCertSign)) return 0;
  if (e.basicConstraints !== null) return e.basicConstraints.ca ? 1 : 0;
  if (e.version === 1 && isSelfSigned(x)) return 3;
  if (e.keyUsage !== null) return 4;
  const ns = e.nsCertType;
  if (ns !== null && (ns.has(NsCertTypeBit.sslCa) || ns.has(NsCertTypeBit.smimeCa) || ns.has(NsCertTypeBit.objectSigningCa))) return 5;
  return 0;
}

/** X509_check_purpose for TLS server / client use; `asCa` for the issuers above the leaf. */
function purposeOk(x: X509Certificate, purpose: VerifyPurpose, asCa: boolean): boolean {
  const e = readExtensions(x);
  const eku = purpose === 'sslServer' ? EKU_SERVER : EKU_CLIENT;
  if (e.extKeyUsage !== null && !e.extKeyUsage.some((o) => eku.includes(o))) return false;
  if (asCa) {
    const ca = checkCa(x);
    return ca !== 0 && (ca !== 5 || e.nsCertType?.has(NsCertTypeBit.sslCa) === true);
  }
  const nsBit = purpose === 'sslServer' ? NsCertTypeBit.sslServer : NsCertTypeBit.sslClient;
  if (e.nsCertType !== null && !e.nsCertType.has(nsBit)) return false;
  if (purpose === 'sslServer') return !kuReject(x, KeyUsageBit.digitalSignature, KeyUsageBit.keyEncipherment, KeyUsageBit.keyAgreement);
  return !kuReject(x, KeyUsageBit.digitalSignature, KeyUsageBit.keyAgreement);
}

/** The chain as build_chain leaves it, and whether it reached a trust anchor. */
interface BuiltChain {
  chain: X509Certificate[];
  numUntrusted: number;
  trusted: boolean;
  maxDepth: number;
}

/** build_chain: extend from the leaf, the trusted store first, then the certificates sent. */
function buildChain(peer: readonly X509Certificate[], anchors: readonly X509Certificate[], depth: number, now: number): BuiltChain {
  const chain = [peer[0]];
  const untrusted = peer.slice(1);
  let numUntrusted = 1;
  let searchUntrusted = untrusted.length > 0;
  let trusted = false;
  // chains one longer than the limit are built, then reported as too long
  const maxDepth = depth + 1;
  // only self-signed trust anchors end a chain (X509_check_trust's compatibility rule)
  const checkTrust = (): boolean => chain.slice(numUntrusted).some(isSelfSigned);
  for (;;) {
    const curr = chain[chain.length - 1];
    const fromStore = chain.length > maxDepth ? null : bestIssuer(anchors, curr, chain, false, now);
    let added = false;
    if (fromStore !== null) {
      if (!isSelfSigned(curr)) {
        chain.push(fromStore);
        added = true;
      } else if (same(curr, fromStore)) {
        // the peer sent a trust anchor itself: the trusted copy takes its place
        chain[chain.length - 1] = fromStore;
        numUntrusted = chain.length - 1;
        added = true;
      }
      if (added) {
        searchUntrusted = false;
        trusted = checkTrust();
        if (trusted || !isSelfSigned(chain[chain.length - 1])) {
          if (trusted) break;
          continue;
        }
      }
    }
    if (!searchUntrusted) break;
    const next = isSelfSigned(curr) || chain.length > maxDepth ? null : bestIssuer(untrusted, curr, chain, true, now);
    if (next === null) {
      searchUntrusted = false;
      continue;
    }
    untrusted.splice(untrusted.indexOf(next), 1);
    chain.push(next);
    numUntrusted++;
  }
  return { chain, numUntrusted, trusted, maxDepth };
}

/**
 * Every verification error of a peer's chain, in the order OpenSSL's verify callback sees them.
 * @param peer the certificates the peer sent, its own first
 * @param anchors the trusted certificates (the configured CAs, or Node's root store)
 * @param purpose what the peer's certificate must be good for
 * @param depth the verify depth (Qt's peerVerifyDepth), 0 for OpenSSL's default of 100
 * @param now the time to check validity against (ms since the epoch)
 * @returns [] when the chain verifies
 */
export function verifyChain(peer: readonly X509Certificate[], anchors: readonly X509Certificate[], purpose: VerifyPurpose, depth = 0, now = Date.now()): ChainError[] {
  if (peer.length === 0) return [];
  const { chain, numUntrusted, trusted, maxDepth } = buildChain(peer, anchors, depth > 0 ? depth : DEFAULT_DEPTH, now);
  const errors: ChainError[] = [];
  const report = (code: string, at: number): void => {
    errors.push({ code, depth: at, certificate: chain[at] });
  };
  const num = chain.length;
  if (!trusted) {
    if (num > maxDepth) report('CERT_CHAIN_TOO_LONG', num - 1);
    if (isSelfSigned(chain[num - 1])) report(num === 1 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN', num - 1);
    else report(numUntrusted < num ? 'UNABLE_TO_GET_ISSUER_CERT' : 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', num - 1);
  }
  // check_extensions: leaf to root
  let plen = 0;
  for (let i = 0; i < num; i++) {
    const x = chain[i];
    const e = readExtensions(x);
    if (e.unhandledCritical) report('UNHANDLED_CRITICAL_EXTENSION', i);
    if (i > 0) {
      const ca = checkCa(x);
      // intermediates must be CAs by basicConstraints; the top may be a legacy CA
      if (ca === 0 || (i + 1 < num && ca !== 1)) report('INVALID_CA', i);
    }
    if (!purposeOk(x, purpose, i > 0)) report('INVALID_PURPOSE', i);
    const pathLength = e.basicConstraints?.pathLength ?? -1;
    if (i > 1 && pathLength !== -1 && plen > pathLength) report('PATH_LENGTH_EXCEEDED', i);
    if (i > 0 && x.subject !== x.issuer) plen++;
  }
  // internal_verify: signatures and validity, from the top down
  let n = num - 1;
  let issuer = chain[n];
  let subject = issuer;
  if (!likelyIssued(issuer, issuer)) {
    if (n === 0) report('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 0);
    else subject = chain[--n];
  }
  for (;;) {
    if (subject !== issuer) {
      if (kuReject(issuer, KeyUsageBit.keyCertSign)) report('KEYUSAGE_NO_CERTSIGN', n + 1);
      if (!subject.verify(issuer.publicKey)) report('CERT_SIGNATURE_FAILURE', n);
    }
    if (Date.parse(subject.validFrom) > now) report('CERT_NOT_YET_VALID', n);
    if (Date.parse(subject.validTo) < now) report('CERT_HAS_EXPIRED', n);
    if (--n < 0) break;
    issuer = subject;
    subject = chain[n];
  }
  return errors;
}
