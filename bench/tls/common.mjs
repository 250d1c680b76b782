// Shared by the TLS benchmarks (bench/tls, bench/http2): the `--name value` options, a throwaway
// CA and server certificate for 127.0.0.1, a server child process that reports its port and CPU
// time, our echo handler, and the median.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA and a server certificate for 127.0.0.1 in a temp dir (server.crt, server.key), as a real deployment would have. */
export function makeBenchCerts() {
  const dir = mkdtempSync(join(tmpdir(), 'qws-bench-tls-'));
  const ssl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=bench CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  ssl('req', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext');
  return { dir, ca: readFileSync(join(dir, 'ca.crt')), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts `node script ...args`, resolved once it prints `PORT n`. `cpu()` writes a line to its
 * stdin and resolves with the `CPU µs` it answers (its CPU time so far); `send(line)` writes
 * another command.
 */
export function startServer(script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let cpuWaiter = null;
    const server = {
      child,
      port: 0,
      cpu: () => new Promise((r) => {
        cpuWaiter = r;
        child.stdin.write('cpu\n');
      }),
      send: (line) => child.stdin.write(`${line}\n`),
    };
    child.stdout.on('data', (d) => {
      out += d;
      const cpu = /CPU (\d+)\n/.exec(out);
      if (cpu && cpuWaiter) {
        out = out.slice(cpu.index + cpu[0].length);
        const w = cpuWaiter;
        cpuWaiter = null;
        w(Number(cpu[1]));
      }
      const m = /PORT (\d+)/.exec(out);
      if (m && server.port === 0) {
        server.port = Number(m[1]);
        out = '';
        resolve(server);
      }
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The numeric `--name value` option of this process, or `def`. */
export function opt(name, def) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
}

/** Exits with a message when the library is not built (dist/ next to `bench/`). */
export function requireDist(benchDir) {
  if (!existsSync(join(benchDir, '../../dist/cjs/index.js'))) {
    console.error('dist/ missing: run `npm run build:ts` first');
    process.exit(1);
  }
}

/** Makes every connection our Qt-face `server` accepts echo each message. */
export function echoAll(server) {
  server.setMaxPendingConnections(1 << 20);
  server.on('newConnection', () => {
    let ws;
    while ((ws = server.nextPendingConnection())) {
      const s = ws;
      s.on('textMessageReceived', (m) => s.sendTextMessage(m));
      s.on('binaryMessageReceived', (m) => s.sendBinaryMessage(m));
    }
  });
}
