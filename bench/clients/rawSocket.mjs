// Raw client sockets for benchmarks, probes and the hostile soak: TCP to 127.0.0.1, the opening handshake
// written by hand, then the bare socket (frames are the caller's business).
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

/** Connects and upgrades; resolves with the socket after the 101, rejects on any other answer. */
export function upgraded(port) {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    s.on('error', reject);
    s.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let head = Buffer.alloc(0);
    const onData = (d) => {
      head = Buffer.concat([head, d]);
      const i = head.indexOf('\r\n\r\n');
      if (i < 0) return;
      s.off('data', onData);
      if (!head.subarray(0, 12).toString().includes('101')) reject(new Error(head.toString('latin1', 0, i)));
      else resolve(s);
    };
    s.on('data', onData);
  });
}

/** Writes `b` and resolves once the socket takes more, or has closed (a server may hang up). */
export function writeAll(s, b) {
  if (s.destroyed || s.write(b)) return Promise.resolve();
  return new Promise((r) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      r();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}
