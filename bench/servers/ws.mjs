// `ws` echo server. WS_NO_BUFFER_UTIL=1 / WS_NO_UTF_8_VALIDATE=1 select the variant without the
// native helpers (ws reads them at load time). MODE=broadcast: 'go' broadcasts to every client.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: process.env.DEFLATE === '1' && { serverNoContextTakeover: process.env.NO_CONTEXT === '1' } });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`PORT ${wss.address().port}`));
process.stdin.on('data', (d) => {
  const cmd = d.toString().trim();
  if (cmd.startsWith('broadcast')) {
    const [, n, size] = cmd.split(' ');
    const msg = Buffer.alloc(Number(size), 0x61);
    const t0 = process.hrtime.bigint();
    console.log(`START ${t0}`);
    let sent = 0;
    for (let i = 0; i < Number(n); i++) for (const c of wss.clients) { c.send(msg, { binary: false }); sent++; }
    console.log(`BROADCAST ${sent} ${Number(process.hrtime.bigint() - t0) / 1e6}`);
  } else if (cmd === 'mem') {
    global.gc?.();
    console.log(`MEM ${process.memoryUsage().rss} ${wss.clients.size}`);
  }
});
