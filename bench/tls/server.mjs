// wss:// echo server for bench/tls/run.mjs: `node server.mjs <qwebsocket|ws> CERT_DIR`; prints PORT n.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createServer } from 'node:https';
import { echoAll } from './common.mjs';

const require = createRequire(import.meta.url);
// 'cpu' on stdin → this process's CPU time so far (µs), so the driver can report CPU per message
process.stdin.on('data', () => {
  const u = process.cpuUsage();
  console.log(`CPU ${u.user + u.system}`);
});
const [lib, dir] = process.argv.slice(2);
const cert = readFileSync(join(dir, 'server.crt'), 'utf8');
const key = readFileSync(join(dir, 'server.key'), 'utf8');

if (lib === 'qwebsocket') {
  const { WebSocketServer, SslMode, PeerVerifyMode } = require('../../dist/cjs/index.js');
  const server = new WebSocketServer('bench', SslMode.SecureMode);
  server.setSslConfiguration({ localCertificate: cert, privateKey: key, peerVerifyMode: PeerVerifyMode.VerifyNone });
  echoAll(server);
  if (!(await server.listen('127.0.0.1', 0))) throw new Error(server.errorString());
  console.log(`PORT ${server.serverPort()}`);
} else {
  const { WebSocketServer } = require('ws');
  const https = createServer({ cert, key });
  const wss = new WebSocketServer({ server: https, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  https.listen(0, '127.0.0.1', () => console.log(`PORT ${https.address().port}`));
}
