// Where a server and the load generator run during one measurement (Linux, taskset).
//
// With one message in flight a round trip is: the load generator writes, the server wakes, reads,
// answers, the load generator wakes. Left to the scheduler, the two processes sometimes share a
// CPU (the waker's: no cross-CPU wake-up) and sometimes not, and on this 2-core VM that alone
// moves a round trip between about 15 and 80 µs — more than any difference between contenders,
// and differently from run to run. So the latency scenario places them itself:
//   one  both on the same CPU: a round trip is CPU work only (the load generator's, the kernel's,
//        the server's), so it shows what the server adds, and deferred work shows up in full;
//   two  the server on one CPU, the load generator on the other: every message crosses CPUs and
//        wakes a sleeping one, as between two machines (on a VM that wake-up dominates);
//   free the scheduler decides (the echo matrix, whose throughput uses both CPUs).
// The CPU for `one` (and the server's for `two`) is the less busy one just before each run, so
// another process on the machine hurts every contender alike rather than whoever ran on its CPU.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export const PLACEMENTS = ['one', 'two', 'free'];
export const PLACEMENT_LABEL = { one: 'one CPU', two: 'two CPUs', free: 'scheduler-placed' };

const cpuCount = availableParallelism();
let haveTaskset = null;

/** Why `placement` cannot be used here, or null. */
export function placementUnavailable(placement) {
  if (!PLACEMENTS.includes(placement)) return `unknown placement ${placement} (one, two, free)`;
  if (placement === 'free') return null;
  if (process.platform !== 'linux') return 'pinning needs Linux';
  if (placement === 'two' && cpuCount < 2) return 'one CPU only';
  if (haveTaskset === null) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      haveTaskset = true;
    } catch {
      haveTaskset = false;
    }
  }
  return haveTaskset ? null : 'taskset (util-linux) not found';
}

/** Busy and total jiffies of each CPU, from /proc/stat. */
function cpuTimes() {
  return readFileSync('/proc/stat', 'latin1')
    .split('\n')
    .filter((l) => /^cpu\d/.test(l))
    .map((l) => {
      const v = l.trim().split(/\s+/).slice(1).map(Number);
      const idle = v[3] + (v[4] ?? 0);
      const total = v.reduce((a, b) => a + b, 0);
      return { busy: total - idle, total };
    });
}

/** CPU ids ordered from the least busy over the last `ms`. */
function cpusByIdleness(ms = 200) {
  const a = cpuTimes();
  execFileSync('sleep', [String(ms / 1000)]);
  const b = cpuTimes();
  return b
    .map((t, i) => ({ i, load: (t.busy - a[i].busy) / Math.max(1, t.total - a[i].total) }))
    .sort((x, y) => x.load - y.load)
    .map((x) => x.i);
}

/**
 * Pins server `pid` (all its threads) for the next run and returns the command prefix for the
 * load generator ([] for `free`: nothing is pinned; each matrix starts servers of its own).
 */
export function place(placement, pid) {
  if (placement === 'free') return [];
  const [server, other] = cpusByIdleness();
  execFileSync('taskset', ['-a', '-p', '-c', String(server), String(pid)], { stdio: 'ignore' });
  return ['taskset', '-c', String(placement === 'one' ? server : other)];
}
