/**
 * Topics walked natively (issue 17: native/io/topics, transport/native/nativeTopics): on the
 * native transport a publish's subscribers are walked in C++, and the ones that cannot take it
 * there (a send of theirs waiting, a message sent in fragments under way, over the cap, ...) are
 * left to JS. What each peer receives must be exactly what a walk in JS would give it, in call
 * order: checked against a model of the subscriptions over seeded random sequences of
 * subscribe, unsubscribe, publish, direct sends, fragmented sends and waits. Under
 * QWS_TRANSPORT=node the same sequences run through the JS walk.
 */
import { describe, expect, it, vi } from 'vitest';
import { onNative, watchNativeWalk } from '../../helpers/nativeWalk';
import type { AddressInfo } from 'node:net';
import { WebSocket } from '../../../src/ws/index';
import { rawClient } from '../../helpers/rawPeer';
import { seededRandom } from '../../helpers/prng';
import { until } from '../../helpers/wait';
import { cleanup, faceClient, withClients, useCleanups } from './helpers';

useCleanups();

const TOPICS = ['a', 'b', 'c'];

/** A received message as compared: long ones by their start and length. */
const shown = (m: string): string => (m.length > 64 ? `${m.slice(0, 10)}…${m.length}` : m);

async function randomRun(seed: number, steps: number): Promise<{ collected: number; fallback: number }> {
  const seen = watchNativeWalk('ioPublish');
  const { wss, sockets, clients } = await withClients(5);
  const r = seededRandom(seed);
  const members = TOPICS.map(() => new Set<number>());
  const expected: string[][] = sockets.map(() => []);
  // per socket: the pieces of a message being sent in fragments, and what waits for its end
  const pieces: Array<string[] | null> = sockets.map(() => null);
  const held: string[][] = sockets.map(() => []);
  const deliver = (i: number, m: string): void => {
    if (pieces[i] !== null) held[i].push(m);
    else expected[i].push(m);
  };
  let id = 0;
  for (let step = 0; step < steps; step++) {
    const i = r.randInt(0, sockets.length - 1);
    const ws: WebSocket = sockets[i];
    const t = r.randInt(0, TOPICS.length - 1);
    const x = r.rand();
    const m = `m${id++}`;
    if (x < 0.15) {
      expect(ws.subscribe(TOPICS[t])).toBe(!members[t].has(i));
      members[t].add(i);
    } else if (x < 0.23) {
      expect(ws.unsubscribe(TOPICS[t])).toBe(members[t].has(i));
      members[t].delete(i);
    } else if (x < 0.5) {
      const big = r.rand() < 0.1;
      const text = big ? `${m}:${'x'.repeat(150_000)}` : m;
      expect(wss.publish(TOPICS[t], text)).toBe(members[t].size);
      for (const j of members[t]) deliver(j, text);
    } else if (x < 0.62) {
      expect(ws.publish(TOPICS[t], m)).toBe(members[t].size - (members[t].has(i) ? 1 : 0));
      for (const j of members[t]) if (j !== i) deliver(j, m);
    } else if (x < 0.77) {
      if (pieces[i] !== null) continue; // (a send now would end the fragmented message)
      ws.send(m);
      expected[i].push(m);
    } else if (x < 0.83) {
      if (pieces[i] === null) {
        pieces[i] = [m];
        ws.send(m, { fin: false });
      } else if (r.rand() < 0.5) {
        pieces[i]!.push(m);
        ws.send(m, { fin: false });
      } else {
        ws.send(m, { fin: true });
        expected[i].push([...pieces[i]!, m].join(''), ...held[i]);
        pieces[i] = null;
        held[i] = [];
      }
    } else if (x < 0.9) {
      await new Promise((resolve) => setImmediate(resolve));
    } else if (x < 0.95) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    } else {
      await Promise.resolve();
    }
  }
  for (let i = 0; i < sockets.length; i++) {
    if (pieces[i] === null) continue;
    sockets[i].send('end', { fin: true });
    expected[i].push([...pieces[i]!, 'end'].join(''), ...held[i]);
  }
  await until(() => clients.every((c, i) => c.got.length >= expected[i].length), 15000, () => JSON.stringify(clients.map((c, i) => [c.got.length, expected[i].length])));
  for (let i = 0; i < clients.length; i++) expect(clients[i].got.map(shown), `client ${i}`).toEqual(expected[i].map(shown));
  return seen;
}

