// Where a bench server's RSS growth over N idle connections goes, by kind of mapping (from
// /proc/PID/smaps before and after), to tell per-connection costs from one-off ones: run it at two
// counts, and what does not double with N is not paid per connection.
//   node bench/memory/breakdown.mjs [--server bench/servers/qwebsocket.mjs] [--conns 9000]
//        [--gc ordinary|reduce] [--node-flags "--no-concurrent-recompilation"]
// The server is started with --expose-gc and driven by its stdin control protocol (servers/control.mjs):
// the baseline is read after a memory-reducing GC, the second reading after the GC --gc names.
// Kinds: V8 heap pages (anonymous 256 KiB mappings), the main malloc arena ([heap]: also array
// buffer backing stores), other malloc arenas (anonymous mappings at 64 MiB boundaries, glibc's
// per-thread arenas: V8's worker threads — concurrent compilation, marking, sweeping — allocate
// there), the node binary, the rest.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const opt = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const serverPath = opt('server', here('../servers/qwebsocket.mjs'));
const conns = Number(opt('conns', '9000'));
const gc = opt('gc', 'ordinary');
const nodeFlags = opt('node-flags', '').split(' ').filter((f) => f !== '');
if (!['ordinary', 'reduce'].includes(gc) || !(conns > 0)) throw new Error('usage: see the header comment');

const server = spawn(process.execPath, ['--expose-gc', ...nodeFlags, serverPath], { stdio: ['pipe', 'pipe', 'inherit'] });
let out = '';
server.stdout.on('data', (d) => (out += d));
async function line(prefix) {
  for (;;) {
    const at = out.indexOf(prefix);
    const end = at < 0 ? -1 : out.indexOf('\n', at);
    if (end >= 0) {
      const l = out.slice(at, end);
      out = out.slice(end + 1);
      return l;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ARENA = 64 * 1024 * 1024;
function kindOf(start, size, name) {
  if (name === '[heap]') return 'main malloc arena';
  if (name.endsWith('/node') || name.endsWith('/node.exe')) return 'node binary';
  if (name !== '') return 'other files';
  if (size === 256 * 1024) return 'V8 heap pages';
  if (start % ARENA === 0 && size <= ARENA) return 'other malloc arenas';
  return 'other anonymous';
}
function rssByKind() {
  const m = new Map();
  let kind = null;
  for (const l of readFileSync(`/proc/${server.pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(l);
    if (head !== null) {
      const start = parseInt(head[1], 16);
      kind = kindOf(start, parseInt(head[2], 16) - start, head[3]);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(l);
    if (rss !== null && kind !== null) m.set(kind, (m.get(kind) ?? 0) + Number(rss[1]) * 1024);
  }
  return m;
}

const port = (await line('PORT ')).split(' ')[1];
server.stdin.write('mem reduce\n');
await line('MEM ');
const before = rssByKind();
const loadgen = spawn(here('../loadgen/loadgen'), ['--port', port, '--conns', String(conns), '--idle', '--duration', '120'], { stdio: ['pipe', 'pipe', 'inherit'] });
await new Promise((r) => loadgen.stdout.on('data', (d) => String(d).includes('READY') && r()));
await new Promise((r) => setTimeout(r, 500));
server.stdin.write(gc === 'ordinary' ? 'mem\n' : 'mem reduce\n');
const open = Number((await line('MEM ')).split(' ')[2]);
const after = rssByKind();
loadgen.kill('SIGKILL');
server.kill('SIGKILL');

let total = 0;
const rows = [];
for (const kind of new Set([...before.keys(), ...after.keys()])) {
  const d = (after.get(kind) ?? 0) - (before.get(kind) ?? 0);
  total += d;
  rows.push([kind, d]);
}
rows.sort((a, b) => b[1] - a[1]);
console.log(`${open} connections open, after ${gc === 'ordinary' ? 'an ordinary' : 'a memory-reducing'} GC${nodeFlags.length > 0 ? ` (node ${nodeFlags.join(' ')})` : ''}: RSS +${(total / 1048576).toFixed(1)} MiB, ${Math.round(total / conns)} B per connection`);
for (const [kind, d] of rows) console.log(`  ${kind.padEnd(20)} ${(d / 1048576).toFixed(2).padStart(7)} MiB  ${String(Math.round(d / conns)).padStart(6)} B per connection`);
