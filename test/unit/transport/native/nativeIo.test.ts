/**
 * The loader's check of the addon's transport (src/transport/native/nativeIo): a stale build —
 * one whose transport interface is older than the TS side (here shaped like the first native
 * transport: ioInit(read, records, onEvent), no ioApiVersion) — is refused before anything calls
 * it; connections then run on net.Socket and nativeStatus() says why.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IoEvent } from '../../../../src/codec/constants';
import { native } from '../../../../src/codec/native';

afterEach(() => {
  vi.doUnmock('../../../../src/codec/native');
  vi.resetModules();
});

/** The codec functions of the real addon (or none), with an old transport interface. */
function staleAddon(calls: string[]): object {
  return {
    ...(native ?? {}),
    ioApiVersion: undefined,
    ioSupported: () => true,
    // the first transport's ioInit: (read, records, onEvent); our 4 arguments make it throw
    ioInit: (_read: unknown, _records: unknown, onEvent: unknown) => {
      calls.push('ioInit');
      if (typeof onEvent !== 'function') throw new Error('ioInit(readBuffer, records, onEvent): bad arguments');
      return 0;
    },
  };
}

describe('native transport: the loader refuses a stale addon', () => {
  it('usableTransport: an addon without the interface version, or with another one, is refused before any call', async () => {
    const { usableTransport } = await import('../../../../src/transport/native/nativeIo');
    const calls: string[] = [];
    expect(usableTransport(staleAddon(calls))).toMatch(/stale build \(transport interface 1, expected \d+\)/);
    expect(usableTransport({ ...staleAddon(calls), ioApiVersion: () => IoEvent.API_VERSION + 1 })).toMatch(/stale build/);
    expect(calls).toEqual([]);
    expect(usableTransport(null)).toBe('the native addon is not loaded');
    expect(usableTransport({ decode: () => 0 })).toBe('the native addon has no transport');
  });

  it.runIf(native !== null)('the real addon passes the check', async () => {
    const { usableTransport } = await import('../../../../src/transport/native/nativeIo');
    expect(typeof usableTransport(native)).toBe(process.platform === 'win32' ? 'string' : 'object');
  });

  // the stale addon keeps the real addon's codec functions: without the addon (QWS_NO_NATIVE=1) there is none to keep
  it.runIf(native !== null)('with a stale addon a client connects and echoes on net.Socket, and nativeStatus() says why', { timeout: 20000 }, async () => {
    const calls: string[] = [];
    vi.resetModules();
    vi.doMock('../../../../src/codec/native', async (importOriginal) => ({ ...(await importOriginal<object>()), native: staleAddon(calls) }));
    const q = await import('../../../../src/index');
    const server = new q.WebSocketServer('stale');
    server.on('newConnection', () => {
      const ws = server.nextPendingConnection()!;
      ws.on('textMessageReceived', (m) => ws.sendTextMessage(m));
    });
    expect(await server.listen('127.0.0.1', 0)).toBe(true);
    const client = new q.WebSocket();
    try {
      const echoed = new Promise<string>((resolve, reject) => {
        client.once('connected', () => client.sendTextMessage('over net.Socket'));
        client.once('textMessageReceived', resolve);
        client.once('errorOccurred', () => reject(new Error(client.errorString())));
        setTimeout(() => reject(new Error(`no echo; client state ${client.state()}`)), 10000);
      });
      client.open(`ws://127.0.0.1:${server.serverPort()}/`);
      expect(await echoed).toBe('over net.Socket');
      expect(q.nativeStatus().transport).toMatch(/stale build/);
      expect(calls).toEqual([]);
    } finally {
      client.abort();
      server.close();
    }
  });
});
