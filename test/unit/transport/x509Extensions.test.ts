/**
 * transport/x509Extensions: the DER fields chain verification reads, from certificates made by
 * the openssl CLI (test/helpers/chainCerts), and malformed input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { KeyUsageBit, readExtensions } from '../../../src/transport/x509Extensions';
import { makeChainCerts, type ChainCerts } from '../../helpers/chainCerts';

let c: ChainCerts;
beforeAll(() => {
  c = makeChainCerts();
});
afterAll(() => c.cleanup());

describe('readExtensions', () => {
  it('reads basicConstraints, keyUsage and the key identifiers of a CA', () => {
    const root = readExtensions(new X509Certificate(c.root));
    expect(root.version).toBe(3);
    expect(root.basicConstraints).toEqual({ ca: true, pathLength: -1 });
    expect(root.keyUsage?.has(KeyUsageBit.keyCertSign)).toBe(true);
    expect(root.keyUsage?.has(KeyUsageBit.digitalSignature)).toBe(false);
    expect(root.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(root.unhandledCritical).toBe(false);
    const inter = readExtensions(new X509Certificate(c.intermediate));
    expect(inter.authorityKeyId).toBe(root.subjectKeyId);
  });

  it('reads pathLenConstraint, CA:FALSE and extKeyUsage', () => {
    expect(readExtensions(new X509Certificate(c.pathRoot)).basicConstraints).toEqual({ ca: true, pathLength: 0 });
    expect(readExtensions(new X509Certificate(c.notCa)).basicConstraints).toEqual({ ca: false, pathLength: -1 });
    const leaf = readExtensions(new X509Certificate(c.leaf.cert));
    expect(leaf.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.keyUsage).toBeNull();
    expect(readExtensions(new X509Certificate(c.clientOnlyLeaf.cert)).extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('throws on DER that runs past its container', () => {
    const raw = Buffer.from(new X509Certificate(c.leaf.cert).raw);
    // a fake object whose raw bytes claim a longer outer SEQUENCE than there is
    raw[1] = 0x84;
    expect(() => readExtensions({ raw } as unknown as X509Certificate)).toThrow();
  });
});
