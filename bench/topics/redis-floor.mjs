// The floor of the cross-node path without any WebSocket: one publish every E ms through Redis
// with the client RedisBroker uses (node-redis), PUBLISH on one connection → "message" on
// another (as between two server processes), timed in this process from the call to publish()
// to the subscriber's callback. Prints "FLOOR <p50 µs> <p99 µs> <max µs>".
//   REDIS_URL=redis://… node bench/topics/redis-floor.mjs [K] [E]
import { createClient } from 'redis';

const count = Number(process.argv[2] ?? 300);
const every = Number(process.argv[3] ?? 10);
const pub = createClient({ url: process.env.REDIS_URL });
const sub = pub.duplicate();
await Promise.all([pub.connect(), sub.connect()]);
const lat = [];
let sent = 0;
await sub.subscribe(
  'floor',
  (message) => {
    lat.push(Number(process.hrtime.bigint() / 1000n - BigInt(message.toString())));
    if (lat.length < count) return;
    lat.sort((a, b) => a - b);
    console.log(`FLOOR ${lat[Math.floor(count * 0.5)]} ${lat[Math.floor(count * 0.99)]} ${lat[count - 1]}`);
    Promise.all([pub.close(), sub.close()]).then(() => process.exit(0));
  },
  true,
);
const t = setInterval(() => {
  pub.publish('floor', String(process.hrtime.bigint() / 1000n));
  if (++sent === count) clearInterval(t);
}, every);
