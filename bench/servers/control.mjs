// The stdin control protocol every bench server speaks (bench/run.mjs drives it):
//   "broadcast N SIZE" → prints "START <hrtime ns>", calls broadcast(N, SIZE) (which returns the
//                         number of messages it queued), then "BROADCAST <sent> <ms>";
//   "mem"              → GC (when --expose-gc), then "MEM <rss bytes> <open connections>".
export function serveControl({ broadcast, connections }) {
  process.stdin.on('data', (d) => {
    const cmd = d.toString().trim();
    if (cmd.startsWith('broadcast')) {
      const [, n, size] = cmd.split(' ').map(Number);
      const t0 = process.hrtime.bigint();
      console.log(`START ${t0}`);
      const sent = broadcast(n, size);
      console.log(`BROADCAST ${sent} ${Number(process.hrtime.bigint() - t0) / 1e6}`);
    } else if (cmd === 'mem') {
      global.gc?.();
      console.log(`MEM ${process.memoryUsage().rss} ${connections()}`);
    }
  });
}
