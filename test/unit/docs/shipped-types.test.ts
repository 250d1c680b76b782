/**
 * What a user's TypeScript sees of a face: the `.d.ts` files reachable from a package entry's
 * declarations (following their relative imports). None may carry an `@internal` declaration,
 * and no class among them may declare a handler-style member (`onTextMessage`, `onPeerClose`,
 * …): the core reports to a face through internal objects, never through public methods
 * (DESIGN.md, "Entry points"). They are built with stripInternal, so they must also typecheck for
 * a user who does not skip library checks (nothing stripped that a declaration still needs).
 * Needs dist/ (npm test builds it first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The project's TypeScript (7, the native compiler) has no JS parser API, so the declarations are
// read as the text tsc emits: one member per line, nested types in braces.

const root = new URL('../../../', import.meta.url).pathname;
const dist = join(root, 'dist/cjs');

/** Package entries checked, by their declaration file under dist/cjs. */
const ENTRIES: ReadonlyArray<[entry: string, declarations: string]> = [
  ['qwebsocket', 'index.d.ts'],
  ['qwebsocket/redis', 'brokers/redis.d.ts'],
  ['qwebsocket/ws', 'ws/cjs.d.ts'],
];

/** A declaration file: its path under dist/cjs and its text. */
interface Declarations {
  name: string;
  text: string;
}

/** The declaration files reachable from `start` through relative imports, re-exports and import() types. */
function reachableDeclarations(start: string): Map<string, Declarations> {
  const files = new Map<string, Declarations>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    files.set(file, { name: relative(dist, file), text });
    for (const m of withoutComments(text).matchAll(/\bfrom\s+(['"])(\.[^'"]*)\1|\bimport\(\s*(['"])(\.[^'"]*)\3\s*\)/g)) {
      const spec = m[2] ?? m[4];
      const base = resolve(dirname(file), spec).replace(/\.js$/, '');
      const found = [`${base}.d.ts`, join(base, 'index.d.ts')].find((f) => existsSync(f));
      if (found === undefined) throw new Error(`${relative(dist, file)} imports ${spec}, which has no declaration file`);
      queue.push(found);
    }
  }
  return files;
}

/** The text with comments blanked (line breaks kept, so line numbers stay). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/^\s*\/\/.*$/gm, '');
}

/** `file:line` of every `@internal` tag in the file's comments. */
function internalTags(d: Declarations): string[] {
  return [...d.text.matchAll(/@internal\b/g)].map((m) => `${d.name}:${d.text.slice(0, m.index).split('\n').length}`);
}

/** `Class.member` for every class member named like an event handler (on + a capital letter) or a core query (wants + capital). */
function handlerMembers(d: Declarations): string[] {
  const found: string[] = [];
  let className: string | null = null;
  let depth = 0;
  for (const line of withoutComments(d.text).split('\n')) {
    if (className === null) {
      const c = /^\s*(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?class\s+([\w$]+)/.exec(line);
      if (c === null) continue;
      className = c[1];
      depth = 0;
    } else if (depth === 1) {
      const m = /^\s*(?:(?:static|readonly|protected|public|abstract|get|set|accessor)\s+)*(?:(['"])([^'"]*)\1|([\w$]+))\s*[?!]?\s*[(<:;]/.exec(line);
      const name = m === null ? null : (m[2] ?? m[3]);
      if (name !== null && /^(on|wants)[A-Z]/.test(name)) found.push(`${className}.${name} (${d.name})`);
    }
    for (const ch of line) {
      if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) className = null;
    }
  }
  return found;
}

describe.each(ENTRIES)('the shipped declarations of %s', (_entry, declarations) => {
  const start = join(dist, declarations);

  it('carry no @internal declaration', () => {
    if (!existsSync(start)) throw new Error('dist/ is missing: run `npm run build:ts` first (npm test does)');
    const found = [...reachableDeclarations(start).values()].flatMap(internalTags);
    expect(found).toEqual([]);
  });

  it('declare no handler-style member (on/wants + capital) on any class', () => {
    if (!existsSync(start)) throw new Error('dist/ is missing: run `npm run build:ts` first (npm test does)');
    const files = reachableDeclarations(start);
    // the face's own classes are among them: the check covers what matters
    expect([...files.keys()].some((f) => f.endsWith('qt/WebSocket.d.ts') || f.endsWith('ws/WebSocket.d.ts') || f.endsWith('brokers/redis.d.ts'))).toBe(true);
    const found = [...files.values()].flatMap(handlerMembers);
    expect(found).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find a handler-style member and an @internal tag in a declaration', () => {
    const sample: Declarations = {
      name: 'sample.d.ts',
      text: [
        '/** A sample: onNothing in a comment is not a member. */',
        'export declare class Sample {',
        '    #private;',
        '    /** @internal */',
        '    onTextMessage(m: string): void;',
        '    get onPeerClose(): number;',
        '    get wantsFrames(): boolean;',
        '    onopen: unknown;',
        '    open(options: { onError: () => void; }): void;',
        '}',
        'export declare function onStandalone(): void;',
      ].join('\n'),
    };
    expect(handlerMembers(sample)).toEqual(['Sample.onTextMessage (sample.d.ts)', 'Sample.onPeerClose (sample.d.ts)', 'Sample.wantsFrames (sample.d.ts)']);
    expect(internalTags(sample)).toEqual(['sample.d.ts:4']);
  });
});

describe('the shipped declarations of every entry', () => {
  it('typecheck without skipLibCheck', () => {
    if (!existsSync(join(dist, 'index.d.ts'))) throw new Error('dist/ is missing: run `npm run build:ts` first (npm test does)');
    // every entry's declarations as package.json serves them, require and import conditions
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, { types?: string }> | string> };
    const files = Object.values(pkg.exports).flatMap((v) => (typeof v === 'object' ? Object.values(v).flatMap((c) => (c.types === undefined ? [] : [join(root, c.types)])) : []));
    expect(files.length).toBeGreaterThan(4);
    const dir = mkdtempSync(join(tmpdir(), 'qws-dts-'));
    try {
      const compilerOptions = { strict: true, skipLibCheck: false, noEmit: true, module: 'nodenext', target: 'ES2022', types: ['node'], typeRoots: [join(root, 'node_modules/@types')] };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
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
