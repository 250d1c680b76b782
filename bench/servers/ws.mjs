// `ws` echo server. WS_NO_BUFFER_UTIL=1 / WS_NO_UTF_8_VALIDATE=1 select the variant without the
// native helpers (ws reads them at load time). QWS_WS_FACE=1 runs the same server on
// qwebsocket's ws face (qwebsocket/ws) instead. Serves control.mjs's commands (broadcast, mem).
import { createRequire } from 'node:module';
import { serveControl } from './control.mjs';
const require = createRequire(import.meta.url);
const { WebSocketServer } = process.env.QWS_WS_FACE === '1' ? require('../../dist/cjs/ws/cjs.js') : require('ws');

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: process.env.DEFLATE === '1' && { serverNoContextTakeover: process.env.NO_CONTEXT === '1' } });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`PORT ${wss.address().port}`));
serveControl({
  broadcast: (n, size) => {
    const msg = Buffer.alloc(size, 0x61);
    let sent = 0;
    for (let i = 0; i < n; i++) for (const c of wss.clients) { c.send(msg, { binary: false }); sent++; }
    return sent;
  },
  connections: () => wss.clients.size,
});
