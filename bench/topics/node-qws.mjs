// One qwebsocket server process of the cross-node benchmark: every connection subscribes to
// "room"; publishes go to the local subscribers and, through RedisBroker, to the other process.
import { createRequire } from 'node:module';
import { servePublisher } from './publisher.mjs';
const require = createRequire(import.meta.url);
const { WebSocketServer } = require('../../dist/cjs/index.js');
const { RedisBroker } = require('../../dist/cjs/brokers/redis.js');

const broker = new RedisBroker({ url: process.env.REDIS_URL });
await broker.ready();
const server = new WebSocketServer('bench');
server.setMaxPendingConnections(1 << 20);
server.setPubSubBroker(broker);
server.on('newConnection', () => {
  let ws;
  while ((ws = server.nextPendingConnection())) ws.subscribe('room');
});
if (!(await server.listen('127.0.0.1', 0))) throw new Error(server.errorString());
console.log(`PORT ${server.serverPort()}`);
servePublisher((m) => server.publish('room', m));
