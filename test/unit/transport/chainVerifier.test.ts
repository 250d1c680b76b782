/**
 * transport/chainVerifier with a chosen clock and purpose: the order OpenSSL reports in
 * (validity from the root down), the purpose checks, the verify depth. The cases against a
 * live OpenSSL are in test/integration/tls-chain-errors.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { verifyChain } from '../../../src/transport/chainVerifier';
import { makeChainCerts, type ChainCerts } from '../../helpers/chainCerts';

let c: ChainCerts;
let root: X509Certificate;
let inter: X509Certificate;
let leaf: X509Certificate;
beforeAll(() => {
  c = makeChainCerts();
  root = new X509Certificate(c.root);
  inter = new X509Certificate(c.intermediate);
  leaf = new X509Certificate(c.leaf.cert);
});
afterAll(() => c.cleanup());

const brief = (errors: ReturnType<typeof verifyChain>): string[] => errors.map((e) => `${e.code}@${e.depth}`);

describe('verifyChain', () => {
  it('a trusted chain has no errors; no certificate, none either', () => {
    expect(verifyChain([leaf, inter], [root], 'sslServer')).toEqual([]);
    expect(verifyChain([], [root], 'sslServer')).toEqual([]);
  });

  it('in 2100 every certificate has expired: reported root first, each naming its certificate', () => {
    const errors = verifyChain([leaf, inter], [root], 'sslServer', 0, Date.parse('2100-01-01T00:00:00Z'));
    expect(brief(errors)).toEqual(['CERT_HAS_EXPIRED@2', 'CERT_HAS_EXPIRED@1', 'CERT_HAS_EXPIRED@0']);
    expect(errors.map((e) => e.certificate.fingerprint256)).toEqual([root, inter, leaf].map((x) => x.fingerprint256));
  });

  it('a serverAuth leaf offered as a client certificate has the wrong purpose', () => {
    expect(brief(verifyChain([leaf, inter], [root], 'sslClient'))).toEqual(['INVALID_PURPOSE@0']);
  });

  it('the verify depth counts intermediates between the leaf and the anchor', () => {
    const deep = [new X509Certificate(c.deepLeaf.cert), new X509Certificate(c.intermediate2), inter];
    expect(verifyChain(deep, [root], 'sslServer', 2)).toEqual([]);
    expect(brief(verifyChain(deep, [root], 'sslServer', 1))).toEqual(['CERT_CHAIN_TOO_LONG@2', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY@2']);
  });

  it('the peer sending the trusted root itself changes nothing', () => {
    expect(verifyChain([leaf, inter, root], [root], 'sslServer')).toEqual([]);
  });
});
