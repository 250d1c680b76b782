import { describe, expect, it } from 'vitest';
import { TopicHub } from '../../../src/core/topicHub';
import { decodeEnvelope, encodeEnvelope, type BrokerReceiver, type PubSubBroker } from '../../../src/core/broker';
import type { TopicDelivery } from '../../../src/core/topics';

/** An in-process bus between hubs: what a real broker does, minus the network. */
class Bus {
  readonly log: string[] = [];
  readonly #subs = new Map<string, Set<BrokerReceiver>>();
  broker(maxMessageSize = 1 << 20): PubSubBroker {
    return {
      maxMessageSize,
      subscribe: (t, r) => {
        this.log.push(`sub ${t}`);
        let s = this.#subs.get(t);
        if (s === undefined) this.#subs.set(t, (s = new Set()));
        s.add(r);
      },
      unsubscribe: (t, r) => {
        this.log.push(`unsub ${t}`);
        this.#subs.get(t)?.delete(r);
      },
      publish: (t, envelope) => {
        for (const r of this.#subs.get(t) ?? []) r(t, envelope);
        return true;
      },
    };
  }
}

type Peer = { got: string[] };
const delivery: TopicDelivery<Peer> = {
  write: (p, frames) => (p.got.push(Buffer.concat(frames).subarray(2).toString()), true),
  sharedCompressor: () => null,
};

describe('TopicHub with a broker', () => {
  it('one broker subscription per topic (first in, last out); a publish reaches other hubs, local subscribers once', () => {
    const bus = new Bus();
    const [h1, h2] = [new TopicHub<Peer>(delivery, () => 1000), new TopicHub<Peer>(delivery, () => 1000)];
    h1.setBroker(bus.broker());
    h2.setBroker(bus.broker());
    const [a, b, c] = [{ got: [] }, { got: [] }, { got: [] }] as Peer[];
    h1.registry.subscribe(a, 't');
    h1.registry.subscribe(b, 't');
    h2.registry.subscribe(c, 't');
    expect(bus.log).toEqual(['sub t', 'sub t']);
    expect(h1.publish('t', 'one', undefined, a)).toBe(1);
    expect(h2.publish('t', 'two', undefined, null)).toBe(1);
    expect(h1.publish('t', 'here only', { local: true }, null)).toBe(2);
    expect(a.got).toEqual(['two', 'here only']);
    expect(b.got).toEqual(['one', 'two', 'here only']);
    expect(c.got).toEqual(['one', 'two']);
    h1.registry.unsubscribe(a, 't');
    expect(bus.log).toEqual(['sub t', 'sub t']);
    h1.registry.leaveAll(b);
    expect(bus.log).toEqual(['sub t', 'sub t', 'unsub t']);
  });

  it('setBroker moves the live topics; refuses non-brokers and messages over the broker limit', () => {
    const bus = new Bus();
    const hub = new TopicHub<Peer>(delivery, () => 1000);
    const p: Peer = { got: [] };
    hub.registry.subscribe(p, 'x');
    hub.registry.subscribe(p, 'y');
    const first = bus.broker(20);
    hub.setBroker(first);
    expect(bus.log).toEqual(['sub x', 'sub y']);
    expect(() => hub.publish('x', 'a'.repeat(12), undefined, null)).toThrow(/over the broker's limit/);
    expect(p.got).toEqual([]);
    expect(hub.publish('x', 'a'.repeat(11), undefined, null)).toBe(1);
    hub.setBroker(null);
    expect(bus.log).toEqual(['sub x', 'sub y', 'unsub x', 'unsub y']);
    expect(() => hub.setBroker({} as PubSubBroker)).toThrow(/subscribe\(\), unsubscribe\(\) and publish\(\)/);
  });

  it('a publish goes to the broker before it is queued on local subscribers (the other servers do not wait for the local fan-out)', () => {
    const order: string[] = [];
    const hub = new TopicHub<Peer>({ write: (p, frames) => (order.push(`local ${Buffer.concat(frames).subarray(2)}`), true), sharedCompressor: () => null }, () => 1000);
    hub.setBroker({ maxMessageSize: 1 << 20, subscribe: () => {}, unsubscribe: () => {}, publish: (t, e) => (order.push(`broker ${t} ${decodeEnvelope(e)?.payload}`), true) });
    hub.registry.subscribe({ got: [] }, 't');
    hub.registry.subscribe({ got: [] }, 't');
    expect(hub.publish('t', 'm', undefined, null)).toBe(2);
    expect(order).toEqual(['broker t m', 'local m', 'local m']);
  });

  it('envelopes: round trip; foreign bytes are not envelopes', () => {
    const id = Buffer.alloc(8, 7);
    const e = decodeEnvelope(encodeEnvelope(id, Buffer.from('hi'), true));
    expect(e).toEqual({ nodeId: id, payload: Buffer.from('hi'), text: true, compress: true });
    expect(decodeEnvelope(encodeEnvelope(id, Buffer.from([1]), false))?.text).toBe(false);
    // compress false travels as a flag (the receiving servers send it uncompressed too)
    expect(decodeEnvelope(encodeEnvelope(id, Buffer.from([1]), false, false))).toMatchObject({ text: false, compress: false });
    expect(decodeEnvelope(Buffer.from('hello world'))).toBeNull();
    expect(decodeEnvelope(Buffer.from([0x10, 1, 2]))).toBeNull();
  });
});
