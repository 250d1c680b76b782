/**
 * Starts a peer program (Python, Node, nginx…) as a child process and waits for its
 * 'PORT <n>' line. The process is killed by the returned stop().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/** Debian's python3 (which has python3-websockets), not a pyenv shim earlier on PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** True when Debian's python3 can import `websockets`. */
export function hasPythonWebsockets(): boolean {
  if (!existsSync(SYSTEM_PYTHON)) return false;
  return spawnSync(SYSTEM_PYTHON, ['-c', 'import websockets'], { stdio: 'ignore' }).status === 0;
}

/** Runs `cmd args` and resolves with its port once it prints 'PORT <n>'. */
export function startPeer(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ port: number; child: ChildProcess; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`peer did not start: ${err}`));
    }, 10000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child, stop: () => child.kill('SIGKILL') });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`peer exited with ${code}: ${err}`));
    });
  });
}

/** Runs a program to completion and returns its stdout (rejects on a non-zero exit). */
export function runPeer(cmd: string, args: string[], timeoutMs = 30000, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`peer timed out: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`peer exited with ${code}: ${err}`));
    });
  });
}

/**
 * Whether a peer is usable. Tests skip when it is not, except under QWS_REQUIRE_PEERS=1 (set by
 * .ci/run, which installs every peer), where a missing peer is an error rather than a skip.
 */
export function peerAvailable(name: string, available: boolean): boolean {
  if (!available && process.env.QWS_REQUIRE_PEERS === '1') {
    throw new Error(`${name} is required (QWS_REQUIRE_PEERS=1) but not installed`);
  }
  return available;
}

/** The absolute path of an executable found on PATH (or in /usr/sbin, /sbin), or null. */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const d of dirs) {
    if (d === '') continue;
    const p = `${d}/${name}`;
    try {
      accessSync(p, fsConstants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Starts a long-running child in its own process group (detached), so that stop() can kill it
 * with everything it forked (chromium's zygote, renderer and GPU processes). stdout and stderr are
 * collected for error messages.
 */
export function startGroup(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; output: () => string; stop: () => void } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 20000) out = out.slice(-10000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (e) => (out += `\nspawn error: ${e.message}`));
  const stop = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { child, output: () => out, stop };
}

/** Arguments for a headless Chromium (shared with the screenshot script). */
export { headlessChromiumArgs } from '../../scripts/headless-chromium.mjs';

/** A port that was free a moment ago (for servers that cannot report the port they got for 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
