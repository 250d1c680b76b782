'use strict';
// Which of ws's tests reach into ws's own internals, for scripts/ws-yardstick.mjs. Loaded into mocha both
// by the yardstick's reporter (to label each test) and with --require as a root hook that skips those
// tests against any target but ws itself: they cannot pass elsewhere, and one of them, failing, has
// Node's assert render a whole ClientRequest object graph into its message (gigabytes).

/** A Node stream's own members, which a Duplex from any implementation has. */
const NODE_STREAM_MEMBERS = new Set(['_read', '_write', '_final', '_destroy', '_readableState', '_writableState']);

/**
 * Source text of a test with that of the hooks of every suite around it (a hook using internals makes
 * the tests it wraps use them too).
 * @param {import('mocha').Test} test
 */
function sourceOf(test) {
  const parts = [test.body || ''];
  for (let suite = test.parent; suite; suite = suite.parent) {
    for (const hook of [suite._beforeAll, suite._beforeEach, suite._afterEach, suite._afterAll].flat()) {
      if (hook) parts.push(hook.body);
    }
  }
  return parts.join('\n');
}

/**
 * Why a test reaches into ws's internals, or null when it uses only ws's public API (plus the wire-level
 * fixtures the yardstick loads from ws itself: `Sender.frame`, GUID, NOOP, EMPTY_BUFFER by value).
 * @param {string} source
 */
function internalReason(source) {
  const privates = [...source.matchAll(/\.(_[A-Za-z]\w*)/g)].map((m) => m[1]).filter((n) => !NODE_STREAM_MEMBERS.has(n));
  if (privates.length) return `ws private fields (${[...new Set(privates)].join(', ')})`;
  if (/\bkListener\b/.test(source)) return 'ws private symbol kListener';
  if (/instanceof\s+(MessageEvent|CloseEvent|ErrorEvent|Event)\b/.test(source)) return 'instanceof ws unexported event classes';
  if (/\.strictEqual\([^;]*,\s*EMPTY_BUFFER\s*\)/.test(source)) return 'identity of ws private EMPTY_BUFFER';
  return null;
}

/** Root hook (mocha --require): internal tests are skipped unless YARDSTICK_RUN_INTERNAL=1 (ws itself). */
const mochaHooks = {
  beforeEach() {
    if (process.env.YARDSTICK_RUN_INTERNAL !== '1' && internalReason(sourceOf(this.currentTest))) this.skip();
  },
};

module.exports = { sourceOf, internalReason, mochaHooks };
