'use strict';
// Mocha reporter for scripts/ws-yardstick.mjs: records every test of the file (also those that never ran
// because a hook failed or the process died), whether it reaches into ws's internals and why, and each
// outcome as it happens. The file
// (reporter option `out`) is JSON lines appended synchronously, so a process that is killed or crashes
// in its exception handler still leaves everything it got to.
const fs = require('node:fs');
const Mocha = require('mocha');
const { internalReason, sourceOf } = require('./ws-yardstick-internals.cjs');

const { EVENT_RUN_BEGIN, EVENT_TEST_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

/**
 * @param {Mocha.Runner} runner
 * @param {{ reporterOptions?: { out?: string } }} options
 */
function YardstickReporter(runner, options) {
  const out = options.reporterOptions && options.reporterOptions.out;
  if (!out) throw new Error('ws-yardstick-reporter needs --reporter-option out=FILE');
  /** @type {Map<Mocha.Runnable, number>} */
  const ids = new Map();
  const line = (record) => fs.appendFileSync(out, JSON.stringify(record) + '\n');

  const declare = (test) => {
    ids.set(test, ids.size);
    line({ kind: 'test', id: ids.get(test), title: test.fullTitle(), internal: internalReason(sourceOf(test)) });
  };
  const collect = (suite) => {
    for (const test of suite.tests) declare(test);
    for (const child of suite.suites) collect(child);
  };
  const outcome = (test, state, error) => {
    if (!ids.has(test)) declare(test);
    line({ kind: 'outcome', id: ids.get(test), state, error });
  };

  runner.on(EVENT_RUN_BEGIN, () => collect(runner.suite));
  // So that a process killed mid-test says which test it was in.
  runner.on(EVENT_TEST_BEGIN, (test) => {
    if (!ids.has(test)) declare(test);
    line({ kind: 'begin', id: ids.get(test) });
  });
  runner.on(EVENT_TEST_PASS, (test) => outcome(test, 'passed'));
  runner.on(EVENT_TEST_PENDING, (test) => outcome(test, 'skipped'));
  runner.on(EVENT_TEST_FAIL, (test, err) => {
    const message = String((err && err.message) || err)
      .split('\n')
      .filter(Boolean)
      .slice(0, 4)
      .join(' | ')
      .slice(0, 400);
    if (test.type === 'hook') line({ kind: 'hook', title: test.fullTitle(), error: message });
    else outcome(test, 'failed', message);
  });
}

module.exports = YardstickReporter;
