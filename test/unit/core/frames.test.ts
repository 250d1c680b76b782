import { describe, expect, it } from 'vitest';
import { serverFrames } from '../../../src/core/frames';

describe('serverFrames: one message framed once for every server connection', () => {
  it('a short text message is one unmasked FIN text frame', () => {
    // 0x81 = FIN + text, 0x02 = unmasked, length 2, then "hi"
    expect(serverFrames('hi', 1024)).toEqual([Buffer.from([0x81, 0x02, 0x68, 0x69])]);
  });
  it('a binary message longer than the frame size is fragmented: binary, continuations, FIN on the last', () => {
    const frames = serverFrames(new Uint8Array([1, 2, 3, 4, 5]), 2);
    // 0x02 binary (no FIN), 0x00 continuation (no FIN), 0x80 FIN continuation
    expect(frames).toEqual([Buffer.from([0x02, 0x02, 1, 2]), Buffer.from([0x00, 0x02, 3, 4]), Buffer.from([0x80, 0x01, 5])]);
  });
  it('a view into a larger buffer sends only its bytes', () => {
    const backing = new Uint8Array([9, 9, 7, 8, 9]);
    expect(serverFrames(backing.subarray(2, 4), 100)).toEqual([Buffer.from([0x82, 0x02, 7, 8])]);
  });
});
