/**
 * The `npm start` demo server without a browser: PORT/HOST mistakes are answered with one line
 * (no stack trace), and its stats feed counts exactly what clients sent and got back.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectClient, DEMO_SERVER, startDemo, StatsObserver, stopGroup } from '../helpers/demo';
import { until } from '../helpers/wait';

/** Runs the demo server with `env` to its exit; resolves with its exit code and output. */
function runDemo(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DEMO_SERVER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000); // a demo that listened would never exit
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('demo server (npm start)', () => {
  it('a busy port gets one clear line and exit code 1', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const { port } = squatter.address() as { port: number };
    try {
      const r = await runDemo({ PORT: String(port), HOST: '127.0.0.1' });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toEqual([`demo: 127.0.0.1:${port} is already in use — start it on another port, e.g. PORT=${port + 1} npm start`]);
    } finally {
      squatter.close();
    }
  });

  it('a PORT that is not a port number, or a HOST that is not here, gets one line', async () => {
    const bad = await runDemo({ PORT: 'eighty' });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trimEnd().split('\n')).toEqual(['demo: PORT must be a port number (0-65535), not "eighty"']);
    const host = await runDemo({ PORT: '0', HOST: '192.0.2.1' }); // TEST-NET-1: never an address of this machine
    expect(host.code).toBe(1);
    expect(host.stderr.trimEnd().split('\n')).toEqual(['demo: HOST 192.0.2.1 is not an address of this machine — try HOST=127.0.0.1 or HOST=0.0.0.0']);
  });

  it('the stats feed counts every message in and out, and the rate is the change per second', async () => {
    const { port, server } = await startDemo();
    const clients: { abort(): void }[] = [];
    try {
      const observer = await StatsObserver.open(port);
      clients.push(observer.ws);
      await until(() => observer.history !== null, 5000, () => 'no history message on connect');
      await observer.next(() => true); // a sample before the traffic, so the rate below has a base
      const client = await connectClient(`ws://127.0.0.1:${port}/ws`);
      clients.push(client);
      let texts = 0;
      let binaries = 0;
      let broadcasts = 0;
      client.on('textMessageReceived', (m) => (m.startsWith('[broadcast] ') ? broadcasts++ : texts++));
      client.on('binaryMessageReceived', () => binaries++);
      for (let i = 0; i < 100; i++) client.sendTextMessage(`m${i}`);
      for (let i = 0; i < 10; i++) client.sendBinaryMessage(Buffer.alloc(i * 100, i));
      for (let i = 0; i < 5; i++) client.sendTextMessage(`/all b${i}`);
      await until(() => texts === 100 && binaries === 10 && broadcasts === 5, 10000, () => `echoes ${texts}/${binaries}/${broadcasts}`);

      // 115 in; out: 110 echoes + 5 broadcasts to the one /ws connection; two connections in all
      const s = await observer.next((x) => x.received === 115);
      expect(s).toMatchObject({ received: 115, sent: 115, broadcasts: 5, echoConnections: 1, connections: 2 });
      expect(['native', 'fallback']).toContain(s.codec);
      expect(s.heapUsed).toBeGreaterThan(0);
      expect(s.rss).toBeGreaterThan(s.heapUsed);

      // the rate of each sample is its change in `received` over the time since the one before
      const all = [...observer.history!, ...observer.samples];
      let checked = 0;
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1], all[i]];
        expect(b.seq).toBe(a.seq + 1);
        expect(b.inPerSec).toBe(Math.round((b.received - a.received) / ((b.t - a.t) / 1000)));
        expect(b.outPerSec).toBe(Math.round((b.sent - a.sent) / ((b.t - a.t) / 1000)));
        if (b.received > a.received) checked++;
      }
      expect(checked).toBeGreaterThan(0);

      // a client that leaves is no longer counted
      client.abort();
      await observer.next((x) => x.connections === 1 && x.echoConnections === 0);
    } finally {
      for (const c of clients) c.abort();
      await stopGroup(server);
    }
  }, 30000);
});
