// The floor: a minimal WebSocket echo on Node's own net.Socket, framing by hand, batching all
// echoes of one incoming chunk into one write, unmasking with bufferutil's native loop, and
// joining the chunks of a large frame once (not once per chunk). Any library on Node's sockets
// can at best match it. RAW_TEXT=1 (contender `raw-text`) also decodes every text frame's payload
// to a JS string and encodes the string back into the reply, the least a library with string
// messages must do: the floor for our text path. (Both take valid input only: no protocol rule is
// checked, and a text payload that is not valid UTF-8 would not survive the round trip.)
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const { mask: nativeMask } = createRequire(import.meta.url)('bufferutil');

const asText = process.env.RAW_TEXT === '1';
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const server = createServer({ noDelay: true }, (socket) => {
  let head = Buffer.alloc(0);
  let buf = null;
  // chunks of an incomplete frame, joined once `need` bytes are there
  let parts = [];
  let have = 0;
  let need = 0;
  const onHandshake = (d) => {
    head = Buffer.concat([head, d]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    const key = /sec-websocket-key:\s*(\S+)/i.exec(head.toString('latin1', 0, end))[1];
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.off('data', onHandshake);
    socket.on('data', onFrames);
    if (head.length > end + 4) onFrames(head.subarray(end + 4));
  };
  const onFrames = (d) => {
    if (buf !== null) {
      parts.push(d);
      have += d.length;
      if (have < need) return;
      d = Buffer.concat(parts, have);
      parts = [];
      buf = null;
    }
    buf = d;
    const out = Buffer.allocUnsafe(buf.length);
    let o = 0;
    let i = 0;
    need = 0;
    while (buf.length - i >= 2) {
      const b0 = buf[i], b1 = buf[i + 1];
      let len = b1 & 0x7f;
      let p = i + 2;
      if (len === 126) { if (buf.length - i < 4) break; len = buf.readUInt16BE(i + 2); p += 2; }
      else if (len === 127) { if (buf.length - i < 10) break; len = Number(buf.readBigUInt64BE(i + 2)); p += 8; }
      if (buf.length < p + 4 + len) {
        need = p + 4 + len - i;
        break;
      }
      const k0 = buf[p], k1 = buf[p + 1], k2 = buf[p + 2], k3 = buf[p + 3];
      p += 4;
      // server frames are unmasked: header without the mask bit, then the unmasked payload
      out[o++] = b0;
      if (len < 126) out[o++] = len;
      else if (len < 65536) { out[o++] = 126; out.writeUInt16BE(len, o); o += 2; }
      else { out[o++] = 127; out.writeBigUInt64BE(BigInt(len), o); o += 8; }
      if (len < 32) for (let j = 0; j < len; j++) out[o + j] = buf[p + j] ^ (j & 3 ? (j & 3) === 1 ? k1 : (j & 3) === 2 ? k2 : k3 : k0);
      else nativeMask(buf.subarray(p, p + len), buf.subarray(p - 4, p), out, o, len);
      if (asText && (b0 & 0x0f) === 1) out.write(out.toString('utf8', o, o + len), o, len, 'utf8');
      o += len;
      i = p + len;
      if ((b0 & 0x0f) === 8) { socket.end(out.subarray(0, o)); return; }
    }
    if (i < buf.length) {
      buf = buf.subarray(i);
      parts = [buf];
      have = buf.length;
      if (need === 0) need = have + 1; // the header itself is incomplete: wait for more
    } else {
      buf = null;
      need = 0;
    }
    if (o > 0) socket.write(out.subarray(0, o));
  };
  socket.on('data', onHandshake);
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
