/**
 * Every relative link and image in the repository's Markdown (README.md, bench/README.md,
 * CHANGELOG.md, docs/**) points at a file inside the repository that exists, and a `#fragment`
 * on a Markdown target names one of its headings. A reader of the repository (or of the npm
 * tarball's README) must never meet a link to a sibling checkout such as ../shared/.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(new URL('../../../', import.meta.url).pathname);

/** The Markdown files a reader of the repository sees. */
function markdownFiles(): string[] {
  const top = ['README.md', 'CHANGELOG.md', 'bench/README.md'].map((f) => join(root, f)).filter((f) => existsSync(f));
  const docs = join(root, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(docs, f))
    : [];
  return [...top, ...inDocs];
}

/** Markdown text without fenced code blocks (links inside them are examples, not links). */
function withoutFences(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Link targets: `[text](target)`, `![alt](target)`, `<a href>`, `<img src>`, and `[ref]: target`. */
function linkTargets(md: string): string[] {
  const text = withoutFences(md).replace(/`[^`\n]*`/g, '');
  const out: string[] = [];
  for (const m of text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]);
  for (const m of text.matchAll(/<(?:a|img)\s[^>]*?(?:href|src)="([^"]+)"/g)) out.push(m[1]);
  for (const m of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) out.push(m[1]);
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Anchors a Markdown file offers: its headings' slugs (numbered when repeated) and explicit ids. */
function anchorsOf(file: string): Set<string> {
  const md = withoutFences(readFileSync(file, 'utf8'));
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of md.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1].replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of md.matchAll(/\s(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

/** Why a relative link from `file` does not resolve, or null when it does. */
function brokenLink(file: string, target: string): string | null {
  const [pathPart, fragment] = target.split('#', 2) as [string, string | undefined];
  const path = decodeURIComponent(pathPart.split('?')[0]);
  const dest = path === '' ? file : resolve(dirname(file), path);
  const rel = relative(root, dest);
  if (rel.startsWith('..')) return 'points outside the repository';
  if (!existsSync(dest)) return 'no such file';
  if (fragment && dest.endsWith('.md') && statSync(dest).isFile() && !anchorsOf(dest).has(fragment)) return `no heading #${fragment} in ${rel}`;
  return null;
}

describe('Markdown links', () => {
  const files = markdownFiles();

  it('finds the README and the docs it links', () => {
    expect(files.map((f) => relative(root, f))).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'docs/DESIGN.md']));
  });

  it('every relative link and image resolves inside the repository', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const target of linkTargets(readFileSync(file, 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: — not a file in the repository
        checked++;
        const why = brokenLink(file, target);
        if (why !== null) broken.push(`${relative(root, file)}: (${target}) ${why}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(files.length); // the scan found links at all
  });

  it('no file names a path outside the repository in code spans either', () => {
    const outside: string[] = [];
    for (const file of files) {
      for (const m of withoutFences(readFileSync(file, 'utf8')).matchAll(/`(\.\.\/[^`\s]+)`/g)) {
        const dest = resolve(dirname(file), m[1]);
        if (relative(root, dest).startsWith('..')) outside.push(`${relative(root, file)}: ${m[1]}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('the checker itself tells a broken link from a good one', () => {
    const readme = join(root, 'README.md');
    expect(brokenLink(readme, 'docs/DESIGN.md')).toBeNull();
    expect(brokenLink(readme, '../shared/DESIGN.md')).toBe('points outside the repository');
    expect(brokenLink(readme, 'docs/no-such-file.md')).toBe('no such file');
    expect(brokenLink(readme, '#no-such-heading-here')).toMatch(/^no heading/);
    expect(linkTargets('see [a](x.md), ![b](y.svg "t"), `[c](z.md)`, <img src="w.png">\n```\n[d](v.md)\n```\n[e]: u.md')).toEqual(['x.md', 'y.svg', 'w.png', 'u.md']);
  });
});
