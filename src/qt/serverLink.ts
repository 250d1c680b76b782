/**
 * A server-side WebSocket's tie to the server that accepted it: the server's topics (for the
 * socket's subscribe/publish) and the server's one gone-callback (no listener per socket). One
 * per server, shared by all its sockets (nothing in it is per connection); client sockets have
 * none.
 * @module
 */
import type { TopicHub } from '../core/topicHub';
import { InvalidStateError } from '../errors';

/**
 * The topics of the server that accepted a socket (`link`), for subscribe and publish.
 * @throws InvalidStateError for a client socket (no link): topics are a server's
 */
export function topicsOf<W extends object>(link: ServerLink<W> | null): TopicHub<W> {
  if (link === null) throw new InvalidStateError('Topics are for connections accepted by a WebSocketServer');
  return link.topics;
}

/** See the module comment. `W` is the WebSocket class (kept generic: no import circle). */
export class ServerLink<W extends object> {
  readonly #topics: TopicHub<W>;
  readonly #onGone: (ws: W) => void;

  /** @param onGone drops a socket that is gone; may run more than once for one socket (it must not mind) */
  constructor(topics: TopicHub<W>, onGone: (ws: W) => void) {
    this.#topics = topics;
    this.#onGone = onGone;
  }

  /** The server's topics. */
  get topics(): TopicHub<W> {
    return this.#topics;
  }

  /** A connection is gone: it leaves its topics, and the server forgets it (again, if it had). */
  gone(ws: W): void {
    this.#topics.registry.leaveAll(ws);
    this.#onGone(ws);
  }
}
