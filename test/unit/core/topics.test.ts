import { describe, expect, it } from 'vitest';
import { TopicRegistry, checkTopic, frameMessage, publishMessageOf, type SharedCompressor, type TopicDelivery } from '../../../src/core/topics';

/** An endpoint that records the frames queued on it; `accepts` false plays a closing peer. */
interface Peer {
  name: string;
  frames: Buffer[][];
  accepts: boolean;
  compressor: SharedCompressor | null;
}
const delivery: TopicDelivery<Peer> = {
  write: (p, frames) => {
    if (!p.accepts) return false;
    p.frames.push([...frames]);
    return true;
  },
  sharedCompressor: (p) => p.compressor,
};
const peer = (name: string, compressor: SharedCompressor | null = null): Peer => ({ name, frames: [], accepts: true, compressor });

/** A compressor that "compresses" by reversing the bytes, counting its calls. */
function reverser(key: string): SharedCompressor & { calls: number } {
  return {
    sharedKey: key,
    calls: 0,
    compress(m) {
      this.calls++;
      return m.length < 4 ? null : Buffer.from(m).reverse();
    },
  };
}

describe('TopicRegistry', () => {
  it('keeps topic → subscribers and subscriber → topics in step, and tells its listener about the first and last', () => {
    const r = new TopicRegistry(delivery);
    const events: string[] = [];
    r.setListener({ topicAdded: (t) => events.push(`+${t}`), topicRemoved: (t) => events.push(`-${t}`) });
    const [a, b] = [peer('a'), peer('b')];
    expect(r.subscribe(a, 'x')).toBe(true);
    expect(r.subscribe(a, 'x')).toBe(false);
    expect(r.subscribe(b, 'x')).toBe(true);
    expect(r.subscribe(a, 'y')).toBe(true);
    expect(events).toEqual(['+x', '+y']);
    expect(r.subscriptions(a)).toEqual(['x', 'y']);
    expect(r.subscriberCount('x')).toBe(2);
    expect(r.unsubscribe(b, 'y')).toBe(false);
    expect(r.unsubscribe(b, 'x')).toBe(true);
    expect(events).toEqual(['+x', '+y']);
    r.leaveAll(a);
    expect(events).toEqual(['+x', '+y', '-x', '-y']);
    expect([...r.topics()]).toEqual([]);
    expect(r.subscriptions(a)).toEqual([]);
    expect(r.isSubscribed(a, 'x')).toBe(false);
  });

  it('frames once for all plain subscribers, skips `except`, counts only those that took it', () => {
    const r = new TopicRegistry(delivery);
    const [a, b, c] = [peer('a'), peer('b'), peer('c')];
    for (const p of [a, b, c]) r.subscribe(p, 't');
    c.accepts = false;
    expect(r.deliver('t', publishMessageOf('hi'), 1000, a)).toBe(1);
    expect(a.frames).toEqual([]);
    // 0x81 = FIN + text, 0x02 = unmasked, 2 bytes (RFC 6455 §5.2)
    expect(b.frames).toEqual([[Buffer.from([0x81, 0x02, 0x68, 0x69])]]);
    expect(r.deliver('t', publishMessageOf(Buffer.from([1, 2, 3])), 1000)).toBe(2);
    expect(a.frames[0][0]).toBe(b.frames[1][0]); // the same bytes, by reference
    expect(r.deliver('nobody', publishMessageOf('x'), 1000)).toBe(0);
  });

  it('compresses once per shared key; below the compressor threshold sends the plain frames', () => {
    const r = new TopicRegistry(delivery);
    const k1 = reverser('15/-1/8/4');
    const k2 = reverser('10/-1/8/4');
    const peers = [peer('a', k1), peer('b', k1), peer('c', k2), peer('d')];
    for (const p of peers) r.subscribe(p, 't');
    expect(r.deliver('t', publishMessageOf('abcdef'), 1000)).toBe(4);
    expect(k1.calls + k2.calls).toBe(2);
    // RSV1 (0x40) on the compressed ones (RFC 7692 §6.1), not on the plain one
    expect(peers.map((p) => p.frames[0][0][0])).toEqual([0xc1, 0xc1, 0xc1, 0x81]);
    expect(peers[0].frames[0][0]).toBe(peers[1].frames[0][0]);
    expect(peers[0].frames[0][0].subarray(2).toString()).toBe('fedcba');
    r.deliver('t', publishMessageOf('ab'), 1000);
    expect(peers.map((p) => p.frames[1][0][0])).toEqual([0x81, 0x81, 0x81, 0x81]);
  });
});

describe('topic names, messages, framing', () => {
  it('refuses what cannot be a topic', () => {
    expect(() => checkTopic('')).toThrow(/empty/);
    expect(() => checkTopic('a'.repeat(1025))).toThrow(/1024/);
    expect(() => checkTopic('\udc00x')).toThrow(/lone surrogate/);
    expect(() => checkTopic(null)).toThrow(/string/);
    expect(() => checkTopic('ok 😀 ü')).not.toThrow();
    expect(() => publishMessageOf(12)).toThrow(/string or a Buffer/);
    expect(publishMessageOf(new Uint8Array([7]))).toEqual({ payload: Buffer.from([7]), text: false });
  });

  it('fragments by the frame size: opcode on the first frame, continuations, FIN on the last (RFC 6455 §5.4)', () => {
    const f = frameMessage(Buffer.from('abcdefg'), 0x2, 0x40, 3);
    expect(f.map((x) => x[0])).toEqual([0x42, 0x00, 0x80]);
    expect(Buffer.concat(f.map((x) => x.subarray(2))).toString()).toBe('abcdefg');
  });
});
