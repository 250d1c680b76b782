/**
 * A control frame split across reads is collected in the decoder state's control buffer and its
 * record points there (FLAG_BUFFERED). When the same read also starts the NEXT split control
 * frame, the decoder must end the batch after the first record: otherwise the second frame's
 * bytes overwrite the first's payload before the caller has read it (seen as about one pong in
 * 5,000 carrying the wrong payload under a ping flood).
 */
import { describe, expect, it } from 'vitest';
import { IMPLS, feed, fresh, show, splits, wire, type FrameSpec } from '../../helpers/decoderFeed';

const PING = 0x89;
const PONG = 0x8a;
const TEXT = 0x81;

const sequences: Array<{ name: string; frames: FrameSpec[] }> = [
  { name: 'two pings', frames: [{ b0: PING, payload: 'first ping' }, { b0: PING, payload: 'the second one' }] },
  { name: 'ping, pong, ping', frames: [{ b0: PING, payload: 'aaaa' }, { b0: PONG, payload: 'bbbbbb' }, { b0: PING, payload: 'cc' }] },
  { name: 'ping, short text, ping', frames: [{ b0: PING, payload: 'one' }, { b0: TEXT, payload: 'x' }, { b0: PING, payload: 'two' }] },
];

for (const impl of IMPLS) {
  describe.skipIf(impl.skip)(`${impl.name} decoder: split control frames in one read`, () => {
    for (const server of [true, false]) {
      it.each(sequences)(`$name (${server ? 'server' : 'client'} side), at every split`, ({ frames }) => {
        const { bytes } = wire(frames, server);
        const want = frames.map((f) => `${f.b0 & 0x0f}:${String(f.payload)}`);
        for (const [how, chunks] of splits(bytes, 64)) {
          const out = feed(impl, { server }, fresh(chunks));
          const got = out.frames.map((f) => `${f.opcode}:${f.payload.toString()}`);
          expect(got, `${how}: ${show(out.frames)}`).toEqual(want);
          expect(out.error).toBeNull();
        }
      });
    }
  });
}
