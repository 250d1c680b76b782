/**
 * Frames encoded for many connections (a publish, a broadcast) that came while a session was
 * sending a message in fragments: no data frame may come between the fragments of a message
 * (RFC 6455 §5.4), so they wait until its last fragment is queued. Kept here, by session, not in
 * a field of it: rare, and a field costs every idle connection 8 bytes.
 * @module
 */

const held = new WeakMap<object, { frames: Buffer[]; bytes: number }>();

/** Puts `frames` aside for `session`, after those it holds already. */
export function holdShared(session: object, frames: readonly Buffer[]): void {
  let h = held.get(session);
  if (h === undefined) held.set(session, (h = { frames: [], bytes: 0 }));
  for (const f of frames) {
    h.frames.push(f);
    h.bytes += f.length;
  }
}

/** Bytes `session` holds (0: none). */
export function heldSharedBytes(session: object): number {
  return held.get(session)?.bytes ?? 0;
}

/** Takes what `session` holds, in order (empty: nothing). */
export function takeHeldShared(session: object): Buffer[] {
  const h = held.get(session);
  held.delete(session);
  return h?.frames ?? [];
}
