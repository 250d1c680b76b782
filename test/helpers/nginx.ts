/**
 * Runs Debian's nginx as a WebSocket reverse proxy in the foreground, with every path (pid, logs,
 * temp dirs) inside a temp dir, listening on a free loopback port, in front of a backend port.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, findBinary, freePort, startGroup } from './spawnPeer';

/** nginx's path, or null when it is not installed. */
export const NGINX = findBinary('nginx');

function config(port: number, backendPort: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path tmp/body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${backendPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host $host;
      proxy_read_timeout 120s;
      proxy_send_timeout 120s;
    }
  }
}
`;
}

/**
 * Starts nginx proxying 127.0.0.1:<port> → 127.0.0.1:backendPort and resolves once it accepts
 * connections. Retries with another port if the one picked was taken meanwhile.
 */
export async function startNginx(backendPort: number): Promise<{ port: number; stop: () => Promise<void> }> {
  if (NGINX === null) throw new Error('nginx is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'qws-nginx-'));
  mkdirSync(join(dir, 'tmp'));
  let lastOutput = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, config(port, backendPort));
    const proc = startGroup(NGINX, ['-c', conf, '-p', `${dir}/`, '-e', 'stderr']);
    let exited = false;
    const exit = new Promise<void>((resolve) => proc.child.once('exit', () => ((exited = true), resolve())));
    const deadline = Date.now() + 10000;
    while (!exited && Date.now() < deadline) {
      if (await accepts(port)) {
        return {
          port,
          stop: async () => {
            proc.stop();
            await Promise.race([exit, new Promise((r) => setTimeout(r, 5000))]);
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    lastOutput = proc.output();
    proc.stop();
    await exit;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`nginx did not start: ${lastOutput}`);
}
