// The server of the hostile-mix soak (test/interop/soak-hostile.test.ts), in its own process so
// that its RSS is its own: a DEFAULT WebSocketServer (nothing configured) that echoes, listening
// itself and also taking upgrades from an http server through handleUpgrade(req, socket, head, cb)
// (a framework's way). A text message "flood-me" makes the server send 1 MiB messages to that
// connection, one per setImmediate, as long as it is open (a peer that never reads).
// Prints "PORTS <listen> <http>"; on "report" prints one JSON line: peak RSS, close codes seen,
// open and pending connections; on "exit" closes and exits.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const { WebSocketServer, SslMode } = require('../../../dist/cjs/index.js');

const server = new WebSocketServer('x', SslMode.NonSecureMode);
const base = process.memoryUsage().rss;
let peak = base;
setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20).unref();
const closeCodes = {};
const FLOOD = Buffer.alloc(1024 * 1024, 0x42);
let handed = 0;
let open = 0;

function serve(ws) {
  open++;
  ws.on('disconnected', () => {
    open--;
    closeCodes[ws.closeCode()] = (closeCodes[ws.closeCode()] ?? 0) + 1;
  });
  ws.on('textMessageReceived', (m) => {
    if (m === 'flood-me') {
      const tick = () => {
        if (!ws.isValid()) return;
        ws.sendBinaryMessage(FLOOD);
        setImmediate(tick);
      };
      tick();
    } else {
      ws.sendTextMessage(m);
    }
  });
  ws.on('binaryMessageReceived', (m) => ws.sendBinaryMessage(m));
}

server.setMaxPendingConnections(1000); // 500 well-behaved clients connect at once
server.on('newConnection', () => {
  let ws;
  while ((ws = server.nextPendingConnection()) !== null) serve(ws);
});
const serverErrors = {};
server.on('serverError', (c) => (serverErrors[c] = (serverErrors[c] ?? 0) + 1));
await server.listen('127.0.0.1', 0);

const http = createServer((req, res) => res.end('not here\n'));
http.on('upgrade', (req, socket, head) =>
  server.handleUpgrade(req, socket, head, (ws) => {
    handed++;
    serve(ws);
  }));
await new Promise((r) => http.listen(0, '127.0.0.1', r));

console.log(`PORTS ${server.serverPort()} ${http.address().port}`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'report') {
    console.log(JSON.stringify({ baseRss: base, peakRss: peak, rss: process.memoryUsage().rss, closeCodes, serverErrors, open, handed, pending: server.hasPendingConnections(), connections: server.connections().length }));
  } else if (line === 'exit') {
    server.close();
    http.close();
    process.exit(0);
  }
});
