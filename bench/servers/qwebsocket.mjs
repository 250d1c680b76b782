// qwebsocket echo server (QWS_NO_NATIVE=1 selects the pure-TS codec).
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { WebSocketServer, SslMode, codecImplementation } = require('../../dist/cjs/index.js');

const server = new WebSocketServer('bench', SslMode.NonSecureMode);
server.setMaxPendingConnections(1 << 20);
// DEFLATE=1: accept permessage-deflate; NO_CONTEXT=1 also resets the server's context per message
if (process.env.DEFLATE === '1') server.setPerMessageDeflate({ serverNoContextTakeover: process.env.NO_CONTEXT === '1' });
server.on('newConnection', () => {
  let ws;
  while ((ws = server.nextPendingConnection())) {
    const s = ws;
    s.on('textMessageReceived', (m) => s.sendTextMessage(m));
    s.on('binaryMessageReceived', (m) => s.sendBinaryMessage(m));
  }
});
if (!(await server.listen('127.0.0.1', 0))) throw new Error(server.errorString());
console.error(`codec: ${codecImplementation()}`);
console.log(`PORT ${server.serverPort()}`);
process.stdin.on('data', (d) => {
  const cmd = d.toString().trim();
  if (cmd.startsWith('broadcast')) {
    const [, n, size] = cmd.split(' ');
    const msg = 'a'.repeat(Number(size));
    const t0 = process.hrtime.bigint();
    console.log(`START ${t0}`);
    let sent = 0;
    for (let i = 0; i < Number(n); i++) sent += server.broadcast(msg);
    console.log(`BROADCAST ${sent} ${Number(process.hrtime.bigint() - t0) / 1e6}`);
  } else if (cmd === 'mem') {
    global.gc?.();
    console.log(`MEM ${process.memoryUsage().rss} ${server.connections().length}`);
  }
});
