// The stdin control protocol every bench server speaks (bench/run.mjs drives it):
//   "broadcast N SIZE" → prints "START <hrtime ns>", calls broadcast(N, SIZE) (which returns the
//                         number of messages it queued), then "BROADCAST <sent> <ms>";
//   "mem"              → GC (when --expose-gc), then "MEM <rss bytes> <open connections>";
//   "mem reduce"       → the same after a memory-reducing GC (V8's last-resort one: unlike an
//                         ordinary one it also gives back the young generation it grew).
export function serveControl({ broadcast, connections }) {
  process.stdin.on('data', (d) => {
    const cmd = d.toString().trim();
    if (cmd.startsWith('broadcast')) {
      const [, n, size] = cmd.split(' ').map(Number);
      const t0 = process.hrtime.bigint();
      console.log(`START ${t0}`);
      const sent = broadcast(n, size);
      console.log(`BROADCAST ${sent} ${Number(process.hrtime.bigint() - t0) / 1e6}`);
    } else if (cmd === 'mem' || cmd === 'mem reduce') {
      global.gc?.(cmd === 'mem' ? undefined : { type: 'major', execution: 'sync', flavor: 'last-resort' });
      console.log(`MEM ${process.memoryUsage().rss} ${connections()}`);
    }
  });
}
