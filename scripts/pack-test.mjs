// Proves the npm tarball works where npm 11 runs no install scripts and no compiler exists:
// pack, install the tarball into an empty folder with --ignore-scripts, then require() and
// import() it and check that the native addon (from prebuilds/) is the active codec.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
try {
  const out = execFileSync('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const info = JSON.parse(out.slice(out.indexOf('[')))[0];
  const files = info.files.map((f) => f.path);
  for (const want of ['prebuilds/linux-x64/qwebsocket.node', 'dist/cjs/index.js', 'dist/esm/index.mjs', 'dist/cjs/index.d.ts', 'dist/esm/index.d.mts', 'dist/cjs/brokers/redis.js', 'dist/esm/redis.mjs', 'dist/esm/redis.d.mts']) {
    if (!files.includes(want)) fail(`tarball lacks ${want}`);
  }
  const tgz = join(dir, info.filename);
  const app = join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  // no install scripts, and a PATH holding only `node`: no compiler, make or python to build with
  const bin = join(dir, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  execFileSync('ln', ['-s', process.execPath, join(bin, 'node')]);
  const env = { ...process.env, PATH: bin };
  const npmCli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  execFileSync(process.execPath, [npmCli, 'install', '--ignore-scripts', '--no-audit', '--no-fund', tgz], {
    cwd: app,
    env,
    stdio: 'inherit',
  });
  const pkg = join(app, 'node_modules', 'qwebsocket');
  if (existsSync(join(pkg, 'build'))) fail('a build/ folder appeared: something compiled');
  // the faces' public classes carry no core callbacks (they go through internal objects)
  const internal = /\b(onTextMessage|onBinaryMessage|onTextFrame|onBinaryFrame|onPeerClose|onProtocolError|onSocketError|onClosed|onReadFinished|onBytesWritten|wantsFrames|wantsBytesWritten)\b/;
  for (const face of ['dist/cjs/qt/WebSocket.d.ts', 'dist/cjs/qt/WebSocketServer.d.ts']) {
    const hit = internal.exec(readFileSync(join(pkg, face), 'utf8'));
    if (hit !== null) fail(`${face} declares the internal member ${hit[1]}`);
  }
  const sourceMaps = checkSourceMaps(pkg);
  if (sourceMaps.maps === 0) fail('no source maps in the tarball (tsconfig sourceMap is on)');
  if (sourceMaps.missing.length > 0) fail(`source maps point to files not in the tarball: ${sourceMaps.missing.slice(0, 5).join(', ')}`);
  const cjs = execFileSync(process.execPath, ['-e', "const q = require('qwebsocket'); console.log(q.codecImplementation(), typeof q.WebSocket, typeof q.WebSocketServer)"], { cwd: app, env, encoding: 'utf8' }).trim();
  const esm = execFileSync(process.execPath, ['--input-type=module', '-e', "import { codecImplementation, WebSocket } from 'qwebsocket'; console.log(codecImplementation(), typeof WebSocket)"], { cwd: app, env, encoding: 'utf8' }).trim();
  // qwebsocket/redis loads without its optional peer `redis` and says what is missing when used
  const redisProbe = "try { new RedisBroker({ url: 'redis://127.0.0.1:1' }); console.log('constructed'); } catch (e) { console.log(typeof RedisBroker, /npm install redis/.test(e.message)); }";
  const redisCjs = execFileSync(process.execPath, ['-e', `const { RedisBroker } = require('qwebsocket/redis'); ${redisProbe}`], { cwd: app, env, encoding: 'utf8' }).trim();
  const redisEsm = execFileSync(process.execPath, ['--input-type=module', '-e', `import { RedisBroker } from 'qwebsocket/redis'; ${redisProbe}`], { cwd: app, env, encoding: 'utf8' }).trim();
  if (redisCjs !== 'function true') fail(`require qwebsocket/redis: ${redisCjs}`);
  if (redisEsm !== 'function true') fail(`import qwebsocket/redis: ${redisEsm}`);
  if (cjs !== 'native function function') fail(`require: ${cjs}`);
  if (esm !== 'native function') fail(`import: ${esm}`);
  console.log(`pack-test: OK — ${info.filename} (${files.length} files, ${(info.size / 1024).toFixed(0)} KiB); require → ${cjs}; import → ${esm}; qwebsocket/redis without redis → clear error; installed with --ignore-scripts and only node on PATH, prebuilds: ${readdirSync(join(pkg, 'prebuilds')).join(',')}; ${sourceMaps.maps} source maps resolve`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
