/**
 * The sending half of a session (src/protocol/frameWriter): frames as RFC 6455 §5.2 lays them
 * out, fragmentation by the outgoing frame size (§5.4), masking with a given key source (§5.3),
 * large server payloads queued by reference, one flush request per batch outside a read.
 */
import { describe, expect, it } from 'vitest';
import { FrameWriter } from '../../../src/protocol/frameWriter';
import { Opcode } from '../../../src/codec/constants';

function writer(server: boolean, frameSize = 1000): { w: FrameWriter; requests: () => number } {
  let n = 0;
  const w = new FrameWriter(server, frameSize, null, { requestFlush: () => n++ });
  return { w, requests: () => n };
}

const bytes = (w: FrameWriter): Buffer => Buffer.concat(w.take() ?? []);

describe('FrameWriter', () => {
  it('server text: unmasked, FIN, one flush request until flushed', () => {
    const { w, requests } = writer(true);
    expect(w.writeText('hi')).toBe(2);
    w.writeText('héllo');
    // 0x81 = FIN | text; 0x02 = unmasked, length 2; then 'hi'; then 6 bytes of 'héllo'
    expect(bytes(w)).toEqual(Buffer.from([0x81, 0x02, 0x68, 0x69, 0x81, 0x06, ...Buffer.from('héllo')]));
    expect(requests()).toBe(1);
    w.flushed();
    w.writeText('x');
    expect(requests()).toBe(2);
  });

  it('client frames are masked with the source\'s keys', () => {
    const { w } = writer(false);
    w.setMaskSource({ nextMask: () => 0x04030201 });
    w.writeMessage(Opcode.Binary, Buffer.from([0x10, 0x20, 0x30, 0x40, 0x50]), true);
    // 0x82 = FIN | binary; 0x85 = masked, length 5; key 01 02 03 04 (little-endian 0x04030201); payload XOR key
    expect(bytes(w)).toEqual(Buffer.from([0x82, 0x85, 1, 2, 3, 4, 0x11, 0x22, 0x33, 0x44, 0x51]));
  });

  it('fragments by the outgoing frame size: first frame has the opcode, the rest are continuations, FIN on the last', () => {
    const { w } = writer(true, 2);
    w.writeMessage(Opcode.Text, Buffer.from('abcde'), true);
    expect(bytes(w)).toEqual(Buffer.from([0x01, 0x02, 0x61, 0x62, 0x00, 0x02, 0x63, 0x64, 0x80, 0x01, 0x65]));
  });

  it('a large server payload is queued by reference; writeEncoded only on the server; nothing while receiving asks for a flush', () => {
    const { w, requests } = writer(true, 0);
    w.receiving = true;
    const big = Buffer.alloc(64 * 1024, 7);
    w.writeMessage(Opcode.Binary, big, true);
    const parts = w.take() ?? [];
    expect(parts.some((p) => p === big)).toBe(true);
    expect(requests()).toBe(0);
    expect(writer(false).w.writeEncoded([Buffer.from([0x81, 0])])).toBe(false);
    const frame = Buffer.from([0x81, 0]);
    expect(w.writeEncoded([frame])).toBe(true);
    expect(w.take()).toEqual([frame]);
  });
});
