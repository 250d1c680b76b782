// Source maps in a package must point at files that are in it (a map whose sources are missing
// sends a debugger or a stack-trace tool to a path that does not exist).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Every `*.map` file under `dir`, recursively. */
function mapFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.map'))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/**
 * Checks every source map under `pkgDir`: returns `{ maps, missing }`, where `missing` lists
 * "<map> → <source>" for each source a map names that is absent from `pkgDir` (or outside it).
 */
export function checkSourceMaps(pkgDir) {
  const maps = mapFiles(pkgDir);
  const missing = [];
  for (const map of maps) {
    const { sources = [], sourceRoot = '' } = JSON.parse(readFileSync(map, 'utf8'));
    for (const s of sources) {
      const target = resolve(dirname(map), sourceRoot, s);
      const inside = !relative(pkgDir, target).startsWith('..');
      if (!inside || !existsSync(target)) missing.push(`${relative(pkgDir, map)} → ${s}`);
    }
  }
  return { maps: maps.length, missing };
}
