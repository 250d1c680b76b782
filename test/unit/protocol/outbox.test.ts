/**
 * The outbox (src/protocol/outbox): small frames share one process-wide batch buffer; a region
 * handed back with written() is reused only while it is the batch's newest, so no region a
 * transport may still hold is ever overwritten.
 */
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../../src/protocol/outbox';

/** Writes `bytes` into `o`'s batch region. */
function put(o: Outbox, bytes: number[]): void {
  const b = o.reserve(bytes.length);
  const at = o.offset;
  b.set(bytes, at);
  o.commit(at + bytes.length);
}

const last = (q: Buffer[] | null): Buffer => (q as Buffer[])[(q as Buffer[]).length - 1];

describe('Outbox', () => {
  it('a written region that is still the newest is reused by the next frames', () => {
    const o = new Outbox();
    put(o, [1, 2, 3]);
    const q = o.take();
    expect(q).toEqual([Buffer.from([1, 2, 3])]);
    o.written(last(q));
    put(o, [4, 5]);
    const q2 = o.take();
    expect(q2).toEqual([Buffer.from([4, 5])]);
    // the same bytes of the batch: the first region now reads the second's frames
    expect((q2 as Buffer[])[0].buffer).toBe((q as Buffer[])[0].buffer);
    expect((q2 as Buffer[])[0].byteOffset).toBe((q as Buffer[])[0].byteOffset);
    expect(o.bytes).toBe(0);
  });

  it('without written(), regions only move forward: what was taken stays as it was', () => {
    const o = new Outbox();
    put(o, [1, 2, 3]);
    const q = o.take() as Buffer[];
    put(o, [4, 5, 6]);
    o.take();
    expect(q[0]).toEqual(Buffer.from([1, 2, 3]));
  });

  it('a region another outbox wrote after is not reused', () => {
    const a = new Outbox();
    const b = new Outbox();
    put(a, [1, 2]);
    const qa = a.take() as Buffer[];
    put(b, [7, 8]);
    a.written(qa[0]);
    put(a, [3, 4]);
    const qb = b.take() as Buffer[];
    expect(qb[0]).toEqual(Buffer.from([7, 8]));
    expect(a.take()).toEqual([Buffer.from([3, 4])]);
  });

  it('a stale region handed back late (the batch moved on) changes nothing', () => {
    const o = new Outbox();
    put(o, [1]);
    const q1 = o.take() as Buffer[];
    put(o, [2]);
    const q2 = o.take() as Buffer[];
    o.written(q1[0]);
    put(o, [3]);
    expect(o.take()).toEqual([Buffer.from([3])]);
    expect(q2[0]).toEqual(Buffer.from([2]));
  });

  it('a region sealed as a fresh batch starts is not rewound into the new batch', () => {
    const o = new Outbox();
    const other = new Outbox();
    put(other, [0, 0, 0]); // so [9] below does not start at offset 0 of its batch
    put(o, [9]);
    o.reserve(64 * 1024); // no room left: [9] is sealed and a fresh batch starts, nothing written in it
    const q = o.take() as Buffer[];
    expect(q.map((x) => [...x])).toEqual([[9]]);
    o.written(q[0]);
    put(other, [5]);
    const r = (other.take() as Buffer[]).at(-1) as Buffer;
    // written at the start of the fresh batch, not at [9]'s offset in the old one
    expect([...r]).toEqual([5]);
    expect(r.byteOffset).toBe(0);
    expect(q[0]).toEqual(Buffer.from([9]));
  });

  it('a buffer queued by reference is not a batch region: handing it back rewinds nothing', () => {
    const o = new Outbox();
    put(o, [1, 2]);
    const payload = Buffer.from([3, 4, 5]);
    o.push(payload);
    const q = o.take() as Buffer[];
    o.written(last(q));
    put(o, [6]);
    o.take();
    expect(q[0]).toEqual(Buffer.from([1, 2]));
  });
});
