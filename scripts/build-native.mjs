// Builds the addon for one or more platforms straight from binding.gyp's target (its sources,
// include_dirs, defines, cflags, cflags_cc, libraries and OS/target_arch conditions), with the
// host compiler or a Debian cross-compiler, into prebuilds/<platform>-<arch>/<target>.node:
//   linux-x64    g++ (or $CXX)
//   linux-arm64  aarch64-linux-gnu-g++            (apt-get install g++-aarch64-linux-gnu)
//   win32-x64    x86_64-w64-mingw32-g++-posix     (apt-get install g++-mingw-w64-x86-64-posix)
// Node-API headers come from the running node's include/node (or --headers DIR); a Windows addon
// links against an import library for node.exe made from those headers (see windowsImportLibrary).
// Usage: node scripts/build-native.mjs [--headers DIR] [--out DIR] PLATFORM...
import { execFileSync, execSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts, positionals: platforms } = parseArgs({
  allowPositionals: true,
  options: {
    headers: { type: 'string', default: join(dirname(process.execPath), '..', 'include', 'node') },
    out: { type: 'string', default: join(root, 'prebuilds') },
  },
});

/** How each platform is compiled: gyp's OS/target_arch names, the tools, and the link flags. */
const TOOLCHAINS = {
  'linux-x64': { os: 'linux', arch: 'x64', cxx: process.env.CXX || 'g++', cc: process.env.CC || 'gcc', prefix: '' },
  'linux-arm64': { os: 'linux', arch: 'arm64', cxx: 'aarch64-linux-gnu-g++', cc: 'aarch64-linux-gnu-gcc', prefix: 'aarch64-linux-gnu-' },
  'win32-x64': { os: 'win', arch: 'x64', cxx: 'x86_64-w64-mingw32-g++-posix', cc: 'x86_64-w64-mingw32-gcc-posix', prefix: 'x86_64-w64-mingw32-' },
};

/** binding.gyp is a Python literal; ours stays JSON apart from comments and trailing commas. */
function readGyp() {
  const text = readFileSync(join(root, 'binding.gyp'), 'utf8')
    .replace(/^\s*#.*$/gm, '')
    .replace(/,(\s*[\]}])/g, '$1');
  return JSON.parse(text);
}

