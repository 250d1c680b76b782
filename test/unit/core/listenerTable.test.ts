import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { lightenListeners } from '../../../src/core/listenerTable';

function emitters(): Array<[string, EventEmitter]> {
  const light = new EventEmitter();
  lightenListeners(light);
  return [
    ['Node', new EventEmitter()],
    ['light', light],
  ];
}

describe('lightenListeners', () => {
  it.each(emitters())('%s: on/once/prepend/off/emit/listenerCount/eventNames behave as Node', (_name, e) => {
    const calls: string[] = [];
    e.on('a', (x: number) => calls.push(`a${x}`));
    e.once('b', () => calls.push('b'));
    e.prependListener('a', () => calls.push('first'));
    expect(e.emit('a', 1)).toBe(true);
    expect(e.emit('b')).toBe(true);
    expect(e.emit('b')).toBe(false);
    expect(e.listenerCount('a')).toBe(2);
    expect(e.eventNames()).toEqual(['a']);
    e.removeAllListeners('a');
    expect(e.emit('a', 2)).toBe(false);
    expect(e.eventNames()).toEqual([]);
    e.on('c', () => calls.push('c'));
    e.removeAllListeners();
    expect(e.emit('c')).toBe(false);
    expect(calls).toEqual(['first', 'a1', 'b']);
  });

  it.each(emitters())('%s: events named like Object.prototype members are only what was added', (_name, e) => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(e.listenerCount(name)).toBe(0);
      expect(e.emit(name)).toBe(false);
    }
    let n = 0;
    e.on('__proto__', () => n++);
    e.on('constructor', () => n++);
    expect(e.emit('__proto__')).toBe(true);
    expect(e.emit('constructor')).toBe(true);
    expect(n).toBe(2);
    expect(e.eventNames().sort()).toEqual(['__proto__', 'constructor']);
  });

  it("'error' without a listener still throws; with one it is delivered", () => {
    const [, e] = emitters()[1];
    expect(() => e.emit('error', new Error('boom'))).toThrow('boom');
    const seen: Error[] = [];
    e.on('error', (err: Error) => seen.push(err));
    e.emit('error', new Error('caught'));
    expect(seen.map((x) => x.message)).toEqual(['caught']);
  });
});
