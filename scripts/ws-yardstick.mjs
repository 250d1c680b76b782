#!/usr/bin/env node
// The yardstick of issue #15: runs the public-API tests of the `ws` package (from its own repository, at a
// pinned 8.x release) against a target module, outside the project tree, and counts how many pass.
//
//   node scripts/ws-yardstick.mjs <ws-git-dir> [--target face|ws|<module path>] [--json FILE] [--keep]
//                                 [--only websocket-server.test.js]
//
// <ws-git-dir> is a clone or bare mirror of the websockets/ws repository (the workplace's fetch tool
// prints such a path). Nothing of ws is committed here: the test files of the pinned commit are exported
// into a temporary directory, their `require('..')` of the public API is pointed at the target, and mocha
// (a devDependency) runs each file in a process of its own.
//
// Targets: `face` (default) is this package's built `qwebsocket/ws` (run `npm run build:ts` first);
// `ws` is ws itself at the same commit, which validates the harness: every public test must pass there.
//
// Public vs internal: ws's tests also build raw frames with its `lib/sender` (`Sender.frame`) and use a few
// of its constants; those helpers are loaded from ws's own checkout, never from the target, as wire-level
// fixtures. A test that reads or writes ws's private state (`ws._socket`, `wss._server`, ...), its private
// symbols (`kListener`), its unexported event classes or the identity of its private EMPTY_BUFFER cannot
// pass against any other implementation: it is counted as "internal", apart from the public-API count,
// with the reason printed, and run only against ws itself (scripts/ws-yardstick-internals.cjs).
// When the target is not ws, the same files run against ws first: a test that fails there too (this
// Node's behaviour changed under it) is listed and not counted.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** ws 8.21.0, the newest 8.x release in the mirror when the yardstick was written. */
const PINNED_COMMIT = 'bca91adf15677e47dbe4f959653452727be28b94';
const PINNED_VERSION = '8.21.0';

/** Test files that exercise ws only through its public API (with the fixtures named above). */
const PUBLIC_FILES = ['test/websocket.test.js', 'test/websocket-server.test.js', 'test/create-websocket-stream.test.js'];

/** The other test files of the repository, and why none of them can say anything about a target. */
const EXCLUDED_FILES = {
  'test/buffer-util.test.js': 'unit test of lib/buffer-util',
  'test/event-target.test.js': 'unit test of lib/event-target (ws does not export these classes)',
  'test/extension.test.js': 'unit test of lib/extension (header parser)',
  'test/limiter.test.js': 'unit test of lib/limiter',
  'test/permessage-deflate.test.js': 'unit test of lib/permessage-deflate',
  'test/receiver.test.js': 'unit test of lib/receiver',
  'test/sender.test.js': 'unit test of lib/sender',
  'test/subprotocol.test.js': 'unit test of lib/subprotocol',
  'test/validation.test.js': 'unit test of lib/validation',
  'test/websocket.integration.js': 'talks to a public echo server on the internet',
  'test/autobahn.js': 'Autobahn driver, needs the Autobahn test suite',
};

function parseArgs(argv) {
  const args = { repo: null, target: 'face', json: null, keep: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--target') args.target = argv[++i];
    else if (arg === '--json') args.json = argv[++i];
    else if (arg === '--keep') args.keep = true;
    else if (arg === '--only') args.only = argv[++i];
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else args.repo = arg;
  }
  if (!args.repo) throw new Error('usage: ws-yardstick.mjs <ws-git-dir> [--target face|ws|<module>] [--json FILE] [--keep] [--only FILE]');
  return args;
}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Absolute path of the module the tests will require in place of ws. */
function resolveTarget(target, wsDir) {
  if (target === 'ws') return path.join(wsDir, 'index.js');
  if (target === 'face') {
    const resolved = createRequire(path.join(projectRoot, 'package.json')).resolve('qwebsocket/ws');
    if (!fs.existsSync(resolved)) throw new Error(`${resolved} is missing: run npm run build:ts first`);
    return resolved;
  }
  return createRequire(path.join(process.cwd(), 'noop.js')).resolve(path.resolve(target));
}

