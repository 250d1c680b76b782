#!/usr/bin/env node
// The yardstick of issue #15: runs the public-API tests of the `ws` package (from its own repository, at a
// pinned 8.x release) against a target module, outside the project tree, and counts how many pass.
//
//   node scripts/ws-yardstick.mjs <ws-git-dir> [--target face|ws|<module path>] [--json FILE] [--keep]
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
// with the reason printed.
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

/** A Node stream's own members, which a Duplex from any implementation has. */
const NODE_STREAM_MEMBERS = new Set(['_read', '_write', '_final', '_destroy', '_readableState', '_writableState']);

/** Why a test reaches into ws's internals, or null when it uses only the public API. */
function internalReason(body) {
  const privates = [...body.matchAll(/\.(_[A-Za-z]\w*)/g)].map((m) => m[1]).filter((n) => !NODE_STREAM_MEMBERS.has(n));
  if (privates.length) return `ws private fields (${[...new Set(privates)].join(', ')})`;
  if (/\bkListener\b/.test(body)) return 'ws private symbol kListener';
  if (/instanceof\s+(MessageEvent|CloseEvent|ErrorEvent|Event)\b/.test(body)) return 'instanceof ws unexported event classes';
  if (/\.strictEqual\([^;]*,\s*EMPTY_BUFFER\s*\)/.test(body))     return 'identity of ws private EMPTY_BUFFER';
  return null;
}

function parseArgs(argv) {
  const args = { repo: null, target: 'face', json: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--target') args.target = argv[++i];
    else if (arg === '--json') args.json = argv[++i];
    else if (arg === '--keep') args.keep = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else args.repo = arg;
  }
  if (!args.repo) throw new Error('usage: ws-yardstick.mjs <ws-git-dir> [--target face|ws|<module>] [--json FILE] [--keep]');
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
  let rewritten = source
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

/** Runs one test file under mocha in its own process; resolves to the reporter's JSON. */
function runFile(wsDir, file, outFile) {
  const mocha = path.join(projectRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const reporter = path.join(projectRoot, 'scripts', 'ws-yardstick-reporter.cjs');
  const args = [mocha, '--reporter', reporter, '--reporter-option', `out=${outFile}`, '--timeout', '10000', '--exit', file];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: wsDir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    // A file that hangs past this is cut off; what it reported before counts, the rest counts as not run.
    const guard = setTimeout(() => child.kill('SIGTERM'), 20 * 60 * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      let result = { tests: [], hookFailures: [] };
      if (fs.existsSync(outFile)) result = JSON.parse(fs.readFileSync(outFile, 'utf8'));
      resolve({ ...result, code, signal, stderr });
    });
  });
}

function summarize(file, result, baseline) {
  const rows = result.tests.map((t) => ({ ...t, internal: internalReason(t.body) }));
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
    stderr: result.tests.length ? '' : result.stderr,
  };
}

/** Runs every public file against `target`; `label` keeps each run's rewritten copies apart. */
async function runAll(work, wsDir, target, label, baseline) {
  const summaries = [];
  /** @type {Map<string, Set<string>>} titles of the tests that passed, per file */
  const passing = new Map();
  for (const file of PUBLIC_FILES) {
    const source = fs.readFileSync(path.join(wsDir, file), 'utf8');
    const copy = file.replace(/\.test\.js$/, `.${label}.test.js`);
    fs.writeFileSync(path.join(wsDir, copy), rewriteRequires(source, file, target));
    const result = await runFile(wsDir, copy, path.join(work, `${path.basename(copy)}.json`));
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
        `; internal ${s.internal.passed}/${s.internal.total} passed (not counted); exit ${s.exit}`,
    );
    for (const t of s.failing) console.log(`  FAIL ${t.title}${t.error ? ` -- ${t.error}` : ` (${t.state})`}`);
    for (const t of s.brokenOnWs) console.log(`  NOT COUNTED (fails against ws itself here): ${t.title} (${t.state})`);
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
  const target = resolveTarget(args.target, wsDir);
  console.log(`ws ${PINNED_VERSION} (${PINNED_COMMIT.slice(0, 8)}) public-API tests against ${target}`);
  console.log(`node ${process.version}, work dir ${work}`);

  let baseline = null;
  if (target !== wsItself) {
    // The same files against ws itself first, so that what fails on this Node for ws too is set apart.
    baseline = (await runAll(work, wsDir, wsItself, 'ws', null)).passing;
  }
  const { summaries } = await runAll(work, wsDir, target, 'target', baseline);
  report(summaries);
  if (args.json) fs.writeFileSync(args.json, JSON.stringify({ version: PINNED_VERSION, target, summaries }, null, 2));
  if (!args.keep) fs.rmSync(work, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(`ws-yardstick: ${err.message}`);
  process.exit(1);
});
