// Subscribers for the cross-node benchmark: N raw WebSocket connections split over the given
// servers, the SAME minimal client for every contender (so the client's cost is equal): it parses
// only frame headers and, for latency, the 16 digits of the publish time stamp in each message.
//   node subscribers.mjs --mode qws|sio --urls ws://h:p/,ws://h:p/ --conns 1000
// stdin: "expect K" → count K messages per connection; prints "DONE <last receive µs> <count>
// <p50 µs> <p99 µs> <max µs>" once every connection has them (latencies from the stamps).
// Prints "READY <n>" once every connection is subscribed. socket.io connections speak Engine.IO
// v4 by hand: they send "40" to join the default namespace and answer pings ("2") with "3".
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const mode = opt('mode', 'qws');
const urls = opt('urls', '').split(',').map((u) => new URL(u));
const conns = Number(opt('conns', 1000));
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** A masked client text frame (RFC 6455 §5.3; a zero key keeps it simple and is still valid). */
function textFrame(s) {
  const p = Buffer.from(s);
  return Buffer.concat([Buffer.from([0x81, 0x80 | p.length, 0, 0, 0, 0]), p]);
}
const JOIN = textFrame('40');
const PONG = textFrame('3');

let expected = 0;
let lat = null;
let latN = 0;
let done = 0;
let lastUs = 0;
let received = 0;
let ready = 0;

function digits(buf, at) {
  let v = 0;
  for (let i = at; i < at + 16; i++) v = v * 10 + (buf[i] - 48);
  return v;
}

function open(url) {
  const s = connect(Number(url.port), url.hostname);
  s.setNoDelay(true);
  let upgraded = false;
  let carry = null;
  let mine = 0;
  let subscribed = false;
  const key = randomBytes(16).toString('base64');
  const path = mode === 'sio' ? '/socket.io/?EIO=4&transport=websocket' : url.pathname;
  s.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const onSubscribed = () => {
    if (subscribed) return;
    subscribed = true;
    if (++ready === conns) console.log(`READY ${ready}`);
  };
  s.on('data', (chunk) => {
    const t = nowUs();
    let buf = carry === null ? chunk : Buffer.concat([carry, chunk]);
    carry = null;
    let off = 0;
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return void (carry = buf);
      upgraded = true;
      off = end + 4;
      if (mode === 'qws') onSubscribed(); // the server subscribes every connection on accept
    }
    while (off + 2 <= buf.length) {
      let len = buf[off + 1] & 0x7f;
      let h = 2;
      if (len === 126) {
        if (off + 4 > buf.length) break;
        len = buf.readUInt16BE(off + 2);
        h = 4;
      } else if (len === 127) {
        if (off + 10 > buf.length) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        h = 10;
      }
      if (off + h + len > buf.length) break;
      const p = off + h;
      if (mode === 'sio') {
        if (buf[p] === 0x30 && len > 1 && buf[p + 1] !== 0x30) s.write(JOIN); // "0{sid…}": open → join "/"
        else if (len === 1 && buf[p] === 0x32) s.write(PONG);
        else if (buf[p] === 0x34 && buf[p + 1] === 0x30) onSubscribed(); // "40{…}": namespace joined (the server joins the room)
        else if (buf[p] === 0x34 && buf[p + 1] === 0x32) deliver(t, digits(buf, p + len - 18)); // 42["m","<16 digits>"]
      } else {
        deliver(t, digits(buf, p));
      }
      off = p + len;
    }
    if (off < buf.length) carry = buf.subarray(off);
    function deliver(at, stamp) {
      received++;
      if (lat !== null && latN < lat.length) lat[latN++] = at - stamp;
      lastUs = at;
      if (++mine === expected) {
        mine = 0;
        if (++done === conns) report();
      }
    }
  });
  s.on('error', (e) => {
    console.error(`subscriber: ${e.message}`);
    process.exit(1);
  });
}

function report() {
  const sorted = lat.subarray(0, latN).sort();
  const q = (f) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))];
  console.log(`DONE ${lastUs} ${received} ${q(0.5)} ${q(0.99)} ${sorted[sorted.length - 1]}`);
  done = 0;
  received = 0;
}

process.stdin.on('data', (d) => {
  for (const line of d.toString().trim().split('\n')) {
    const [cmd, k] = line.split(' ');
    if (cmd === 'expect') {
      expected = Number(k);
      lat = new Float64Array(expected * conns);
      latN = 0;
    }
  }
});

for (let i = 0; i < conns; i++) open(urls[i % urls.length]);
