/**
 * Interop: real graphql-ws (with graphql, pinned devDependencies) over qwebsocket/ws. The server is
 * graphql-ws's `useServer` on the face's WebSocketServer: it sets `wss.options.handleProtocols` after
 * construction, walks `wss.clients` on dispose, compares `socket.readyState` with `socket.OPEN`, and keeps
 * connections alive with `socket.ping()` / `socket.once('pong')`, terminating the silent. The client is
 * graphql-ws's `createClient` with the face's WebSocket as `webSocketImpl` (the browser-style API:
 * on-attributes, `data` of message events, the static readyState constants), against that server and
 * against `useServer` on ws.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { FormattedExecutionResult } from 'graphql';
import { type Client, type ClientOptions, createClient, type ServerOptions } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer as WsServer } from 'ws';
import { until } from '../helpers/wait';
import { WebSocket, WebSocketServer, targetName } from '../helpers/wsTarget';

// graphql through Node's own resolution, as graphql-ws (left to Node by vitest) gets it: vite's resolver
// would pick graphql's "development" build, a second copy whose schema graphql-ws refuses ("another realm").
const { GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } = createRequire(__filename)(
  'graphql',
) as typeof import('graphql');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      hello: { type: GraphQLString, args: { name: { type: GraphQLString } }, resolve: (_, { name }) => `hello ${name ?? 'world'}` },
      broken: {
        type: GraphQLString,
        resolve: () => {
          throw new Error('resolver failed on purpose');
        },
      },
    },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      count: {
        type: new GraphQLNonNull(GraphQLInt),
        args: { to: { type: new GraphQLNonNull(GraphQLInt) } },
        subscribe: async function* (_: unknown, { to }: { to: number }) {
          for (let i = 1; i <= to; i++) {
            await sleep(5);
            yield { count: i };
          }
        },
      },
    },
  }),
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(
  options: Partial<ServerOptions<Record<string, unknown> | undefined, Extra>> = {},
  keepAlive?: number,
  Server: typeof WebSocketServer = WebSocketServer,
) {
  const wss = new Server({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  // graphql-ws types its argument as ws's server; the face's has the members it uses.
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/graphql`;
  const server = useServer({ schema, ...options }, wss as unknown as Parameters<typeof useServer>[1], keepAlive);
  let disposed = false;
  // Once only: a second dispose closes a closed server, which ws's close() reports as an error.
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    await server.dispose();
  };
  cleanups.push(dispose);
  return { wss, dispose, url };
}

function client(url: string, options: Partial<ClientOptions> = {}): Client {
  const c = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, ...options });
  cleanups.push(() => c.dispose());
  return c;
}

/** One result as the client's sink gets it. */
type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;

/** Collects every result of one operation; resolves on complete, rejects with what the sink got. */
function run(c: Client, query: string, variables?: Record<string, unknown>): Promise<Result[]> {
  const results: Result[] = [];
  return new Promise((resolve, reject) => {
    c.subscribe({ query, variables }, { next: (r) => results.push(r), error: reject, complete: () => resolve(results) });
  });
}

