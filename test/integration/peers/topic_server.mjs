// A qwebsocket server process on a RedisBroker, for the multi-process topic tests; run from the
// built package (dist/). With WORKERS=n it is a node:cluster primary whose n workers share one
// port, each with its own server and broker. Prints "PORT <n>" once every process listens.
// Each connection takes commands as text messages:
//   "who"           → "pid <pid>"
//   "sub <topic>"   → subscribes, answers "subbed <topic>"
//   "pub <topic> <message>"  → socket.publish (every subscriber but the sender)
//   "spub <topic> <message>" → server.publish
import cluster from 'node:cluster';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { WebSocketServer } = require('../../../dist/cjs/index.js');
const { RedisBroker } = require('../../../dist/cjs/brokers/redis.js');

const workers = Number(process.env.WORKERS ?? 0);

async function serve(port) {
  const broker = new RedisBroker({ url: process.env.REDIS_URL });
  await broker.ready();
  const server = new WebSocketServer('topic-test');
  server.setPubSubBroker(broker);
  server.on('newConnection', () => {
    let ws;
    while ((ws = server.nextPendingConnection()) !== null) {
      const s = ws;
      s.on('textMessageReceived', (m) => {
        const [cmd, topic, ...rest] = m.split(' ');
        if (cmd === 'who') s.sendTextMessage(`pid ${process.pid}`);
        else if (cmd === 'sub') {
          s.subscribe(topic);
          s.sendTextMessage(`subbed ${topic}`);
        }
        else if (cmd === 'pub') s.publish(topic, rest.join(' '));
        else if (cmd === 'spub') server.publish(topic, rest.join(' '));
      });
    }
  });
  if (!(await server.listen('127.0.0.1', port))) throw new Error(server.errorString());
  return server.serverPort();
}

if (workers > 0 && cluster.isPrimary) {
  // in a cluster, listen(0) gives every worker the same port (the primary holds the socket)
  let listening = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (port) => {
      if (++listening === workers) console.log(`PORT ${port}`);
    });
  }
} else if (workers > 0) {
  process.send(await serve(0));
} else {
  console.log(`PORT ${await serve(0)}`);
}
