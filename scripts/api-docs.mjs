// `npm run docs`: the API reference in docs/api/, generated from the TSDoc of the shipped
// declarations (dist/cjs/*.d.ts, so build:ts first). API Extractor reads each package entry
// (package.json `exports`) into its doc model; this script writes one Markdown page per entry
// and an index, so the reference reads on any Git host and in the repository itself.
// `--verbose` lists API Extractor's TSDoc warnings. `--check`: write nothing, exit 1 when docs/api/ differs from what would be generated
// (test/unit/docs/api-docs.test.ts runs it, so a changed export fails until `npm run docs`).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');
const { ApiModel, ApiItemKind } = require('@microsoft/api-extractor-model');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'docs', 'api');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const check = process.argv.includes('--check');
const verbose = process.argv.includes('--verbose');

/** The package's entries: import name, page file name, declaration file. */
function entries() {
  return Object.entries(pkg.exports)
    .filter(([, v]) => typeof v === 'object' && v.require?.types)
    .map(([key, v]) => {
      const name = key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`;
      // qwebsocket/ws's require types are `export = WebSocket` (as ws's), which API Extractor
      // cannot read: its named exports are documented from the ES-style module behind it
      const dts = key === './ws' ? 'dist/cjs/ws/index.d.ts' : v.require.types;
      return { name, page: `${name.replace(/\//g, '-')}.md`, dts: join(root, dts), js: join(root, v.require.default) };
    });
}

/** Runs API Extractor on one declaration file; returns the loaded doc-model package and the warnings. */
function extract(dts, tmp) {
  if (!existsSync(dts)) throw new Error(`${relative(root, dts)} is missing: run \`npm run build:ts\` first (npm run docs does)`);
  const apiJson = join(tmp, `${relative(root, dts).replace(/[/\\]/g, '_')}.api.json`);
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: dts,
      compiler: { tsconfigFilePath: join(root, 'tsconfig.json') },
      apiReport: { enabled: false },
      docModel: { enabled: true, apiJsonFilePath: apiJson },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        extractorMessageReporting: { default: { logLevel: 'warning' }, 'ae-missing-release-tag': { logLevel: 'none' } },
        tsdocMessageReporting: { default: { logLevel: 'warning' } },
      },
    },
    configObjectFullPath: join(root, 'api-extractor.json'), // not read: anchors relative paths
    packageJsonFullPath: join(root, 'package.json'),
  });
  const warnings = [];
  const result = Extractor.invoke(config, {
    localBuild: true,
    messageCallback: (m) => {
      if (m.logLevel === 'warning' || m.logLevel === 'error') warnings.push(`${m.sourceFilePath ? relative(root, m.sourceFilePath) + ':' + m.sourceFileLine + ' ' : ''}${m.text}`);
      m.handled = true;
    },
  });
  if (!result.succeeded) throw new Error(`API Extractor failed on ${relative(root, dts)}:\n${warnings.join('\n')}`);
  return { apiPackage: new ApiModel().loadPackage(apiJson), warnings };
}

// ---- TSDoc → Markdown -----------------------------------------------------------------------

