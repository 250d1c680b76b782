// uWebSockets.js echo server: the bench-only contender built from source by bench/uws/build.sh
// (UWS_JS overrides where its uws.js loader is). Same protocol as the other servers: prints
// "PORT n"; on stdin, "broadcast N SIZE" publishes N messages of SIZE bytes to the topic every
// connection subscribes to (uWS's own fan-out), "mem" prints RSS and the open connection count.
// UWS_TEXT=1 (contender `uws-text`) decodes every text message to a JS string and sends the
// string back, as an application with string messages does (and as our text path must); the
// plain variant echoes the raw bytes it is handed.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveControl } from './control.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const uWS = createRequire(import.meta.url)(process.env.UWS_JS ?? join(here, '../uws/vendor/dist/uws.js'));

const TOPIC = 'all';
const asText = process.env.UWS_TEXT === '1';
const decoder = new TextDecoder();
let open = 0;

const app = uWS.App().ws('/*', {
  compression: uWS.DISABLED,
  // the bench sends up to 64 KiB messages, 16 in flight: raise the 16 KiB message and 64 KiB
  // backpressure defaults (over maxBackpressure uWS drops sends), and never time out idle peers
  maxPayloadLength: 16 * 1024 * 1024,
  maxBackpressure: 64 * 1024 * 1024,
  idleTimeout: 0,
  open: (ws) => {
    open++;
    ws.subscribe(TOPIC);
  },
  message: asText
    ? (ws, msg, isBinary) => ws.send(isBinary ? msg : decoder.decode(msg), isBinary)
    : (ws, msg, isBinary) => ws.send(msg, isBinary),
  close: () => {
    open--;
  },
});
app.listen('127.0.0.1', 0, (listenSocket) => {
  if (!listenSocket) throw new Error('uWS could not listen');
  console.log(`PORT ${uWS.us_socket_local_port(listenSocket)}`);
});
serveControl({
  broadcast: (n, size) => {
    const msg = 'a'.repeat(size);
    let sent = 0;
    for (let i = 0; i < n; i++) {
      app.publish(TOPIC, msg, false);
      sent += app.numSubscribers(TOPIC);
    }
    return sent;
  },
  connections: () => open,
});
