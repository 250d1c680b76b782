/**
 * The shipped declarations (dist/cjs, dist/esm) show the documented API of both faces and no
 * plumbing: no public class declares a core callback (`onTextMessage`, `wantsFrames`, … — those go
 * through internal objects, see core/endpoint's EndpointEvents), nothing tagged internal is shipped
 * (tsconfig's stripInternal), and what stripInternal leaves still typechecks for a user who does not
 * skip library checks. Needs dist/ (npm test builds it first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);
type Target = { types: string; default: string };
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { require?: Target; import?: Target } | string> };

/** The package entries: [declaration file, module] per require and import condition. */
function entries(): Array<{ dts: string; js: string }> {
  const out: Array<{ dts: string; js: string }> = [];
  for (const value of Object.values(pkg.exports)) {
    if (typeof value !== 'object') continue;
    for (const t of [value.require, value.import]) if (t !== undefined) out.push({ dts: join(root, t.types), js: join(root, t.default) });
  }
  return out;
}

/** Every declaration file reachable from `start` through `from '…'` and `import('…')`. */
function reachable(start: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...start];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\()\s*'(\.[^']+)'/g)) {
      const base = resolve(dirname(file), m[1].replace(/\.(c|m)?js$/, ''));
      const next = [`${base}.d.ts`, `${base}.d.mts`, join(base, 'index.d.ts')].find((f) => existsSync(f));
      if (next !== undefined) todo.push(next);
    }
  }
  return seen;
}

/** Class name → its member lines, for every `declare class` in `file` (tsc's layout: body ends at a `}` in column 0). */
function classesOf(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^export declare (?:abstract )?class (\w+)/.exec(lines[i]);
    if (m === null) continue;
    const body: string[] = [];
    while (++i < lines.length && lines[i] !== '}') body.push(lines[i]);
    out.set(m[1], [...(out.get(m[1]) ?? []), ...body]);
  }
  return out;
}

/** Members shaped as the core's callbacks; neither Qt's API nor ws's documented one has such a member. */
function handlerMembers(body: readonly string[]): string[] {
  const names: string[] = [];
  for (const line of body) {
    const m = /^ {4}(?:static |readonly |get |set )*((?:on|wants)[A-Z]\w*)\s*[(<:?]/.exec(line);
    if (m !== null) names.push(m[1]);
  }
  return names;
}

/** Names of the classes a module exports at runtime (as their declarations name them). */
function runtimeClasses(js: string): Set<string> {
  const mod = require(js) as Record<string, unknown>;
  const values = [mod, ...Object.values(mod)];
  return new Set(values.filter((v): v is { name: string } => typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v))).map((v) => v.name));
}

function allDeclarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && /\.d\.m?ts$/.test(d.name))
    .map((d) => join(d.parentPath, d.name));
}

// the declarations do not depend on the codec: the QWS_NO_NATIVE=1 rerun of test/unit skips this
describe.skipIf(process.env.QWS_NO_NATIVE === '1')('shipped declarations', () => {
  if (!existsSync(join(root, 'dist/cjs/index.d.ts'))) throw new Error('dist/ is missing: run `npm run build:ts` first (npm test does)');
  const files = reachable(entries().map((e) => e.dts));

  it("declare no core callbacks on either face's public classes", () => {
    const publicNames = new Set(entries().flatMap((e) => [...runtimeClasses(e.js)]));
    const checked: string[] = [];
    const found: string[] = [];
    for (const file of files) {
      for (const [name, body] of classesOf(file)) {
        if (!publicNames.has(name)) continue;
        checked.push(`${relative(root, file)}: ${name}`);
        for (const member of handlerMembers(body)) found.push(`${relative(root, file)}: ${name}.${member}`);
      }
    }
    // the walk reaches both faces' classes (a test that found none would pass for nothing)
    for (const face of ['dist/cjs/qt/WebSocket.d.ts: WebSocket', 'dist/cjs/qt/WebSocketServer.d.ts: WebSocketServer', 'dist/cjs/ws/WebSocket.d.ts: WebSocket', 'dist/cjs/ws/WebSocketServer.d.ts: WebSocketServer']) {
      expect(checked).toContain(face);
    }
    expect(found).toEqual([]);
  });

  it('the callback check sees callbacks where they belong: on the internal events objects', () => {
    const qtEvents = classesOf(join(root, 'dist/cjs/qt/socketEvents.d.ts')).get('SocketEvents') ?? [];
    expect(handlerMembers(qtEvents)).toEqual(expect.arrayContaining(['onTextMessage', 'onPeerClose', 'wantsFrames']));
  });

  it('ship nothing tagged internal', () => {
    const tagged = allDeclarationFiles(join(root, 'dist')).filter((f) => readFileSync(f, 'utf8').includes('@internal'));
    expect(tagged.map((f) => relative(root, f))).toEqual([]);
  });

  it('typecheck without skipLibCheck (nothing stripped that a declaration still needs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qws-dts-'));
    try {
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, module: 'nodenext', target: 'ES2022', types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
          files: entries().map((e) => e.dts),
        }),
      );
      let output = '';
      try {
        execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        output = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || String(e);
      }
      expect(output).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120000);
});
