/**
 * Tells a socket when listeners of the signals that change the core's per-message work come or
 * go (frame signals make the session report frames, `bytesWritten` makes writes carry
 * callbacks). The core reads two booleans per message and per write; asking the emitter
 * (`listenerCount`, a keyed lookup in its listener table) there instead cost about 60 ns each,
 * three times per echoed message. The class's listener methods are wrapped once, on its
 * prototype: no state or listener per socket.
 * @module
 */
import { EventEmitter } from 'node:events';

/** The signals whose listeners the core must know about. */
const WATCHED: ReadonlySet<string | symbol> = new Set(['textFrameReceived', 'binaryFrameReceived', 'bytesWritten']);

/**
 * Every way a listener is added or removed: `on`/`off` are aliases, `once` and
 * `prependOnceListener` are wrapped too in case they stop going through `on`/`prependListener`.
 */
const METHODS = ['addListener', 'on', 'once', 'prependListener', 'prependOnceListener', 'removeListener', 'off', 'removeAllListeners'] as const;

type ListenerMethod = (this: EventEmitter, ...args: unknown[]) => EventEmitter;

/**
 * Wraps the listener methods of `proto` (an EventEmitter subclass's prototype) so that
 * `changed(emitter)` runs after a watched signal's listeners changed (or all listeners went).
 */
export function watchListeners<W extends EventEmitter>(proto: W, changed: (emitter: W) => void): void {
  const base = EventEmitter.prototype as unknown as Record<(typeof METHODS)[number], ListenerMethod>;
  for (const name of METHODS) {
    const method = base[name];
    // the arguments as given: removeAllListeners() without a type removes every listener,
    // removeAllListeners(undefined) does not
    const wrapped: ListenerMethod = function (this: EventEmitter, ...args) {
      const result = method.apply(this, args);
      if (args.length === 0 || WATCHED.has(args[0] as string | symbol)) changed(this as W);
      return result;
    };
    Object.defineProperty(proto, name, { value: wrapped, writable: true, configurable: true });
  }
}
