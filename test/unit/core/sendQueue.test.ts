import { describe, expect, it } from 'vitest';
import { SendQueue, type LateBytes, type QueueHost } from '../../../src/core/sendQueue';

/** A source whose read the test settles by hand; `reads` counts arrayBuffer() calls. */
function source(text: string): LateBytes & { reads: number; resolve(): void; reject(err: Error): void } {
  let settle: { resolve(v: ArrayBuffer): void; reject(e: Error): void } | null = null;
  const bytes = Buffer.from(text);
  const s = {
    size: bytes.length,
    reads: 0,
    arrayBuffer(): Promise<ArrayBuffer> {
      s.reads++;
      return new Promise<ArrayBuffer>((resolve, reject) => (settle = { resolve, reject }));
    },
    resolve: () => settle?.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer),
    reject: (err: Error) => settle?.reject(err),
  };
  return s;
}

/** A host recording what reaches the connection, in order. */
function host(): QueueHost & { log: string[]; gone: boolean; closeSent: boolean; empty: boolean } {
  const h = {
    log: [] as string[],
    gone: false,
    closeSent: false,
    empty: false,
    whenWritten: (cb: (err?: Error) => void) => {
      h.log.push('written');
      cb();
    },
    readFailed: (err: Error) => h.log.push(`failed:${err.message}`),
    emptied: () => (h.empty = true),
  };
  return h;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A queue with a blob first in line (its send logs 'late'); `cb(label)` records '<label>:<error or ok>' in `errs`. */
function blobFirst(): { h: ReturnType<typeof host>; q: SendQueue; blob: ReturnType<typeof source>; errs: string[]; cb: (label: string) => (err?: Error) => void } {
  const h = host();
  const q = new SendQueue(h);
  const blob = source('blob');
  const errs: string[] = [];
  q.pushLate(blob, () => h.log.push('late'));
  return { h, q, blob, errs, cb: (label) => (err) => errs.push(`${label}:${err?.message ?? 'ok'}`) };
}

describe('SendQueue', () => {
  it('hands sends, callbacks and the bytes read to the connection in call order, then says it is empty', async () => {
    const h = host();
    const q = new SendQueue(h);
    const blob = source('blob');
    q.pushLate(blob, (d) => h.log.push(`late:${d.toString()}`));
    q.push(3, () => h.log.push('send:abc'));
    q.pushCallback((err) => h.log.push(`cb:${err === undefined ? 'ok' : err.message}`));
    expect(q.bytes).toBe(4 + 3);
    expect(h.log).toEqual([]);
    blob.resolve();
    await tick();
    expect(h.log).toEqual(['late:blob', 'send:abc', 'written', 'cb:ok']);
    expect(q.bytes).toBe(0);
    expect(h.empty).toBe(true);
  });

  it('reads one source at a time: the second is read only once the first is out', async () => {
    const h = host();
    const q = new SendQueue(h);
    const [a, b] = [source('a'), source('b')];
    q.pushLate(a, (d) => h.log.push(`late:${d.toString()}`));
    q.push(1, () => h.log.push('send:x'));
    q.pushLate(b, (d) => h.log.push(`late:${d.toString()}`));
    q.push(1, () => h.log.push('send:y'));
    expect([a.reads, b.reads]).toEqual([1, 0]);
    a.resolve();
    await tick();
    expect(h.log).toEqual(['late:a', 'send:x']);
    expect([b.reads, q.bytes, h.empty]).toEqual([1, 2, false]);
    b.resolve();
    await tick();
    expect(h.log).toEqual(['late:a', 'send:x', 'late:b', 'send:y']);
    expect(h.empty).toBe(true);
  });

  it('a read that fails: every callback waiting gets its error on a later tick, then the host fails the connection', async () => {
    const { h, q, blob, errs, cb } = blobFirst();
    q.pushCallback(cb('1'));
    q.push(1, () => h.log.push('send'));
    q.pushCallback(cb('2'));
    blob.reject(new Error('unreadable'));
    await Promise.resolve();
    // sent while the failure is being reported: dropped with the others
    q.pushCallback(cb('3'));
    await tick();
    expect(errs).toEqual(['1:unreadable', '2:unreadable', '3:unreadable']);
    expect(h.log).toEqual(['failed:unreadable']);
    expect([q.bytes, h.empty]).toEqual([0, true]);
  });

  it('a read that fails once the connection is gone: the callbacks get the error, the host is not told to fail', async () => {
    const { h, q, blob, errs, cb } = blobFirst();
    q.pushCallback(cb('1'));
    h.gone = true;
    blob.reject(new Error('unreadable'));
    await tick();
    expect(errs).toEqual(['1:unreadable']);
    expect(h.log).toEqual([]);
    expect(h.empty).toBe(true);
  });

  it('a read that ends once the connection is gone: nothing is sent, the callbacks say the socket closed meanwhile', async () => {
    const { h, q, blob, errs, cb } = blobFirst();
    q.pushCallback(cb('1'));
    q.push(1, () => h.log.push('send'));
    q.pushCallback(cb('2'));
    h.gone = true;
    blob.resolve();
    await tick();
    expect(h.log).toEqual([]);
    expect(errs).toEqual(['1:The socket was closed while the blob was being read', '2:The socket was closed while the blob was being read']);
  });

  it('after our close frame (the peer closed meanwhile) data is dropped and the callbacks behind it get an error', async () => {
    const { h, q, blob, errs, cb } = blobFirst();
    q.pushCallback(cb('1'));
    h.closeSent = true;
    blob.resolve();
    await tick();
    expect(h.log).toEqual([]);
    expect(errs).toEqual(['1:The connection was closed before the data was sent']);
    expect(h.empty).toBe(true);
  });
});
