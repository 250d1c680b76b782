// The stdin control protocol of the cross-node benchmark's server processes (cross.mjs drives it):
//   "burst K"   → prints "START <µs>", then publishes K stamped 16 B messages, 50 per event-loop turn;
//   "pace K MS" → publishes K stamped messages, one every MS ms.
// A stamp is the publish time in µs of the machine's monotonic clock, as 16 digits: the
// subscriber process reads the same clock, so publish-to-receive latency needs no clock sync.
export function servePublisher(publish) {
  const stamp = () => String(process.hrtime.bigint() / 1000n).padStart(16, '0');
  process.stdin.on('data', (d) => {
    for (const line of d.toString().trim().split('\n')) {
      const [cmd, a, b] = line.split(' ');
      const k = Number(a);
      if (cmd === 'burst') {
        console.log(`START ${process.hrtime.bigint() / 1000n}`);
        let left = k;
        const step = () => {
          for (let i = 0; i < 50 && left > 0; i++, left--) publish(stamp());
          if (left > 0) setImmediate(step);
        };
        step();
      } else if (cmd === 'pace') {
        let left = k;
        const t = setInterval(() => {
          publish(stamp());
          if (--left === 0) clearInterval(t);
        }, Number(b));
      }
    }
  });
}
