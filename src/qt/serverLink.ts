/**
 * A server-side WebSocket's tie to the server that accepted it: the server's topics (for the
 * socket's subscribe/publish) and the server's one gone-callback (no listener per socket).
 * Client sockets have none.
 * @module
 */
import type { TopicHub } from '../core/topicHub';
import type { ServerSideInfo } from './serverSockets';

/** See the module comment. `W` is the WebSocket class (kept generic: no import circle). */
export class ServerLink<W extends object> {
  readonly #topics: TopicHub<W>;
  #onGone: ((ws: W) => void) | null;

  constructor(info: ServerSideInfo<W>) {
    this.#topics = info.topics;
    this.#onGone = info.onGone ?? null;
  }

  /** The server's topics. */
  get topics(): TopicHub<W> {
    return this.#topics;
  }

  /** The connection is gone: it leaves its topics, and the server hears of it once. */
  gone(ws: W): void {
    this.#topics.registry.leaveAll(ws);
    const f = this.#onGone;
    if (f !== null) {
      this.#onGone = null;
      f(ws);
    }
  }
}
