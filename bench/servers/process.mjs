// Starts one of the echo servers in this folder as its own Node process and talks to it:
// the port it printed, its CPU time so far (Linux /proc), its RSS on request (the `mem` command).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** @param file a server script; @param env extra environment (e.g. DEFLATE=1) */
export async function startServer(file, env = {}) {
  const p = spawn(process.execPath, ['--expose-gc', file], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  const lines = [];
  const waiters = [];
  p.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const next = () => (lines.length > 0 ? Promise.resolve(lines.shift()) : new Promise((r) => waiters.push(r)));
  const port = Number((await next()).split(' ')[1]);
  return {
    port,
    /** CPU seconds (user + system) the server process has used so far. */
    cpu() {
      const f = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    },
    async mem() {
      p.stdin.write('mem\n');
      const [, rss, count] = (await next()).split(' ');
      return { rss: Number(rss), count: Number(count) };
    },
    stop: () => p.kill(),
  };
}