/** Evaluates a gyp condition such as `OS=="win" and target_arch=="x64"`. */
function conditionHolds(cond, vars) {
  const js = cond.replace(/\band\b/g, '&&').replace(/\bor\b/g, '||').replace(/\bnot\b/g, '!');
  if (!/^[\w\s"'=!&|()-]*$/.test(js)) throw new Error(`binding.gyp: condition not understood: ${cond}`);
  return Function(...Object.keys(vars), `return (${js});`)(...Object.values(vars));
}

/** The target's settings with the conditions that hold for this platform merged in (lists append). */
function settingsFor(target, vars) {
  const merged = {};
  const merge = (dict) => {
    for (const [key, value] of Object.entries(dict)) {
      if (key === 'conditions') {
        for (const [cond, then, otherwise] of value) {
          if (conditionHolds(cond, vars)) merge(then);
          else if (otherwise) merge(otherwise);
        }
      } else if (Array.isArray(value)) {
        merged[key] = [...(merged[key] ?? []), ...value];
      } else {
        merged[key] = value;
      }
    }
  };
  merge(target);
  return merged;
}

/** Expands gyp's `<!(command)` (a command's output) in an include dir. */
function expand(item) {
  return item.replace(/<!\((.*)\)/, (_, cmd) => execSync(cmd, { cwd: root, encoding: 'utf8' }).trim());
}

function run(cmd, args) {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited with ${code}`))));
  });
}

/** Runs `jobs` (functions returning promises) with at most one per CPU at a time. */
async function pool(jobs) {
  const queue = [...jobs];
  const worker = async () => {
    while (queue.length > 0) await queue.shift()();
  };
  await Promise.all(Array.from({ length: Math.min(cpus().length, queue.length) }, worker));
}

/**
 * An import library for node.exe: every function the Node-API and libuv headers declare
 * (NAPI_EXTERN / UV_EXTERN), imported from node.exe, as node-gyp's node.lib does. Built from the
 * headers, so no node.exe is needed to build; an addon that calls only what NAPI_VERSION allows
 * imports nothing the oldest supported Node lacks.
 */
function windowsImportLibrary(dir) {
  const names = new Set();
  for (const header of ['js_native_api.h', 'node_api.h', 'uv.h', join('uv', 'win.h')]) {
    const file = join(opts.headers, header);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const decl of text.split(';')) {
      if (!/\b(NAPI_EXTERN|UV_EXTERN)\b/.test(decl)) continue;
      const fn = /\b((?:napi|node_api|uv)_\w+)\s*\(/.exec(decl);
      if (fn) names.add(fn[1]);
    }
  }
  if (names.size === 0) throw new Error(`no NAPI_EXTERN declarations in ${opts.headers}`);
  const def = join(dir, 'node.def');
  writeFileSync(def, `LIBRARY node.exe\nEXPORTS\n${[...names].sort().join('\n')}\n`);
  const lib = join(dir, 'libnode.a');
  execFileSync(`${TOOLCHAINS['win32-x64'].prefix}dlltool`, ['-d', def, '-l', lib]);
  return lib;
}

async function build(platform) {
  const tc = TOOLCHAINS[platform];
  if (!tc) throw new Error(`unknown platform ${platform} (known: ${Object.keys(TOOLCHAINS).join(', ')})`);
  if (!existsSync(join(opts.headers, 'node_api.h'))) throw new Error(`no node_api.h in ${opts.headers} (--headers DIR)`);
  const [target] = readGyp().targets;
  const s = settingsFor(target, { OS: tc.os, target_arch: tc.arch });
  const objDir = join(root, 'build', 'cross', platform);
  rmSync(objDir, { recursive: true, force: true });
  mkdirSync(objDir, { recursive: true });
  const common = [
    '-O3', '-fvisibility=hidden', ...(tc.os === 'win' ? [] : ['-fPIC', '-pthread']),
    '-I', opts.headers, ...(s.include_dirs ?? []).map((d) => ['-I', resolve(root, expand(d))]).flat(),
    ...['BUILDING_NODE_EXTENSION', `NODE_GYP_MODULE_NAME=${target.target_name}`, ...(s.defines ?? [])].map((d) => `-D${d}`),
    ...(s.cflags ?? []),
  ];
  const objects = [];
  const jobs = (s.sources ?? []).filter((src) => /\.(cc|cpp|cxx|c)$/.test(src)).map((src) => {
    const obj = join(objDir, src.replace(/[/\\]/g, '_') + '.o');
    objects.push(obj);
    const isC = src.endsWith('.c');
    const args = [...common, ...(isC ? [] : ['-std=c++17', ...(s.cflags_cc ?? [])]), '-c', join(root, src), '-o', obj];
    return () => run(isC ? tc.cc : tc.cxx, args);
  });
  await pool(jobs);
  const outDir = join(opts.out, platform);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${target.target_name}.node`);
  const link = ['-shared', '-s', ...objects, '-o', out];
  // Windows has no MinGW runtime DLLs: link them in. On Linux the shared libstdc++ node itself
  // loads keeps the addon's needs at GLIBC_2.14/GLIBCXX_3.4 (a static one would need glibc 2.35).
  if (tc.os === 'win') link.push('-static', windowsImportLibrary(objDir));
  else link.push('-pthread');
  // gyp's Windows spelling -lfoo.lib is -lfoo to MinGW's ld
  link.push(...(s.libraries ?? []).map((l) => (tc.os === 'win' ? l.replace(/\.lib$/, '') : l)));
  await run(tc.cxx, link);
  console.log(`build-native: ${platform} → ${out.slice(root.length + 1)}`);
}

if (platforms.length === 0) {
  console.error(`usage: node scripts/build-native.mjs [--headers DIR] [--out DIR] ${Object.keys(TOOLCHAINS).join('|')}...`);
  process.exit(2);
}
for (const p of platforms) await build(p);
