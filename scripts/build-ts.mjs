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

const cjs = require(join(root, 'dist', 'cjs', 'index.js'));
const names = Object.keys(cjs).filter((n) => n !== 'default' && n !== '__esModule').sort();
mkdirSync(join(root, 'dist', 'esm'), { recursive: true });
writeFileSync(
  join(root, 'dist', 'esm', 'index.mjs'),
  `// ESM entry: re-exports the CommonJS build (one module instance for import and require).\n` +
    `import cjs from '../cjs/index.js';\n` +
    `export const { ${names.join(', ')} } = cjs;\n` +
    `export default cjs;\n`,
);
writeFileSync(join(root, 'dist', 'esm', 'index.d.mts'), `export * from '../cjs/index.js';\nimport * as all from '../cjs/index.js';\nexport default all;\n`);
console.log(`build-ts: dist/cjs + dist/esm (${names.length} exports)`);
