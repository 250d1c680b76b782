#!/usr/bin/env node
// The package's `install` script: it never fails the install. A prebuilt addon that loads is
// used as is; without one, a source build is tried only when a C++ toolchain is on hand (a
// compiler, make and python, which node-gyp needs); without a toolchain, or when the build
// fails, the install succeeds and the TypeScript codec serves (nativeStatus() says why).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const say = (msg) => console.log(`qwebsocket: ${msg}`);

/** Loads the addon the way the library does; returns the error, or null when it loads. */
function loadError() {
  try {
    require('node-gyp-build')(root);
    return null;
  } catch (e) {
    return e;
  }
}

/** First of `names` found as an executable file on PATH, or null. */
function onPath(names) {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT || '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      for (const ext of exts) {
        const file = path.join(dir, name + ext);
        try {
          fs.accessSync(file, fs.constants.X_OK);
          if (fs.statSync(file).isFile()) return file;
        } catch {
          // not here
        }
      }
    }
  }
  return null;
}

/** node-gyp's entry script: npm's own copy (npm_config_node_gyp) or an installed one. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fs.existsSync(fromNpm)) return fromNpm;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

/** What a source build lacks here, as words (empty when nothing is missing). */
function missingTools() {
  const missing = [];
  if (!nodeGyp()) missing.push('node-gyp');
  const python = process.env.npm_config_python || process.env.PYTHON;
  if (!(python && fs.existsSync(python)) && !onPath(['python3', 'python'])) missing.push('python');
  // on Windows node-gyp finds Visual Studio by itself; elsewhere it needs make and a C++ compiler
  if (process.platform !== 'win32') {
    if (!onPath(['make', 'gmake'])) missing.push('make');
    const cxx = process.env.CXX;
    if (!(cxx && onPath([cxx])) && !onPath(['c++', 'g++', 'clang++'])) missing.push('a C++ compiler');
  }
  return missing;
}

function main() {
  if (process.env.QWS_NO_NATIVE === '1') return say('QWS_NO_NATIVE=1: no native addon, the TypeScript codec serves');
  const first = loadError();
  if (first === null) return;  // a prebuild (or an earlier local build) loads: nothing to do
  const where = `${process.platform}-${process.arch}`;
  const missing = missingTools();
  if (missing.length > 0) {
    return say(`no prebuilt addon for ${where} loads, and a source build needs ${missing.join(', ')}; the TypeScript codec serves`);
  }
  say(`no prebuilt addon for ${where} loads; building it from source`);
  const build = spawnSync(process.execPath, [nodeGyp(), 'rebuild'], { cwd: root, stdio: 'inherit' });
  if (build.status === 0 && loadError() === null) return say('native addon built');
  fs.rmSync(path.join(root, 'build'), { recursive: true, force: true });
  say('the source build failed (output above); the TypeScript codec serves');
}

main();