describe(`graphql-ws: useServer on the ${targetName} WebSocketServer, createClient on its WebSocket`, () => {
  it('runs a query over the graphql-transport-ws subprotocol', async () => {
    const { wss, url } = await startServer();
    const c = client(url);
    expect(await run(c, '{ hello }')).toEqual([{ data: { hello: 'hello world' } }]);
    expect(await run(c, 'query ($n: String) { hello(name: $n) }', { n: 'qws' })).toEqual([{ data: { hello: 'hello qws' } }]);
    const [socket] = wss.clients;
    expect(socket.protocol).toBe('graphql-transport-ws');
  });

  it('streams a subscription, several results in order, then completes', async () => {
    const { url } = await startServer();
    const results = await run(client(url), 'subscription { count(to: 5) }');
    expect(results).toEqual([1, 2, 3, 4, 5].map((count) => ({ data: { count } })));
  });

  it('runs concurrent subscriptions on one socket', async () => {
    const { wss, url } = await startServer();
    const c = client(url);
    const [a, b] = await Promise.all([run(c, 'subscription { count(to: 3) }'), run(c, 'subscription { count(to: 4) }')]);
    expect(a.map((r) => r.data?.count)).toEqual([1, 2, 3]);
    expect(b.map((r) => r.data?.count)).toEqual([1, 2, 3, 4]);
    expect(wss.clients.size).toBe(1);
  });

  it('reports errors: a failing resolver as a result, an invalid operation to the sink', async () => {
    const { url } = await startServer();
    const c = client(url);
    const [result] = await run(c, '{ broken }');
    expect(result.data).toEqual({ broken: null });
    expect(result.errors?.[0].message).toBe('resolver failed on purpose');

    const refused = (await run(c, '{ nosuchfield }').then(
      () => [],
      (errors: unknown) => errors,
    )) as Array<{ message: string }>;
    expect(refused).toHaveLength(1);
    expect(refused[0].message).toMatch(/nosuchfield/);
  });

  it('refuses connection_init when onConnect says no: close 4403 Forbidden', async () => {
    const { url } = await startServer({ onConnect: (ctx) => (ctx.connectionParams as { token?: string } | undefined)?.token === 'right' });
    const closed: Array<{ code: number; reason: string }> = [];
    const denied = client(url, { connectionParams: { token: 'wrong' }, on: { closed: (e) => closed.push(e as { code: number; reason: string }) } });
    const error = (await run(denied, '{ hello }').then(
      () => null,
      (e: unknown) => e,
    )) as { code: number; reason: string };
    expect(error.code).toBe(4403);
    expect(error.reason).toBe('Forbidden');
    expect(closed.map((e) => [e.code, e.reason])).toEqual([[4403, 'Forbidden']]);

    const allowed = client(url, { connectionParams: { token: 'right' } });
    expect(await run(allowed, '{ hello }')).toEqual([{ data: { hello: 'hello world' } }]);
  });

  it('closes a socket that did not ask for graphql-transport-ws with 4406', async () => {
    const { url } = await startServer();
    const raw = new WebSocket(url);
    cleanups.push(() => raw.terminate());
    const [code] = (await once(raw, 'close')) as [number, Buffer];
    expect(code).toBe(4406);
  });

  it('keeps a ponging client alive through keep-alive pings, and terminates one that does not pong', async () => {
    // An interval long enough that a loaded machine's pong is never late (graphql-ws terminates a socket
    // whose pong has not come one interval after the ping).
    const keepAlive = 300;
    const { wss, url } = await startServer({}, keepAlive);
    const c = client(url, { lazy: false });
    await new Promise<void>((resolve) => c.on('connected', () => resolve()));
    const [serverSide] = wss.clients;
    let pongs = 0;
    serverSide.on('pong', () => pongs++);
    await until(() => pongs >= 3, 20000, () => `${pongs} pongs`);
    expect(serverSide.readyState).toBe(WebSocket.OPEN);
    expect(await run(c, '{ hello }')).toEqual([{ data: { hello: 'hello world' } }]);

    const silent = new WebSocket(url, ['graphql-transport-ws'], { autoPong: false });
    cleanups.push(() => silent.terminate());
    let pings = 0;
    silent.on('ping', () => pings++);
    await once(silent, 'open');
    silent.send(JSON.stringify({ type: 'connection_init' }));
    const [code] = (await once(silent, 'close')) as [number, Buffer];
    expect(pings).toBeGreaterThanOrEqual(1);
    expect(code).toBe(1006); // terminated by the server: no close frame
  });

  it('dispose closes every client (wss.clients) with 1001 Going away and closes the server', async () => {
    const { dispose, url } = await startServer();
    const closed: Array<{ code: number; reason: string }> = [];
    const nonLazyErrors: unknown[] = [];
    const c = client(url, {
      lazy: false,
      on: { closed: (e) => closed.push(e as { code: number; reason: string }) },
      onNonLazyError: (e) => nonLazyErrors.push(e), // a non-lazy client reports the close it did not ask for
    });
    await new Promise<void>((resolve) => c.on('connected', () => resolve()));
    await dispose();
    await until(() => closed.length > 0, 10000, () => 'the client saw no close');
    expect(closed.map((e) => [e.code, e.reason])).toEqual([[1001, 'Going away']]);
    expect(nonLazyErrors).toEqual([closed[0]]);
    const late = new WebSocket(url, ['graphql-transport-ws']);
    const [err] = (await once(late, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
  });
});

describe(`graphql-ws: createClient on the ${targetName} WebSocket against useServer on ws`, () => {
  const onWs = (options: Partial<ServerOptions<Record<string, unknown> | undefined, Extra>> = {}) =>
    startServer(options, undefined, WsServer as unknown as typeof WebSocketServer);

  it('runs a query and streams a subscription', async () => {
    const { url } = await onWs();
    const c = client(url);
    expect(await run(c, '{ hello }')).toEqual([{ data: { hello: 'hello world' } }]);
    const results = await run(c, 'subscription { count(to: 3) }');
    expect(results).toEqual([1, 2, 3].map((count) => ({ data: { count } })));
  });

  it('sees a refused connection_init as close 4403 Forbidden', async () => {
    const { url } = await onWs({ onConnect: () => false });
    const error = (await run(client(url), '{ hello }').then(
      () => null,
      (e: unknown) => e,
    )) as { code: number; reason: string };
    expect([error.code, error.reason]).toEqual([4403, 'Forbidden']);
  });
});
