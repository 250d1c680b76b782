import { describe, expect, it } from 'vitest';
import { FrameDecoder, takeRecords, giveRecords } from '../../../src/codec';
import { Record as R } from '../../../src/codec/constants';

describe('decoder smoke', () => {
  it('decodes RFC 6455 §5.7 masked "Hello"', () => {
    // 0x81 FIN+text, 0x85 masked len 5, key 37 fa 21 3d, masked "Hello"
    const chunk = Buffer.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    const d = new FrameDecoder({ server: true });
    const rec = takeRecords();
    const n = d.decode(chunk, 0, rec);
    giveRecords(rec);
    expect(n).toBe(1);
    expect(rec[R.KIND]).toBe(R.KIND_FRAME);
    expect(chunk.subarray(rec[R.START], rec[R.START] + rec[R.LENGTH]).toString()).toBe('Hello');
  });
});
