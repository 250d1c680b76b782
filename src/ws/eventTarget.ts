/**
 * The ws face's EventTarget interface, shaped as ws's: `addEventListener`/`removeEventListener`
 * over the EventEmitter events, the `on<event>` attributes, and the event objects (Event,
 * MessageEvent, CloseEvent, ErrorEvent) those listeners receive.
 * @module
 */
import type { EventEmitter } from 'node:events';

const kTarget = Symbol('qwebsocket.ws.target');

/** An event as an EventTarget listener receives it. */
export class Event {
  readonly #type: string;
  /** @internal set when dispatched */
  [kTarget]: unknown = null;
  constructor(type: string) {
    this.#type = type;
  }
  /** The event's name ('open', 'message', 'close', 'error'). */
  get type(): string {
    return this.#type;
  }
  /** The WebSocket that dispatched it. */
  get target(): unknown {
    return this[kTarget];
  }
}

/** The 'close' event: the close code, the reason as a string, and whether both close frames went. */
export class CloseEvent extends Event {
  readonly #code: number;
  readonly #reason: string;
  readonly #wasClean: boolean;
  constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.#code = init.code ?? 0;
    this.#reason = init.reason ?? '';
    this.#wasClean = init.wasClean ?? false;
  }
  get code(): number {
    return this.#code;
  }
  get reason(): string {
    return this.#reason;
  }
  get wasClean(): boolean {
    return this.#wasClean;
  }
}

/** The 'error' event: the error and its message. */
export class ErrorEvent extends Event {
  readonly #error: unknown;
  readonly #message: string;
  constructor(type: string, init: { error?: unknown; message?: string } = {}) {
    super(type);
    this.#error = init.error ?? null;
    this.#message = init.message ?? '';
  }
  get error(): unknown {
    return this.#error;
  }
  get message(): string {
    return this.#message;
  }
}

/** The 'message' event: text messages as strings, binary ones as binaryType says. */
export class MessageEvent extends Event {
  readonly #data: unknown;
  constructor(type: string, init: { data?: unknown } = {}) {
    super(type);
    this.#data = init.data ?? null;
  }
  get data(): unknown {
    return this.#data;
  }
}

/** A listener function, or an object with handleEvent (as the DOM allows). */
export type EventListenerLike = ((event: Event) => void) | { handleEvent(event: Event): void };

/** What an EventTarget method needs of its WebSocket. */
export interface EventSource extends EventEmitter {
  /** True when both close frames were exchanged (CloseEvent.wasClean). */
  readonly cleanClose: boolean;
}

const kListener = Symbol('qwebsocket.ws.listener');
const kAttribute = Symbol('qwebsocket.ws.attribute');
// EventEmitter listeners take any arguments
type Wrapper = ((...args: any[]) => void) & { [kListener]?: EventListenerLike; [kAttribute]?: boolean };

function call(listener: EventListenerLike, target: unknown, event: Event): void {
  event[kTarget] = target;
  if (typeof listener === 'function') listener.call(target, event);
  else listener.handleEvent.call(listener, event);
}

/** Builds the EventEmitter listener that turns one event's arguments into an event object. */
function wrap(source: EventSource, type: string, listener: EventListenerLike): Wrapper | null {
  switch (type) {
    case 'message':
      return (data: Buffer | ArrayBuffer | Buffer[] | Blob, isBinary: boolean) =>
        call(listener, source, new MessageEvent('message', { data: isBinary ? data : String(data) }));
    case 'close':
      return (code: number, reason: Buffer) => call(listener, source, new CloseEvent('close', { code, reason: reason.toString(), wasClean: source.cleanClose }));
    case 'error':
      return (error: Error) => call(listener, source, new ErrorEvent('error', { error, message: error.message }));
    case 'open':
      return () => call(listener, source, new Event('open'));
    default:
      return null;
  }
}

/** Our wrappers of `type` on `source`. */
function wrappers(source: EventSource, type: string): Wrapper[] {
  return (source.listeners(type) as Wrapper[]).filter((w) => w[kListener] !== undefined);
}

/**
 * ws's addEventListener: only 'open', 'message', 'close' and 'error' are taken; a listener
 * already added (not through an on-attribute) is not added twice.
 */
export function addEventListener(source: EventSource, type: string, listener: EventListenerLike, options: { once?: boolean } = {}, attribute = false): void {
  if (typeof listener !== 'function' && (typeof listener !== 'object' || listener === null)) return;
  if (!attribute && wrappers(source, type).some((w) => w[kListener] === listener && w[kAttribute] !== true)) return;
  const w = wrap(source, type, listener);
  if (w === null) return;
  w[kListener] = listener;
  w[kAttribute] = attribute;
  if (options.once === true) source.once(type, w);
  else source.on(type, w);
}

/** ws's removeEventListener: removes one listener added by addEventListener. */
export function removeEventListener(source: EventSource, type: string, listener: EventListenerLike): void {
  const w = wrappers(source, type).find((x) => x[kListener] === listener && x[kAttribute] !== true);
  if (w !== undefined) source.removeListener(type, w);
}

/** The handler set through the `on<type>` attribute, or null. */
export function getAttribute(source: EventSource, type: string): EventListenerLike | null {
  return wrappers(source, type).find((w) => w[kAttribute] === true)?.[kListener] ?? null;
}

/** Sets the `on<type>` attribute (a non-function clears it). */
export function setAttribute(source: EventSource, type: string, handler: unknown): void {
  for (const w of wrappers(source, type)) if (w[kAttribute] === true) source.removeListener(type, w);
  if (typeof handler === 'function') addEventListener(source, type, handler as EventListenerLike, {}, true);
}

/**
 * Defines ws's `onopen`, `onmessage`, `onclose` and `onerror` attributes on a class's prototype
 * (the class declares them), as accessors over {@link getAttribute} and {@link setAttribute}.
 */
export function defineEventAttributes(prototype: object): void {
  for (const type of ['open', 'message', 'close', 'error']) {
    Object.defineProperty(prototype, `on${type}`, {
      configurable: true,
      enumerable: true,
      get(this: EventSource): EventListenerLike | null {
        return getAttribute(this, type);
      },
      set(this: EventSource, handler: unknown) {
        setAttribute(this, type, handler);
      },
    });
  }
}
