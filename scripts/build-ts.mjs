// Compiles src/ to dist/cjs (CommonJS + declarations) and writes an ESM wrapper in dist/esm that
// re-exports the CommonJS module, so `import` and `require` share ONE instance (no dual-package
// hazard) and both get types.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
writeFileSync(join(root, 'dist', 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');

// one ESM wrapper per package entry: [name in dist/esm, module in dist/cjs, its default export]
// (the ws face's default is its WebSocket class, as ws's; the others' default is the module)
const ENTRIES = [
  ['index', 'index', null],
  ['redis', 'brokers/redis', null],
  ['ws', 'ws/index', 'WebSocket'],
];
mkdirSync(join(root, 'dist', 'esm'), { recursive: true });
for (const [name, cjsPath, defaultName] of ENTRIES) {
  const cjs = require(join(root, 'dist', 'cjs', `${cjsPath}.js`));
  const names = Object.keys(cjs).filter((n) => n !== 'default' && n !== '__esModule').sort();
  writeFileSync(
    join(root, 'dist', 'esm', `${name}.mjs`),
    `// ESM entry: re-exports the CommonJS build (one module instance for import and require).\n` +
      `import cjs from '../cjs/${cjsPath}.js';\n` +
      `export const { ${names.join(', ')} } = cjs;\n` +
      `export default ${defaultName === null ? 'cjs' : `cjs.${defaultName}`};\n`,
  );
  const types = defaultName === null
    ? `export * from '../cjs/${cjsPath}.js';\nimport * as all from '../cjs/${cjsPath}.js';\nexport default all;\n`
    : `export * from '../cjs/${cjsPath}.js';\nexport { default } from '../cjs/${cjsPath}.js';\n`;
  writeFileSync(join(root, 'dist', 'esm', `${name}.d.mts`), types);
  console.log(`build-ts: ${name}: dist/cjs + dist/esm (${names.length} exports)`);
}
