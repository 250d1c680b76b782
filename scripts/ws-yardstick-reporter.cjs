'use strict';
// Mocha reporter for scripts/ws-yardstick.mjs: records every test of the file (also those that never ran
// because a hook failed or the process died early) with its outcome and its source text, which the
// yardstick uses to tell public-API tests from those that reach into ws's internals. It writes one JSON
// file (reporter option `out`) at the end of the run and again on exit, so a run cut short still reports.
const fs = require('node:fs');
const Mocha = require('mocha');

const { EVENT_RUN_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } =
  Mocha.Runner.constants;

/**
 * @param {Mocha.Runner} runner
 * @param {{ reporterOptions?: { out?: string } }} options
 */
function YardstickReporter(runner, options) {
  const out = options.reporterOptions && options.reporterOptions.out;
  if (!out) throw new Error('ws-yardstick-reporter needs --reporter-option out=FILE');
  /** @type {Map<Mocha.Test, {title: string, state: string, body: string, error?: string}>} */
  const tests = new Map();
  const hookFailures = [];

  const collect = (suite, hookBodies) => {
    // A test that uses internals only inside a hook of its suite reaches into them too.
    const bodies = hookBodies.concat(
      [suite._beforeAll, suite._beforeEach, suite._afterEach, suite._afterAll].flat().map((h) => h.body),
    );
    for (const test of suite.tests) {
      tests.set(test, { title: test.fullTitle(), state: 'not run', body: [test.body, ...bodies].join('\n') });
    }
    for (const child of suite.suites) collect(child, bodies);
  };
  const entry = (test) => {
    let found = tests.get(test);
    if (!found) {
      found = { title: test.fullTitle(), state: 'not run', body: test.body || '' };
      tests.set(test, found);
    }
    return found;
  };
  const write = () => {
    fs.writeFileSync(out, JSON.stringify({ tests: [...tests.values()], hookFailures }));
  };

  runner.on(EVENT_RUN_BEGIN, () => collect(runner.suite, []));
  runner.on(EVENT_TEST_PASS, (test) => {
    const found = entry(test);
    // An error that surfaces after a test passed is reported against it as a second outcome.
    if (found.state !== 'failed') found.state = 'passed';
  });
  runner.on(EVENT_TEST_PENDING, (test) => {
    entry(test).state = 'skipped';
  });
  runner.on(EVENT_TEST_FAIL, (test, err) => {
    const message = String((err && err.message) || err).split('\n').filter(Boolean).slice(0, 4).join(' | ').slice(0, 400);
    if (test.type === 'hook') {
      hookFailures.push({ title: test.fullTitle(), error: message });
      return;
    }
    const found = entry(test);
    found.state = 'failed';
    found.error = message;
  });
  runner.once(EVENT_RUN_END, write);
  process.once('exit', write);
}

module.exports = YardstickReporter;
