// `node examples/backpressure.mjs`: a producer that never buffers more than it should.
// The server streams 64 MiB to a client that reads slowly; after each send it checks
// bytesToWrite() against the high-water mark and, when over it, awaits the `drained` signal
// (an addition to Qt: emitted once when the unsent bytes fall to the low-water mark). So the
// server's unsent bytes stay near the high-water mark, far under the 16 MiB cap that would fail
// the connection with 1008, and the producer never polls.
import { once } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { WebSocket, WebSocketServer, SslMode } = require('../dist/cjs/index.js');

const TOTAL = 64 * 1024 * 1024;
const CHUNK = 64 * 1024;

const server = new WebSocketServer('backpressure', SslMode.NonSecureMode);
server.on('newConnection', async () => {
  const ws = server.nextPendingConnection();
  ws.setWriteWatermarks(1024 * 1024, 256 * 1024); // the defaults, spelled out
  let peak = 0;
  let waits = 0;
  for (let sent = 0; sent < TOTAL && ws.isValid(); sent += CHUNK) {
    ws.sendBinaryMessage(Buffer.alloc(CHUNK, sent / CHUNK));
    peak = Math.max(peak, ws.bytesToWrite());
    // check right after sending: the signal comes later, once the peer has read enough
    if (ws.bytesToWrite() > ws.writeHighWatermark()) {
      waits++;
      await once(ws, 'drained');
    }
  }
  console.log(`server: sent ${TOTAL / 1048576} MiB, waited for drained ${waits} times, most unsent at once ${(peak / 1048576).toFixed(2)} MiB`);
  ws.close();
});
await server.listen('127.0.0.1', 0);

// the consumer reads at most 1 MiB per event-loop turn (readBufferSize)
const client = new WebSocket();
let received = 0;
client.setReadBufferSize(1024 * 1024);
client.on('binaryMessageReceived', (m) => {
  received += m.length;
});
client.on('disconnected', () => {
  console.log(`client: received ${received / 1048576} MiB`);
  server.close();
});
client.open(server.serverUrl());
