/**
 * Topics walked natively (native/io/topics.h), as the core's topic registry uses them: a topic
 * here is a set of connection ids on the native transport; a publish collects its frames for
 * them in C++ (see sharedWrites) and leaves to JS the members that cannot take them there.
 * @module
 */
import { IoEvent } from '../../codec/constants';
import { ioShared, shareWord, type IoShared } from './nativeIo';
import { nativeFallback, walkNative } from './sharedWrites';

/** See the module comment. Every function but {@link create} is for a topic it made. */
export const nativeTopics = {
  /** A new native topic's id; -1 when the native transport is not running (or out of memory). */
  create(): number {
    const s = ioShared();
    const t = s === null ? -1 : s.io.ioTopicNew();
    return t < 0 ? -1 : t;
  },
  free(topic: number): void {
    (ioShared() as IoShared).io.ioTopicFree(topic);
  },
  /** @returns true when connection `id` is a member now (false: it is gone) */
  add(topic: number, id: number): boolean {
    return (ioShared() as IoShared).io.ioTopicAdd(topic, id) >= 0;
  },
  remove(topic: number, id: number): void {
    (ioShared() as IoShared).io.ioTopicRemove(topic, id);
  },
  /**
   * Collects `frames` for the members but connection `except` (-1: none).
   * @param members the topic's members as JS counts them (at least its open ones)
   * @returns how many took them; {@link serveFallback} reaches those it left to JS
   */
  publish(topic: number, except: number, frames: Buffer[], members: number): number {
    return walkNative(ioShared() as IoShared, 'ioPublish', topic, except < 0 ? NO_CONNECTION : except, frames, members);
  },
  /** Marks connection `id` as one of server `tag`'s (0: none), for {@link broadcast}. */
  tag(id: number, tag: number): void {
    (ioShared() as IoShared).share[shareWord(id, IoEvent.SHARE_TAG)] = tag;
  },
  /**
   * Collects `frames` for every open connection tagged `tag` (one server's broadcast).
   * @param connections at least the server's open connections tagged so
   * @returns how many took them; {@link serveFallback} reaches those it left to JS
   */
  broadcast(tag: number, frames: Buffer[], connections: number): number {
    return walkNative(ioShared() as IoShared, 'ioBroadcast', tag, 0, frames, connections);
  },
  /**
   * Hands the frames to the connections the last {@link publish} or {@link broadcast} left to JS.
   * @param byIo native id → the endpoint it serves (ids of no endpoint any more are skipped)
   * @returns how many took them
   */
  serveFallback<E>(byIo: ReadonlyArray<E | undefined>, frames: Buffer[], write: (e: E, frames: readonly Buffer[]) => boolean): number {
    let n = 0;
    for (const id of nativeFallback()) {
      const e = byIo[id];
      if (e !== undefined && write(e, frames)) n++;
    }
    return n;
  },
};

/** No connection has this id (native ids are dense from 0). */
const NO_CONNECTION = 0xffffffff;
