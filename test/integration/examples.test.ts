/** The examples/ programs that are not the npm start demo, run as a user would run them. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { redisAvailable, startRedis } from '../helpers/redis';
import { runPeer } from '../helpers/spawnPeer';

const ROOT = join(__dirname, '..', '..');

describe('examples', () => {
  it.skipIf(!redisAvailable())('redis-two-processes.mjs: each client hears the other process publish, not itself', async () => {
    const redis = await startRedis();
    try {
      process.env.REDIS_URL = redis.url;
      const out = await runPeer(process.execPath, [join(ROOT, 'examples/redis-two-processes.mjs')], 20000);
      expect(out).toMatch(/\[client 0 on :\d+\] got: hello from process B/);
      expect(out).toMatch(/\[client 1 on :\d+\] got: hello from process A/);
      expect(out).not.toMatch(/\[client 0 on :\d+\] got: hello from process A/);
      expect(out).toMatch(/published "hello from process A": 0 local subscriber\(s\)/);
    } finally {
      delete process.env.REDIS_URL;
      await redis.dispose();
    }
  });
});
