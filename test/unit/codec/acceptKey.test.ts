import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acceptKey, acceptKeyByCrypto } from '../../../src/codec/acceptKey';
import { native } from '../../../src/codec/native';
import { seededRandom } from '../../helpers/prng';

/** Whether this CPU has the SHA extensions, as Linux reports them (x64; never on arm64: not used there). */
function cpuHasSha(): boolean {
  return process.arch === 'x64' && /^flags\s*:.*\bsha_ni\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
}

describe('acceptKey (Sec-WebSocket-Accept)', () => {
  it("gives RFC 6455 §1.3's example accept value for its example key", () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(acceptKeyByCrypto('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  // (Linux only: elsewhere there is no /proc/cpuinfo to check the addon's CPUID test against)
  it.runIf(process.platform === 'linux')('the addon offers it exactly where the CPU has the SHA extensions', () => {
    if (native === null) return expect(process.env.QWS_NO_NATIVE).toBe('1');
    expect(typeof native.acceptKey === 'function').toBe(cpuHasSha());
  });

  it("the addon's digest equals node:crypto's for keys of every length around SHA-1's block edges, any characters", () => {
    const r = seededRandom(20261207);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
    let compared = 0;
    // key + 36-byte GUID: a length of 19/20 puts the padding's 0x80 at byte 55/56 of the first
    // block (one block / two blocks), 28 ends the message on the block's end, up to 90 UTF-8
    // bytes the message takes two blocks and more; past 64 code units node:crypto takes over
    for (let len = 0; len <= 80; len++) {
      for (let n = 0; n < 20; n++) {
        let key = '';
        for (let i = 0; i < len; i++) {
          const c = r.rand();
          // mostly base64 characters, some Latin-1, BMP and astral characters and lone surrogates
          key +=
            c < 0.7 ? alphabet[r.randInt(0, alphabet.length - 1)]
            : c < 0.8 ? String.fromCharCode(r.randInt(0x80, 0xff))
            : c < 0.9 ? String.fromCharCode(r.randInt(0x100, 0xd7ff))
            : c < 0.95 ? String.fromCodePoint(r.randInt(0x10000, 0x10ffff))
            : String.fromCharCode(r.randInt(0xd800, 0xdfff));
        }
        expect(acceptKey(key), JSON.stringify(key)).toBe(acceptKeyByCrypto(key));
        if (native?.acceptKey !== undefined && key.length <= 64) expect(native.acceptKey(key)).toBe(acceptKeyByCrypto(key));
        compared++;
      }
    }
    expect(compared).toBe(81 * 20);
  });

  it('the binding refuses what is not a short string', () => {
    const f = native?.acceptKey;
    if (f === undefined) return;
    expect(() => f('x'.repeat(300))).toThrow(/fewer than 255 UTF-8 bytes/);
    expect(() => (f as (k: unknown) => string)(42)).toThrow(/acceptKey/);
    // 254 bytes is the longest it takes; node:crypto takes longer keys from acceptKey()
    expect(f('x'.repeat(254))).toBe(acceptKeyByCrypto('x'.repeat(254)));
    expect(acceptKey('x'.repeat(300))).toBe(acceptKeyByCrypto('x'.repeat(300)));
  });
});
