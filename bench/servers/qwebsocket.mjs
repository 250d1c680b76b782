// qwebsocket echo server (QWS_NO_NATIVE=1 selects the pure-TS codec).
import { createRequire } from 'node:module';
import { serveControl } from './control.mjs';
const require = createRequire(import.meta.url);
const { WebSocketServer, SslMode, codecImplementation } = require('../../dist/cjs/index.js');

const server = new WebSocketServer('bench', SslMode.NonSecureMode);
server.setMaxPendingConnections(1 << 20);
// DEFLATE=1: accept permessage-deflate; NO_CONTEXT=1 also resets the server's context per message
if (process.env.DEFLATE === '1') server.setPerMessageDeflate({ serverNoContextTakeover: process.env.NO_CONTEXT === '1' });
// TOPICS=1: every connection subscribes to one topic, and "broadcast" publishes to it
const topics = process.env.TOPICS === '1';
server.on('newConnection', () => {
  let ws;
  while ((ws = server.nextPendingConnection())) {
    const s = ws;
    if (topics) s.subscribe('all');
    s.on('textMessageReceived', (m) => s.sendTextMessage(m));
    s.on('binaryMessageReceived', (m) => s.sendBinaryMessage(m));
  }
});
if (!(await server.listen('127.0.0.1', 0))) throw new Error(server.errorString());
console.error(`codec: ${codecImplementation()}`);
console.log(`PORT ${server.serverPort()}`);
serveControl({
  broadcast: (n, size) => {
    const msg = 'a'.repeat(size);
    let sent = 0;
    for (let i = 0; i < n; i++) sent += topics ? server.publish('all', msg) : server.broadcast(msg);
    return sent;
  },
  connections: () => server.connections().length,
});