describe('topics walked natively (ws face)', () => {
  it('random sequences of subscriptions, publishes and direct or fragmented sends: each peer gets exactly what the model says, in call order', async () => {
    let collected = 0;
    let fallback = 0;
    for (const seed of [17, 4711, 90210]) {
      const seen = await randomRun(seed, 500);
      collected += seen.collected;
      fallback += seen.fallback;
      vi.restoreAllMocks();
    }
    if (onNative) {
      // both ways were taken: members in C++, and those with something of their own waiting in JS
      expect(collected).toBeGreaterThan(100);
      expect(fallback).toBeGreaterThan(100);
    }
  }, 60_000);

  it('a closed subscriber leaves its native topics before its connection id serves a new one', async () => {
    const { wss, url, sockets, clients } = await withClients(2);
    sockets[0].subscribe('a');
    sockets[0].subscribe('b');
    sockets[1].subscribe('a');
    clients[0].terminate();
    await until(() => sockets[0].readyState === 3, 3000, () => 'closed');
    // the next connection takes the freed id (ids are reused last freed first)
    const late = await faceClient(url);
    await until(() => sockets.length === 3, 3000, () => 'accepted');
    expect(wss.publish('a', 'to a')).toBe(1);
    expect(wss.publish('b', 'to b')).toBe(0);
    // the old socket's (no-op) unsubscribe must not touch the new one's membership
    sockets[2].subscribe('b');
    expect(sockets[0].unsubscribe('b')).toBe(false);
    expect(wss.publish('b', 'to b again')).toBe(1);
    await until(() => late.got.length === 1 && clients[1].got.length === 1, 3000, () => JSON.stringify([late.got, clients[1].got]));
    expect(late.got).toEqual(['to b again']);
    expect(clients[1].got).toEqual(['to a']);
  });

  it('a publish from a message handler reaches the connection being read after what the handler sent it before', async () => {
    const { wss, sockets, clients } = await withClients(3);
    for (const ws of sockets) ws.subscribe('room');
    sockets[0].on('message', (data) => {
      sockets[0].send(`echo ${String(data)}`);
      wss.publish('room', `pub ${String(data)}`);
    });
    // several in one read: the replies of the first are still in the outbox at the second publish
    for (let k = 0; k < 20; k++) clients[0].send(String(k));
    await until(() => clients[0].got.length === 40 && clients[2].got.length === 20, 3000, () => JSON.stringify(clients.map((c) => c.got.length)));
    expect(clients[0].got).toEqual(Array.from({ length: 20 }, (_, k) => [`echo ${k}`, `pub ${k}`]).flat());
    expect(clients[1].got).toEqual(Array.from({ length: 20 }, (_, k) => `pub ${k}`));
  });

  it('a publish after a Blob send waits behind it (its bytes are read later), then the walk takes the connection again', async () => {
    const seen = watchNativeWalk('ioPublish');
    const { wss, sockets, clients } = await withClients(2);
    for (const ws of sockets) ws.subscribe('t');
    sockets[0].send(new Blob(['late bytes']));
    expect(wss.publish('t', 'p1')).toBe(2);
    await until(() => clients[0].got.length === 2 && clients[1].got.length === 1, 3000, () => JSON.stringify(clients.map((c) => c.got)));
    expect(clients[0].got).toEqual(['bin:' + Buffer.from('late bytes').toString('hex'), 'p1']);
    await new Promise((r) => setImmediate(r));
    expect(wss.publish('t', 'p2')).toBe(2);
    await until(() => clients[0].got.length === 3, 3000, () => JSON.stringify(clients[0].got));
    if (onNative) expect(seen).toEqual({ collected: 1 + 2, fallback: 1 });
  });

  it('subscribers reset while publishes are collected for them: failed writes close them, handlers that publish meanwhile do not break the order the others get', async () => {
    const { wss, sockets, clients } = await withClients(2);
    const port = (wss.address() as AddressInfo).port;
    const doomed: Array<Awaited<ReturnType<typeof rawClient>>> = [];
    for (let i = 0; i < 24; i++) {
      const peer = await rawClient(port);
      cleanup(() => peer.socket.destroy());
      doomed.push(peer);
    }
    await until(() => sockets.length === 26, 3000, () => `${sockets.length} accepted`);
    let fromHandlers = 0;
    for (const ws of sockets) {
      ws.subscribe('t');
      // a handler of a failed connection publishes (from inside the native flush, for a failed write)
      const again = (): void => {
        fromHandlers++;
        wss.publish('t', `h${fromHandlers}`);
      };
      ws.on('error', again);
      ws.on('close', again);
    }
    for (let round = 0; round < 6; round++) {
      wss.publish('t', `p${round}`);
      // the RSTs are in the server's kernel before the collected writes go out (check phase)
      for (const peer of doomed.splice(0, 4)) peer.socket.resetAndDestroy();
      await new Promise((r) => setImmediate(r));
    }
    await until(() => sockets.filter((ws) => ws.readyState === WebSocket.CLOSED).length === 24, 5000, () => 'the reset ones closed');
    await new Promise((r) => setTimeout(r, 50));
    for (const c of clients) {
      await until(() => c.got.length === 6 + fromHandlers, 5000, () => `${c.got.length} of ${6 + fromHandlers}`);
      expect(c.got.filter((m) => m.startsWith('p'))).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
      expect(c.got.filter((m) => m.startsWith('h'))).toEqual(Array.from({ length: fromHandlers }, (_, k) => `h${k + 1}`));
    }
    expect(fromHandlers).toBeGreaterThanOrEqual(24);
  });

  it('a loop of thousands of publishes in one tick, with direct sends between them: all arrive, in call order', async () => {
    const { wss, sockets, clients } = await withClients(3);
    for (const ws of sockets) ws.subscribe('t');
    const expected: string[][] = sockets.map(() => []);
    for (let k = 0; k < 5000; k++) {
      if (k % 700 === 0) {
        const i = k % 3;
        sockets[i].send(`d${k}`);
        expected[i].push(`d${k}`);
      }
      expect(wss.publish('t', `p${k}`)).toBe(3);
      for (const e of expected) e.push(`p${k}`);
    }
    await until(() => clients.every((c, i) => c.got.length === expected[i].length), 10000, () => JSON.stringify(clients.map((c) => c.got.length)));
    for (let i = 0; i < 3; i++) expect(clients[i].got).toEqual(expected[i]);
  });

  it('the native walk takes a publish to subscribers with nothing of their own waiting', async () => {
    const seen = watchNativeWalk('ioPublish');
    const { wss, sockets, clients } = await withClients(4);
    for (const ws of sockets) ws.subscribe('all');
    expect(wss.publish('all', 'one')).toBe(4);
    sockets[1].send('own'); // waits in its outbox until the end of the tick: this one goes through JS
    expect(sockets[0].publish('all', 'two')).toBe(3);
    await until(() => clients.every((c) => c.got.length === (c === clients[0] ? 1 : 2) + (c === clients[1] ? 1 : 0)), 3000, () => JSON.stringify(clients.map((c) => c.got)));
    expect(clients.map((c) => c.got)).toEqual([['one'], ['one', 'own', 'two'], ['one', 'two'], ['one', 'two']]);
    if (onNative) expect(seen).toEqual({ collected: 4 + 2, fallback: 1 });
  });
});
