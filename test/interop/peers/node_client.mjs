// Client on Node's built-in WebSocket (undici; Node 20 needs --experimental-websocket), for
// interop tests against our server. Usage: node --experimental-websocket node_client.mjs URL
// Runs three connections one after the other and prints one JSON line with what it saw:
//   echo:      offers subprotocols, sends text (multibyte) and binary of several sizes, checks the
//              echoes in order, closes with 4001 / 'node done ✓'
//   serverClose: sends 'close-me' and reports the close code and reason our server sends
//   noProtocol: offers a subprotocol the server does not support and reports whether it opened
//              (the WHATWG client fails a handshake whose response names no subprotocol)
const url = process.argv[2];
const SIZES = [0, 1, 125, 126, 65535, 65536, 70000, 1 << 20];
const PATTERN = ['a', 'é', '€', '😀'];

function textOf(n) {
  let s = '';
  let bytes = 0;
  for (let i = 0; ; i++) {
    const ch = PATTERN[i % PATTERN.length];
    const b = Buffer.byteLength(ch);
    if (bytes + b > n) break;
    s += ch;
    bytes += b;
  }
  return s + 'x'.repeat(n - bytes);
}

function bytesOf(n) {
  const u = new Uint8Array(n);
  for (let i = 0; i < n; i++) u[i] = (i * 13 + n) & 0xff;
  return u;
}

function equalBytes(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function connect(protocols) {
  const ws = new WebSocket(url, protocols);
  ws.binaryType = 'arraybuffer';
  const closed = new Promise((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean })));
  const opened = new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', (e) => reject(new Error(e.message || 'connection failed')));
  });
  return { ws, opened, closed };
}

async function echo() {
  const { ws, opened, closed } = connect(['chat.v2', 'chat.v1']);
  await opened;
  const expected = [];
  for (const n of SIZES) {
    expected.push(textOf(n));
    expected.push(bytesOf(n));
  }
  const results = [];
  const done = new Promise((resolve) => {
    ws.addEventListener('message', (e) => {
      const want = expected[results.length];
      const ok = typeof want === 'string' ? e.data === want : e.data instanceof ArrayBuffer && equalBytes(new Uint8Array(e.data), want);
      results.push({ index: results.length, kind: typeof want === 'string' ? 'text' : 'binary', ok });
      if (results.length === expected.length) resolve();
    });
  });
  for (const m of expected) ws.send(m);
  await done;
  ws.close(4001, 'node done ✓');
  return { protocol: ws.protocol, results, close: await closed };
}

async function serverClose() {
  const { ws, opened, closed } = connect();
  await opened;
  ws.send('close-me');
  return { protocol: ws.protocol, close: await closed };
}

async function noProtocol() {
  const { ws, opened, closed } = connect(['not-supported']);
  try {
    await opened;
  } catch (e) {
    // Node 20's undici fires no close event after a failed handshake: wait briefly for one
    const close = await Promise.race([closed, new Promise((r) => setTimeout(() => r(null), 1000))]);
    return { opened: false, error: e.message, close };
  }
  const protocol = ws.protocol;
  ws.close(1000);
  return { opened: true, protocol, close: await closed };
}

const timer = setTimeout(() => {
  console.error('node_client: timed out');
  process.exit(2);
}, 50000);
const out = { echo: await echo(), serverClose: await serverClose(), noProtocol: await noProtocol() };
clearTimeout(timer);
console.log(JSON.stringify(out));
// Node 26's undici keeps the socket of the failed (noProtocol) handshake open, which would keep
// this process alive; exiting drops it, which is what our server must see (1006)
process.exit(0);
