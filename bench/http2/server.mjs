// Echo server for bench/http2/run.mjs: `node server.mjs CERT_DIR`; one http2.createSecureServer
// with allowHTTP1, our WebSocketServer attached, so the same TLS port takes HTTP/1.1 upgrades and
// RFC 8441 streams. Prints `PORT n`. Stdin commands: `cpu` → `CPU µs` (this process's CPU time
// so far); `drop` → destroys every HTTP/2 session (so the next round starts without one).
import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { echoAll } from '../tls/common.mjs';

const require = createRequire(import.meta.url);
const { WebSocketServer } = require('../../dist/cjs/index.js');
const dir = process.argv[2];
const http = createSecureServer({ allowHTTP1: true, cert: readFileSync(join(dir, 'server.crt')), key: readFileSync(join(dir, 'server.key')) });
const sessions = new Set();
http.on('session', (s) => {
  sessions.add(s);
  s.on('close', () => sessions.delete(s));
});
const server = new WebSocketServer('bench').attach(http);
echoAll(server);
let line = '';
process.stdin.on('data', (d) => {
  line += d;
  for (let i; (i = line.indexOf('\n')) >= 0; line = line.slice(i + 1)) {
    const cmd = line.slice(0, i);
    if (cmd === 'cpu') {
      const u = process.cpuUsage();
      console.log(`CPU ${u.user + u.system}`);
    } else if (cmd === 'drop') {
      for (const s of sessions) s.destroy();
    }
  }
});
http.listen(0, '127.0.0.1', () => console.log(`PORT ${http.address().port}`));
