/** The C++ header native/core/constants.h must mirror src/codec/constants.ts value for value. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DECODE_ERROR_CLOSE_CODE, DecodeError, IoEvent, Limits, Opcode, Record, State, Utf8State } from '../../../src/codec/constants';

const header = readFileSync(new URL('../../../native/core/constants.h', import.meta.url), 'utf8');
const cpp = new Map<string, number>();
for (const m of header.matchAll(/constexpr uint32_t (\w+) = (0x[0-9a-f]+|\d+);/g)) cpp.set(m[1], Number(m[2]));

const snake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

describe('constants mirror between TS and C++', () => {
  const groups: Array<[string, Record<string, number>]> = [
    ['OPCODE', Object.fromEntries(Object.entries(Opcode).filter(([, v]) => typeof v === 'number')) as Record<string, number>],
    ['RECORD', Record as unknown as Record<string, number>],
    ['STATE', State as unknown as Record<string, number>],
    ['ERROR', DecodeError as unknown as Record<string, number>],
    ['IO', Object.fromEntries(Object.entries(IoEvent).map(([k, v]) => [k.startsWith('READ') || k.startsWith('MIN') || k.startsWith('API') || k.startsWith('KEEP') || k.startsWith('MAX') || k.startsWith('SHARE') ? k : `EVENT_${k}`, v]))],
  ];
  for (const [prefix, values] of groups) {
    it(`${prefix}_* values agree`, () => {
      for (const [name, value] of Object.entries(values)) {
        const key = `${prefix}_${name.includes('_') || name === name.toUpperCase() ? name : snake(name)}`;
        expect(cpp.get(key), key).toBe(value);
      }
    });
  }
  it('limits the native code uses agree', () => {
    for (const name of ['MAX_CONTROL_PAYLOAD', 'MAX_CLOSE_REASON', 'MAX_INCOMING_FRAME_SIZE', 'MAX_INCOMING_MESSAGE_SIZE', 'DEFAULT_MAX_INCOMING_FRAME_SIZE', 'DEFAULT_MAX_INCOMING_MESSAGE_SIZE', 'MAX_HEADER_SIZE', 'RECORD_CAPACITY'] as const) {
      expect(cpp.get(`LIMIT_${name}`), name).toBe(Limits[name]);
    }
  });
  it('the decoder state holds its fields, then a whole header, then a whole control payload', () => {
    expect(State.SPILL_BYTE).toBeGreaterThanOrEqual((State.FRAME_LEN + 1) * 4);
    expect(State.SPILL_BYTE + Limits.MAX_HEADER_SIZE).toBeLessThanOrEqual(State.CTRL_BYTE);
    expect(State.CTRL_BYTE + Limits.MAX_CONTROL_PAYLOAD).toBeLessThanOrEqual(State.BYTES);
    // states are carved from shared slabs and viewed as uint32 words
    expect(State.BYTES % 8).toBe(0);
  });
  it('UTF-8 states and the error → close code table agree', () => {
    expect(cpp.get('UTF8_ACCEPT')).toBe(Utf8State.ACCEPT);
    expect(cpp.get('UTF8_INVALID')).toBe(Utf8State.INVALID);
    const table = /ERROR_CLOSE_CODE\[16\] = \{([^}]*)\}/.exec(header)![1].split(',').map((s) => Number(s.trim()));
    expect(table).toEqual([...DECODE_ERROR_CLOSE_CODE]);
  });
});
