// Checks the native transport of a built addon on the main thread, where it runs (vitest's
// thread pool, which the emulated runs of scripts/test-emulated.sh use, puts tests on worker
// threads, which always use net.Socket). Our client against our server on 127.0.0.1: the server side
// must be a native connection, and text, 1 KiB, 64 KiB and 1 MiB messages must echo intact.
// Usage: node scripts/native-echo-check.cjs   (after npm run build; exit 0 when every check holds)
'use strict';
const assert = require('node:assert/strict');
const { randomBytes } = require('node:crypto');
const { WebSocket, WebSocketServer, SslMode, nativeStatus } = require('../dist/cjs/index.js');
const { nativeConnectionsOnPort } = require('../dist/cjs/transport/native/nativeIo.js');

const status = nativeStatus();
assert.equal(status.loaded, true, `the addon is not loaded: ${status.error}`);
assert.equal(status.transport, 'native', `the native transport is off: ${status.transport}`);

const deadline = setTimeout(() => {
  console.error('native-echo-check: timed out after 120 s');
  process.exit(1);
}, 120_000);

async function main() {
  const server = new WebSocketServer('native-echo-check', SslMode.NonSecureMode);
  server.on('newConnection', () => {
    let s;
    while ((s = server.nextPendingConnection()) !== null) {
      const socket = s;
      socket.on('textMessageReceived', (m) => socket.sendTextMessage(m));
      socket.on('binaryMessageReceived', (m) => socket.sendBinaryMessage(m));
    }
  });
  assert.ok(await server.listen('127.0.0.1', 0), server.errorString());
  const port = server.serverPort();

  const client = new WebSocket();
  const received = [];
  let wake = null;
  const onMessage = (m) => {
    received.push(m);
    wake?.();
  };
  client.on('textMessageReceived', onMessage);
  client.on('binaryMessageReceived', onMessage);
  await new Promise((resolve, reject) => {
    client.once('connected', resolve);
    client.once('errorOccurred', () => reject(new Error(client.errorString())));
    client.open(`ws://127.0.0.1:${port}/`);
  });
  assert.equal(nativeConnectionsOnPort(port), 1, 'the server side is not a native connection');

  const sent = ['héllo, native', randomBytes(1024), randomBytes(64 * 1024), randomBytes(1024 * 1024)];
  for (const m of sent) {
    if (typeof m === 'string') client.sendTextMessage(m);
    else client.sendBinaryMessage(m);
  }
  while (received.length < sent.length) await new Promise((r) => (wake = r));
  sent.forEach((m, i) => assert.deepEqual(typeof m === 'string' ? received[i] : Buffer.from(received[i]), m, `message ${i} came back changed`));

  await new Promise((resolve) => {
    client.once('disconnected', resolve);
    client.close();
  });
  server.close();
  clearTimeout(deadline);
  console.log(`native-echo-check: ${process.platform}-${process.arch} ${process.version}, simd ${status.simd}: ${sent.length} messages echoed on native connections`);
}

main().catch((e) => {
  console.error('native-echo-check:', e);
  process.exit(1);
});