/** Points the test file's public-API requires at the target; ws's own fixtures stay ws's. */
function rewriteRequires(source, file, target) {
  const targetLiteral = JSON.stringify(target);
  const rewritten = source
    .replace(/require\('\.\.\/?'\)/g, `require(${targetLiteral})`)
    .replace(/require\('\.\.\/lib\/stream'\)/g, `require(${targetLiteral}).createWebSocketStream`);
  const leftover = [...rewritten.matchAll(/require\('\.\.\/lib\/([\w-]+)'\)/g)].map((m) => m[1]);
  const fixtures = new Set(['sender', 'constants', 'event-target']);
  const unexpected = leftover.filter((name) => !fixtures.has(name));
  if (unexpected.length) throw new Error(`${file} requires ws internals not known to the yardstick: ${unexpected.join(', ')}`);
  return rewritten;
}

function exportPinnedTree(repo, dir) {
  try {
    execFileSync('git', ['-C', repo, 'cat-file', '-e', `${PINNED_COMMIT}^{commit}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${repo} has no commit ${PINNED_COMMIT} (ws ${PINNED_VERSION}); use a newer clone or mirror`);
  }
  const tar = execFileSync('git', ['-C', repo, 'archive', PINNED_COMMIT, 'index.js', 'package.json', 'lib', 'test'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
}

const MEMORY_CAP = 2 * 1024 * 1024 * 1024;

/** Resident set size of a process in bytes (0 where /proc is not there or the process is gone). */
function residentBytes(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Folds the reporter's JSON lines into one row per test; a failure outranks a pass reported for the same test. */
function readReport(outFile) {
  const tests = [];
  const hookFailures = [];
  const lines = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8').split('\n').filter(Boolean) : [];
  let running = null;
  for (const record of lines.map((l) => JSON.parse(l))) {
    if (record.kind === 'begin') running = record.id;
    else if (record.kind === 'test') tests[record.id] = { title: record.title, internal: record.internal, state: 'not run' };
    else if (record.kind === 'hook') hookFailures.push({ title: record.title, error: record.error });
    else if (tests[record.id].state !== 'failed') Object.assign(tests[record.id], { state: record.state, error: record.error });
  }
  // The test that was running when the process ended, if it never finished.
  const last = running !== null && tests[running].state === 'not run' ? tests[running].title : null;
  return { tests, hookFailures, last };
}

/** Runs one test file under mocha in its own process; resolves to the reporter's JSON. */
function runFile(wsDir, file, outFile, runInternal) {
  const mocha = path.join(projectRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const reporter = path.join(projectRoot, 'scripts', 'ws-yardstick-reporter.cjs');
  const hooks = path.join(projectRoot, 'scripts', 'ws-yardstick-internals.cjs');
  const args = [mocha, '--require', hooks, '--reporter', reporter, '--reporter-option', `out=${outFile}`, '--timeout', '10000', '--exit', file];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: wsDir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, YARDSTICK_RUN_INTERNAL: runInternal ? '1' : '0' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    // A file that hangs past this, or grows past MEMORY_CAP, is cut off: what it reported before counts,
    // the rest counts as not run. The cap keeps a runaway target from taking the machine down.
    let killedFor = null;
    const guard = setTimeout(() => {
      killedFor = 'time';
      child.kill('SIGKILL');
    }, 20 * 60 * 1000);
    const memoryWatch = setInterval(() => {
      if (residentBytes(child.pid) > MEMORY_CAP) {
        killedFor = `memory over ${MEMORY_CAP / 2 ** 20} MiB`;
        child.kill('SIGKILL');
      }
    }, 250);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      clearInterval(memoryWatch);
      if (killedFor) stderr += `\nkilled by the yardstick: ${killedFor}`;
      resolve({ ...readReport(outFile), code, signal, stderr });
    });
  });
}

function summarize(file, result, baseline) {
  const rows = result.tests;
  const count = (list, state) => list.filter((t) => t.state === state).length;
  const internalRows = rows.filter((t) => t.internal);
  // A test that fails against ws itself on this machine says nothing about the target.
  const brokenRows = rows.filter((t) => !t.internal && baseline && !baseline.has(t.title));
  const publicRows = rows.filter((t) => !t.internal && !brokenRows.includes(t));
  return {
    file,
    public: { total: publicRows.length, passed: count(publicRows, 'passed'), skipped: count(publicRows, 'skipped') },
    internal: { total: internalRows.length, passed: count(internalRows, 'passed') },
    failing: publicRows
      .filter((t) => t.state === 'failed' || t.state === 'not run')
      .map((t) => ({ title: t.title, state: t.state, error: t.error })),
    brokenOnWs: brokenRows.map((t) => ({ title: t.title, state: t.state })),
    internalTests: internalRows.map((t) => ({ title: t.title, reason: t.internal, state: t.state })),
    hookFailures: result.hookFailures,
    exit: result.signal ? `signal ${result.signal}` : `code ${result.code}`,
    stderr: result.signal || !result.tests.length ? result.stderr : '',
    last: result.last,
  };
}

/** Runs every public file against `target`; `label` keeps each run's rewritten copies apart. */
async function runAll(work, wsDir, files, target, label, baseline) {
  const summaries = [];
  /** @type {Map<string, Set<string>>} titles of the tests that passed, per file */
  const passing = new Map();
  for (const file of files) {
    const source = fs.readFileSync(path.join(wsDir, file), 'utf8');
    const copy = file.replace(/\.test\.js$/, `.${label}.test.js`);
    fs.writeFileSync(path.join(wsDir, copy), rewriteRequires(source, file, target));
    const result = await runFile(wsDir, copy, path.join(work, `${path.basename(copy)}.json`), target === path.join(wsDir, 'index.js'));
    summaries.push(summarize(file, result, baseline && baseline.get(file)));
    passing.set(file, new Set(result.tests.filter((t) => t.state === 'passed').map((t) => t.title)));
  }
  return { summaries, passing };
}

function report(summaries) {
  for (const s of summaries) {
    const p = s.public;
    console.log(
      `\n${s.file}: public ${p.passed}/${p.total - p.skipped} passed` +
        (p.skipped ? ` (${p.skipped} skipped by the test itself)` : '') +
        `; internal ${s.internal.total} (${s.internal.passed} passed; not counted); exit ${s.exit}`,
    );
    for (const t of s.failing) console.log(`  FAIL ${t.title}${t.error ? ` -- ${t.error}` : ` (${t.state})`}`);
    for (const t of s.brokenOnWs) console.log(`  NOT COUNTED (fails against ws itself here): ${t.title} (${t.state})`);
    if (s.last) console.log(`  RUNNING when the process ended: ${s.last}`);
    for (const h of s.hookFailures) console.log(`  HOOK ${h.title} -- ${h.error}`);
    if (s.stderr) console.log(`  stderr: ${s.stderr.trim().split('\n').slice(-5).join('\n  ')}`);
  }
  console.log('\nExcluded as internal (they reach into ws itself, so no other implementation can pass them):');
  for (const s of summaries) for (const t of s.internalTests) console.log(`  ${s.file}: ${t.title} -- ${t.reason}`);
  console.log('Excluded files:');
  for (const [file, why] of Object.entries(EXCLUDED_FILES)) console.log(`  ${file} -- ${why}`);

  const sum = (pick) => summaries.reduce((n, s) => n + pick(s), 0);
  const total = sum((s) => s.public.total - s.public.skipped);
  const passed = sum((s) => s.public.passed);
  const pct = total ? ((100 * passed) / total).toFixed(1) : '0.0';
  console.log(
    `\npublic-API tests: ${passed}/${total} passed (${pct}%); ${sum((s) => s.internal.total)} internal excluded` +
      `; ${sum((s) => s.brokenOnWs.length)} failing against ws itself not counted`,
  );
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-yardstick-'));
  const wsDir = path.join(work, 'ws');
  fs.mkdirSync(wsDir);
  exportPinnedTree(path.resolve(args.repo), wsDir);
  const wsItself = path.join(wsDir, 'index.js');
  const files = PUBLIC_FILES.filter((f) => !args.only || path.basename(f) === args.only);
  if (!files.length) throw new Error(`--only ${args.only}: not one of ${PUBLIC_FILES.join(', ')}`);
  const target = resolveTarget(args.target, wsDir);
  console.log(`ws ${PINNED_VERSION} (${PINNED_COMMIT.slice(0, 8)}) public-API tests against ${target}`);
  console.log(`node ${process.version}, work dir ${work}`);

  let baseline = null;
  if (target !== wsItself) {
    // The same files against ws itself first, so that what fails on this Node for ws too is set apart.
    baseline = (await runAll(work, wsDir, files, wsItself, 'ws', null)).passing;
  }
  const { summaries } = await runAll(work, wsDir, files, target, 'target', baseline);
  report(summaries);
  if (args.json) fs.writeFileSync(args.json, JSON.stringify({ version: PINNED_VERSION, target, summaries }, null, 2));
  if (!args.keep) fs.rmSync(work, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(`ws-yardstick: ${err.message}`);
  process.exit(1);
});
