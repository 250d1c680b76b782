/**
 * A server's open connections, as its broadcast() reaches them: those on the native transport
 * carry the server's tag in the share table and are walked in C++ (native/io/topics.h), the
 * others here. Iterating gives every connection, in the order they came.
 * @module
 */
import { nativeTopics } from '../transport/native/nativeTopics';

/** The last tag handed to a server (tags are never reused; 0 is no server's). */
let lastTag = 0;

/** See the module comment. */
export class ConnectionSet<W extends object> implements Iterable<W> {
  /** Connection → its native id (-1: on another transport). */
  readonly #all = new Map<W, number>();
  /** The connections not on the native transport. */
  readonly #js = new Set<W>();
  /** Native id → connection, for those a native walk leaves to JS. */
  readonly #byIo: Array<W | undefined> = [];
  #native = 0;
  readonly #tag = ++lastTag;
  readonly #nativeId: (w: W) => number;

  /** @param nativeId a connection's id on the native transport, -1 when on another or gone */
  constructor(nativeId: (w: W) => number) {
    this.#nativeId = nativeId;
  }

  get size(): number {
    return this.#all.size;
  }

  [Symbol.iterator](): IterableIterator<W> {
    return this.#all.keys();
  }

  add(w: W): void {
    if (this.#all.has(w)) return;
    const id = this.#nativeId(w);
    this.#all.set(w, id);
    if (id < 0) {
      this.#js.add(w);
      return;
    }
    nativeTopics.tag(id, this.#tag);
    this.#byIo[id] = w;
    this.#native++;
  }

  /** @returns true when it was in the set */
  delete(w: W): boolean {
    const id = this.#all.get(w);
    if (id === undefined) return false;
    this.#all.delete(w);
    if (id < 0) {
      this.#js.delete(w);
      return true;
    }
    this.#native--;
    // (a closed connection's words were zeroed by C++; its id may be another's by now)
    if (this.#byIo[id] === w) {
      this.#byIo[id] = undefined;
      if (this.#nativeId(w) === id) nativeTopics.tag(id, 0);
    }
    return true;
  }

  /**
   * Queues frames encoded once on every connection of `to` (default: this set): for this set the
   * native ones through the walk in C++ (`write` for those it leaves to JS) and the others with
   * `write`; for any other collection each with `write`.
   * @returns how many took them
   */
  broadcast(frames: Buffer[], write: (w: W, frames: readonly Buffer[]) => boolean, to: Iterable<W> = this): number {
    let n = 0;
    if (to !== this) {
      for (const w of to) if (write(w, frames)) n++;
      return n;
    }
    if (this.#native > 0) {
      n += nativeTopics.broadcast(this.#tag, frames, this.#native);
      n += nativeTopics.serveFallback(this.#byIo, frames, write);
    }
    for (const w of this.#js) if (write(w, frames)) n++;
    return n;
  }
}
