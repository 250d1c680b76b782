// One socket.io server process of the cross-node benchmark, with @socket.io/redis-adapter on the
// same Redis: every connection joins "room"; io.to("room").emit reaches both processes.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { servePublisher } from './publisher.mjs';

const pub = createClient({ url: process.env.REDIS_URL });
const sub = pub.duplicate();
pub.on('error', () => {});
sub.on('error', () => {});
await Promise.all([pub.connect(), sub.connect()]);
const http = createServer();
// a long ping timeout: a pong queued behind a burst must not end the connection mid-run
const io = new Server(http, { transports: ['websocket'], adapter: createAdapter(pub, sub), pingTimeout: 120000 });
io.on('connection', (socket) => socket.join('room'));
await new Promise((r) => http.listen(0, '127.0.0.1', r));
console.log(`PORT ${http.address().port}`);
servePublisher((m) => io.to('room').emit('m', m));