const escapeText = (s) => s.replace(/([\\`*_[\]<>|])/g, '\\$1');

/** Markdown for a TSDoc node (a section, paragraph or inline node). */
function md(node) {
  if (node === undefined) return '';
  switch (node.kind) {
    case 'PlainText':
      return escapeText(node.text);
    case 'EscapedText':
      return escapeText(node.decodedText);
    case 'ErrorText':
      return escapeText(node.text);
    case 'SoftBreak':
      return ' ';
    case 'CodeSpan':
      return '`' + node.code + '`';
    case 'FencedCode':
      return `\n\`\`\`${node.language}\n${node.code.replace(/\n$/, '')}\n\`\`\`\n\n`;
    case 'LinkTag': {
      if (node.urlDestination) return `[${escapeText(node.linkText ?? node.urlDestination)}](${node.urlDestination})`;
      const target = node.codeDestination?.memberReferences.map((r) => r.memberIdentifier?.identifier ?? '').join('.');
      return '`' + (node.linkText ?? target ?? '') + '`';
    }
    case 'HtmlStartTag':
    case 'HtmlEndTag':
      return node.emitAsHtml();
    case 'Paragraph':
      return node.getChildNodes().map(md).join('').trim() + '\n\n';
    default:
      return node.getChildNodes().map(md).join('');
  }
}

const oneLine = (s) => s.replace(/\s+/g, ' ').trim();

/** The documentation of one item: summary, parameters, returns, throws, remarks, examples. */
function docOf(item) {
  const c = item.tsdocComment;
  if (c === undefined) return '';
  const out = [];
  const summary = md(c.summarySection).trim();
  if (summary) out.push(summary);
  if (c.deprecatedBlock) out.push(`**Deprecated:** ${oneLine(md(c.deprecatedBlock.content))}`);
  const params = c.params.blocks.filter((b) => b.parameterName);
  if (params.length > 0) out.push(params.map((b) => `- \`${b.parameterName}\` — ${oneLine(md(b.content))}`).join('\n'));
  if (c.returnsBlock) out.push(`**Returns:** ${oneLine(md(c.returnsBlock.content))}`);
  for (const b of c.customBlocks) {
    const tag = b.blockTag.tagNameWithUpperCase;
    if (tag === '@THROWS') out.push(`**Throws:** ${oneLine(md(b.content))}`);
    else if (tag === '@EXAMPLE') out.push(`**Example:**\n\n${md(b.content).trim()}`);
  }
  if (c.remarksBlock) out.push(md(c.remarksBlock.content).trim());
  for (const b of c.seeBlocks) out.push(`**See:** ${oneLine(md(b.content))}`);
  return out.join('\n\n');
}

// ---- pages ----------------------------------------------------------------------------------

const SECTIONS = [
  [ApiItemKind.Class, 'Classes', 'class'],
  [ApiItemKind.Function, 'Functions', 'function'],
  [ApiItemKind.Enum, 'Enums', 'enum'],
  [ApiItemKind.Interface, 'Interfaces', 'interface'],
  [ApiItemKind.TypeAlias, 'Types', 'type'],
  [ApiItemKind.Variable, 'Constants', 'const'],
  [ApiItemKind.Namespace, 'Namespaces', 'namespace'],
];
const MEMBER_ORDER = [ApiItemKind.Constructor, ApiItemKind.Property, ApiItemKind.PropertySignature, ApiItemKind.Method, ApiItemKind.MethodSignature, ApiItemKind.CallSignature, ApiItemKind.IndexSignature, ApiItemKind.ConstructSignature];

/**
 * The name users import. API Extractor renames an export that collides with a global (our
 * `WebSocket` meets Node's global one) to `WebSocket_2` in its model; the declaration keeps the
 * real name.
 */
function nameOf(item) {
  const base = item.displayName.replace(/_\d+$/, '');
  const text = item.excerpt?.text ?? '';
  return base !== item.displayName && new RegExp(`\\b${base}\\b`).test(text) && !text.includes(item.displayName) ? base : item.displayName;
}

/** A heading's anchor as GitHub makes it (the link test checks the same rule). */
const anchor = (heading) => heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
const signature = (item) => (item.excerpt ? '```ts\n' + item.excerpt.text.trim() + '\n```' : '');
const memberName = (m) => (m.kind === ApiItemKind.Constructor ? 'constructor' : m.displayName) + (m.parameters ? '(' + m.parameters.map((p) => p.name + (p.isOptional ? '?' : '')).join(', ') + ')' : '');

/** The Markdown of one top-level item and its members. */
function itemSection(item, word) {
  const name = nameOf(item);
  const out = [`### ${word} ${name}`, signature(item), docOf(item)];
  if (item.kind === ApiItemKind.Enum) {
    out.push('| member | value | |\n|---|---|---|');
    out.push(item.members.map((m) => `| \`${m.displayName}\` | \`${m.initializerExcerpt?.text.trim() ?? ''}\` | ${oneLine(docOf(m))} |`).join('\n'));
  } else if (item.members && item.kind !== ApiItemKind.Namespace) {
    const members = [...item.members].sort((a, b) => MEMBER_ORDER.indexOf(a.kind) - MEMBER_ORDER.indexOf(b.kind));
    for (const m of members) {
      const statik = m.isStatic ? 'static ' : '';
      out.push(`#### ${statik}${name}.${memberName(m)}`, signature(m), docOf(m));
    }
  }
  return out.filter((s) => s !== '').join('\n\n');
}

const GENERATED = '<!-- Generated by `npm run docs` (scripts/api-docs.mjs) from the TSDoc in src/. Do not edit: change the comments and rerun. -->';

/**
 * Runtime exports the doc model leaves out: second names of an exported value (`QWebSocket` for
 * `WebSocket`), found by identity in the built module. Returns [alias, documented name] pairs.
 */
function aliasesOf(entry, members) {
  const mod = require(entry.js);
  const documented = new Set(members.map(nameOf));
  return Object.keys(mod)
    .filter((n) => n !== 'default' && n !== '__esModule' && !documented.has(n))
    .map((n) => [n, [...documented].find((d) => mod[d] === mod[n])])
    .filter(([, d]) => d !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
}

/** The page of one entry: contents by kind, then every item. */
function entryPage(entry, apiPackage) {
  const members = apiPackage.entryPoints[0].members;
  const aliases = aliasesOf(entry, members);
  const head = [GENERATED, `# \`${entry.name}\` — API reference`, `\`import { … } from '${entry.name}'\` or \`require('${entry.name}')\`. Back to the [index](README.md).`];
  const contents = [];
  const body = [];
  for (const [kind, title, word] of SECTIONS) {
    const items = members.filter((m) => m.kind === kind).sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
    if (items.length === 0) continue;
    contents.push(`- ${title}: ` + items.map((i) => `[${nameOf(i)}](#${anchor(`${word} ${nameOf(i)}`)})`).join(', '));
    body.push(`## ${title}`, ...items.map((i) => itemSection(i, word)));
  }
  if (aliases.length > 0) {
    contents.push('- Aliases: ' + aliases.map(([a]) => `[${a}](#${anchor(`alias ${a}`)})`).join(', '));
    const kindWord = (d) => SECTIONS.find(([k]) => k === members.find((m) => nameOf(m) === d).kind)[2];
    body.push('## Aliases', ...aliases.map(([a, d]) => `### alias ${a}\n\nThe same value as [\`${d}\`](#${anchor(`${kindWord(d)} ${d}`)}) (a second name for it).`));
  }
  return [...head, contents.join('\n'), ...body].join('\n\n') + '\n';
}

function indexPage(list) {
  return [
    GENERATED,
    '# API reference',
    `Generated from the TSDoc comments of the package's declarations, one page per entry point. The
README explains the concepts; [DESIGN.md](../DESIGN.md) the layout.`,
    list.map((e) => `- [\`${e.name}\`](${e.page}) — ${e.count} exports`).join('\n'),
  ].join('\n\n') + '\n';
}

// ---- main -----------------------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), 'qws-api-docs-'));
const pages = new Map();
const warnings = [];
try {
  const list = [];
  for (const entry of entries()) {
    const { apiPackage, warnings: w } = extract(entry.dts, tmp);
    warnings.push(...w);
    pages.set(entry.page, entryPage(entry, apiPackage));
    list.push({ ...entry, count: apiPackage.entryPoints[0].members.length });
  }
  pages.set('README.md', indexPage(list));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const existing = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.md')) : [];
if (check) {
  const stale = [...pages].filter(([f, text]) => !existsSync(join(outDir, f)) || readFileSync(join(outDir, f), 'utf8') !== text).map(([f]) => f);
  const extra = existing.filter((f) => !pages.has(f));
  if (stale.length + extra.length > 0) {
    console.error(`api-docs: docs/api/ is out of date (${[...stale, ...extra.map((f) => f + ' (no longer generated)')].join(', ')}): run \`npm run docs\` and commit docs/api/`);
    process.exit(1);
  }
  console.log(`api-docs: docs/api/ is up to date (${pages.size} pages)`);
} else {
  mkdirSync(outDir, { recursive: true });
  for (const f of existing) if (!pages.has(f)) rmSync(join(outDir, f));
  for (const [f, text] of pages) writeFileSync(join(outDir, f), text);
  if (verbose) for (const w of warnings) console.log(`  ${w}`);
  console.log(`api-docs: wrote ${pages.size} pages to docs/api/ (${warnings.length} TSDoc warnings${warnings.length && !verbose ? ': `node scripts/api-docs.mjs --verbose` lists them' : ''})`);
}
