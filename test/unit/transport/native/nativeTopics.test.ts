/**
 * The addon's native topics (native/binding/topics.cc over native/io/topics): bad arguments throw
 * a TypeError, a topic or connection that does not exist gives a libuv error (never a crash),
 * and topic ids are reused once freed. Publishing to real connections is tested end to end in
 * test/integration/ws/topics-native.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ioShared, nativeTransportStatus, type NativeIo } from '../../../../src/transport/native/nativeIo';
import { nativeTopics } from '../../../../src/transport/native/nativeTopics';

const io = nativeTransportStatus() === 'native' ? (ioShared()?.io as NativeIo) : null;
const UV_EINVAL = -22;
const UV_EBADF = -9;

describe.skipIf(io === null)('native topics: the binding', () => {
  const addon = io as NativeIo;
  it('bad arguments throw a TypeError', () => {
    const bad = addon as unknown as Record<string, (...a: unknown[]) => unknown>;
    expect(() => bad.ioShareTable(new Uint8Array(4))).toThrow(TypeError);
    expect(() => bad.ioTopicFree('x')).toThrow(TypeError);
    expect(() => bad.ioTopicAdd(0)).toThrow(TypeError);
    expect(() => bad.ioTopicRemove('0', 0)).toThrow(TypeError);
    expect(() => bad.ioPublish(0, 0, [], new Uint32Array(2))).toThrow(TypeError);
    expect(() => bad.ioPublish(0, 0, [Buffer.from('x')], new Uint32Array(0))).toThrow(TypeError);
    expect(() => bad.ioPublish(0, 0, ['x'], new Uint32Array(2))).toThrow(/Uint8Arrays/);
    expect(() => bad.ioPublish(0, 0, Buffer.from('x'), new Uint32Array(2))).toThrow(TypeError);
  });

  it('a topic or connection that does not exist is an error code; freed topic ids are reused', () => {
    const t = addon.ioTopicNew();
    expect(t).toBeGreaterThanOrEqual(0);
    // no connection has this id
    expect(addon.ioTopicAdd(t, 0x7fffffff)).toBe(UV_EBADF);
    expect(addon.ioTopicRemove(t, 0x7fffffff)).toBe(0);
    const out = new Uint32Array(4).fill(9);
    expect(addon.ioPublish(t, 0xffffffff, [Buffer.from([0x81, 0x00])], out)).toBe(0);
    expect(out[0]).toBe(0);
    expect(addon.ioTopicFree(t)).toBe(0);
    expect(addon.ioTopicFree(t)).toBe(UV_EINVAL);
    expect(addon.ioTopicAdd(t, 0)).toBe(UV_EINVAL);
    expect(addon.ioTopicRemove(t, 0)).toBe(UV_EINVAL);
    expect(addon.ioPublish(t, 0, [Buffer.from([0x81, 0x00])], out)).toBe(UV_EINVAL);
    expect(addon.ioTopicFree(0x7fffffff)).toBe(UV_EINVAL);
    // the registry's wrapper turns a failed publish (a broken invariant) into an exception
    expect(() => nativeTopics.publish(t, -1, [Buffer.from([0x81, 0x00])], 0)).toThrow(/native ioPublish failed/);
    expect(addon.ioTopicNew()).toBe(t);
    expect(addon.ioTopicFree(t)).toBe(0);
  });
});
