// `npm start`: an echo + broadcast demo on http://localhost:8080 (PORT to change it).
// The page connects to /ws; every message is echoed to its sender, messages starting with
// "/all " are broadcast to everyone, and the server pushes live counts once a second.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { WebSocketServer, codecImplementation } = require('../dist/cjs/index.js');

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const page = readFileSync(new URL('./demo-page.html', import.meta.url));

const http = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]; // the page takes a query (?auto=1)
  if (path === '/' || path === '/index.html') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page);
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
  }
});

const wss = new WebSocketServer('qwebsocket-demo').attach(http, { path: '/ws' });
let received = 0;
let echoed = 0;
let broadcasts = 0;
wss.on('newConnection', () => {
  let ws;
  while ((ws = wss.nextPendingConnection())) {
    const s = ws;
    s.on('textMessageReceived', (m) => {
      received++;
      if (m.startsWith('/all ')) {
        broadcasts++;
        wss.broadcast(`[broadcast] ${m.slice(5)}`);
      } else {
        echoed++;
        s.sendTextMessage(m);
      }
    });
    s.on('binaryMessageReceived', (m) => {
      received++;
      echoed++;
      s.sendBinaryMessage(m);
    });
  }
});
setInterval(() => {
  wss.broadcast(JSON.stringify({ stats: { connections: wss.connections().length, received, echoed, broadcasts } }));
}, 1000).unref();

http.listen(port, host, () => {
  console.log(`qwebsocket demo (codec: ${codecImplementation()}) on http://${host}:${port}/  — WebSocket at ws://${host}:${port}/ws`);
});
