/**
 * Real Redis for the tests: Debian's redis-server on free loopback ports, without persistence,
 * each in its own temp dir; and a 3-master Redis Cluster made with `redis-cli --cluster create`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, findBinary, freePort, peerAvailable, runPeer, startGroup } from './spawnPeer';

export const REDIS_SERVER = findBinary('redis-server');
export const REDIS_CLI = findBinary('redis-cli');

/** True when redis-server and redis-cli are installed (an error under QWS_REQUIRE_PEERS=1). */
export function redisAvailable(): boolean {
  return peerAvailable('redis-server', REDIS_SERVER !== null && REDIS_CLI !== null);
}

/** One redis-server process; stop() and start() again keep its port (to test outages). */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** Kills it (SIGKILL: like a crash or a cut cable, no goodbye to clients). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Runs redis-cli against it. */
  cli(...args: string[]): Promise<string>;
  /** Stops it and removes its dir. */
  dispose(): Promise<void>;
}

async function launch(port: number, dir: string, extra: string[]): Promise<{ stop: () => Promise<void> } | null> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no', ...extra];
  const proc = startGroup(REDIS_SERVER as string, args);
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.child.once('exit', () => ((exited = true), resolve())));
  const stop = async (): Promise<void> => {
    proc.stop();
    await Promise.race([exit, new Promise((r) => setTimeout(r, 5000))]);
  };
  const deadline = Date.now() + 10000;
  while (!exited && Date.now() < deadline) {
    if (await accepts(port)) return { stop };
    await new Promise((r) => setTimeout(r, 25));
  }
  await stop();
  return null;
}

/** A port that is free, and (for cluster nodes) whose bus port (+10000) is free too. */
async function pickPort(cluster: boolean): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (!cluster) return p;
    if (p + 10000 < 65536 && !(await accepts(p + 10000))) return p;
  }
}

/** Starts a redis-server (extra arguments, e.g. cluster mode) on a free port. */
export async function startRedis(extra: string[] = [], cluster = false): Promise<RedisProcess> {
  if (REDIS_SERVER === null) throw new Error('redis-server is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'qws-redis-'));
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await pickPort(cluster);
    let running = await launch(port, dir, extra);
    if (running === null) continue;
    const self: RedisProcess = {
      port,
      url: `redis://127.0.0.1:${port}`,
      async stop() {
        await running?.stop();
        running = null;
      },
      async start() {
        if (running !== null) return;
        for (let i = 0; i < 20 && running === null; i++) running = await launch(port, dir, extra);
        if (running === null) throw new Error(`redis-server did not restart on ${port}`);
      },
      cli: (...args) => runPeer(REDIS_CLI as string, ['-p', String(port), ...args]),
      async dispose() {
        await self.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return self;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('redis-server did not start');
}

/** A Redis Cluster of `masters` masters without replicas, every slot assigned, state ok. */
export async function startRedisCluster(masters = 3): Promise<{ nodes: RedisProcess[]; urls: string[]; dispose: () => Promise<void> }> {
  const nodes: RedisProcess[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`, '--cluster-node-timeout', '3000'], true));
    }
    await runPeer(REDIS_CLI as string, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], 60000);
    const deadline = Date.now() + 20000;
    for (const n of nodes) {
      while (!/cluster_state:ok/.test(await n.cli('cluster', 'info'))) {
        if (Date.now() > deadline) throw new Error(`cluster not ok on ${n.port}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => n.dispose()));
    throw e;
  }
  return { nodes, urls: nodes.map((n) => n.url), dispose: () => Promise.all(nodes.map((n) => n.dispose())).then(() => undefined) };
}

/** The node of the cluster that serves a channel's slot. */
export async function nodeOfChannel(nodes: RedisProcess[], channel: string): Promise<RedisProcess> {
  const slot = Number((await nodes[0].cli('cluster', 'keyslot', channel)).trim());
  for (const n of nodes) {
    const mine = (await n.cli('cluster', 'myid')).trim();
    const line = (await n.cli('cluster', 'nodes')).split('\n').find((l) => l.startsWith(mine));
    if (line !== undefined && slotRanges(line).some(([a, b]) => slot >= a && slot <= b)) return n;
  }
  throw new Error(`no node serves slot ${slot}`);
}

/** The slot ranges at the end of a `cluster nodes` line ("0-5460 5462"). */
function slotRanges(line: string): Array<[number, number]> {
  return line
    .split(' ')
    .slice(8)
    .filter((s) => /^\d+(-\d+)?$/.test(s))
    .map((s) => {
      const [a, b] = s.split('-').map(Number);
      return [a, b ?? a] as [number, number];
    });
}

/** Redis's count of subscribers to a channel: connections (one per broker), not sockets. */
export async function subscriberCount(redis: RedisProcess, channel: string, sharded = false): Promise<number> {
  const out = await redis.cli('pubsub', sharded ? 'shardnumsub' : 'numsub', channel);
  return Number(out.trim().split('\n')[1]);
}

/** Waits (up to 5 s) for Redis to count `n` subscribers to a channel; returns the last count. */
export async function settledSubscriberCount(redis: RedisProcess, channel: string, n: number, sharded = false): Promise<number> {
  let count = await subscriberCount(redis, channel, sharded);
  for (let i = 0; i < 200 && count !== n; i++) {
    await new Promise((r) => setTimeout(r, 25));
    count = await subscriberCount(redis, channel, sharded);
  }
  return count;
}
