/**
 * A lighter listener table for a face's socket (an EventEmitter). Node's EventEmitter starts
 * every instance with `{ __proto__: null }` as its `_events`, an object V8 keeps in dictionary
 * mode: about 185 bytes per socket once two listeners are on it, paid by every idle
 * connection. {@link lightenListeners} puts an empty object of a constructor whose prototype
 * has no members and no prototype in its place: V8 keeps it in fast mode (about 40 bytes with
 * two events; sockets that listen to the same events share its shape), and, like Node's, it
 * inherits nothing, so an event named `toString` or `__proto__` is only what was added to it.
 * EventEmitter reads and writes `_events` only as a plain keyed object, and puts its own back
 * when the last listener goes.
 * @module
 */
// (a class's prototype has a `constructor`: it is taken out, and the chain ends at once)
class ListenerTable {}
Reflect.deleteProperty(ListenerTable.prototype, 'constructor');
Object.setPrototypeOf(ListenerTable.prototype, null);

/** Gives `emitter` (an EventEmitter just constructed: no listeners yet) the lighter listener table. */
export function lightenListeners(emitter: object): void {
  (emitter as unknown as { _events: object })._events = new ListenerTable();
}
