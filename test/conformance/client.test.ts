/**
 * RFC 6455 rules case by case, client side, grouped like the Autobahn testsuite's sections.
 * A raw server sends exact bytes; our client echoes every message; the test checks exactly
 * which frames come back, in order, and the close code of each failure. Every case runs over
 * HTTP/1.1 and over HTTP/2 (RFC 8441: our client's `http2` open to a raw h2c server that takes
 * its extended CONNECT stream).
 */
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index';
import { frame, rawServer, type FrameReader, type WireFrame } from '../helpers/rawPeer';
import { rawHttp2Server } from '../helpers/rawHttp2Peer';
import { BIN, CLOSE, CONT, TEXT, sections as buildSections, type Case, type Expect } from './cases';

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

type Transport = 'HTTP/1.1' | 'HTTP/2';
const TRANSPORTS: Transport[] = ['HTTP/1.1', 'HTTP/2'];

/** Connects an echoing client to a raw server, sends `chunks`, and returns the frames the client sent. */
async function run(transport: Transport, chunks: Buffer[], opts: { byteByByte?: boolean; expectFrames: number; setup?: (c: WebSocket) => void }): Promise<{ frames: WireFrame[]; client: WebSocket; closedTcp: boolean }> {
  let resolvePeer!: (p: { reader: FrameReader; write: (b: Buffer) => Promise<void> }) => void;
  const peer = new Promise<{ reader: FrameReader; write: (b: Buffer) => Promise<void> }>((r) => (resolvePeer = r));
  const onPeer = (socket: Duplex, reader: FrameReader): void => {
    resolvePeer({
      reader,
      write: (b) => new Promise<void>((r) => socket.write(b, () => r())),
    });
  };
  const srv = transport === 'HTTP/2' ? await rawHttp2Server(onPeer) : await rawServer(onPeer);
  cleanups.push(srv.close);
  const client = new WebSocket();
  cleanups.push(() => client.abort());
  client.on('textMessageReceived', (m) => client.sendTextMessage(m));
  client.on('binaryMessageReceived', (m) => client.sendBinaryMessage(m));
  opts.setup?.(client);
  client.open(`ws://127.0.0.1:${srv.port}/`, { http2: transport === 'HTTP/2' });
  // each step has a deadline well inside the test's, so a stall says where it stalled and in which state
  const step = <T>(what: string, p: Promise<T>): Promise<T> => {
    let timer!: NodeJS.Timeout;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`stalled ${what}: client state ${client.state()}, error ${client.error()} "${client.errorString()}"`)), 10000);
    });
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
  };
  const { reader, write } = await step('waiting for the server to see the upgrade', peer);
  for (const c of chunks) {
    if (opts.byteByByte) {
      for (let i = 0; i < c.length; i++) {
        await step(`writing byte ${i} of ${c.length}`, write(c.subarray(i, i + 1)));
        await new Promise((r) => setImmediate(r));
      }
    } else {
      await step(`writing ${c.length} bytes`, write(c));
    }
  }
  const frames: WireFrame[] = [];
  for (let i = 0; i < opts.expectFrames; i++) {
    const f = await reader.next();
    if (f === null) break;
    frames.push(f);
  }
  return { frames, client, closedTcp: reader.closed };
}

function check(frames: WireFrame[], expected: Expect[]): void {
  expect(frames.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const f = frames[i];
    expect(f.masked).toBe(true); // RFC 6455 §5.1: a client masks every frame
    if ('close' in e) {
      expect(f.opcode).toBe(CLOSE);
      if (e.close !== 'any') expect(f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 'none').toBe(e.close);
    } else {
      expect(f.opcode).toBe(e.opcode);
      if (e.payload !== undefined) expect(f.payload.equals(Buffer.from(e.payload))).toBe(true);
    }
  });
}

const sections = buildSections(false);
const byName = (sec: string): Case[] => sections.find(([n]) => n === sec)![1];
const frag = byName('5 fragmentation'), utf8 = byName('6 UTF-8'), close = byName('7 close handling'), pings = byName('2 pings/pongs'), reserved = byName('3 reserved bits');

for (const transport of TRANSPORTS) {
  for (const [section, cases] of sections) {
    describe(`client conformance over ${transport}: ${section}`, () => {
      for (const c of cases) {
        it(c.name, async () => {
          const { frames } = await run(transport, c.send, { expectFrames: c.expect.length });
          check(frames, c.expect);
        });
      }
    });
  }

  describe(`client conformance over ${transport}: byte-by-byte delivery`, () => {
    const chosen = [...frag.slice(2, 4), ...utf8.slice(0, 4), close[0], pings[1], reserved[0]];
    for (const c of chosen) {
      it(`${c.name} (one byte per write)`, async () => {
        const { frames } = await run(transport, c.send, { expectFrames: c.expect.length, byteByByte: true });
        check(frames, c.expect);
      });
    }
  });

  describe(`client conformance over ${transport}: after a protocol error`, () => {
    it('closes the connection (TCP, or the stream) after sending the close frame (RFC 6455 §7.1.7)', async () => {
      let code = 0;
      const r = await run(transport, [frame(TEXT, 'x', { rsv: 2 })], { expectFrames: 2, setup: (c) => c.on('disconnected', () => (code = c.closeCode())) });
      expect(r.frames.length).toBe(1);
      expect(r.frames[0].payload.readUInt16BE(0)).toBe(1002);
      expect(r.closedTcp).toBe(true);
      await new Promise((res) => setTimeout(res, 20));
      expect(code).toBe(1002);
    });

    it('section 9: a 16 MiB binary message in 64 KiB chops arrives whole', async () => {
      const payload = Buffer.alloc(16 * 1024 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
      const whole = frame(BIN, payload);
      const chops: Buffer[] = [];
      for (let o = 0; o < whole.length; o += 65536) chops.push(whole.subarray(o, o + 65536));
      // the echo comes back fragmented by outgoingFrameSize (512 KiB): 32 frames, FIN on the last
      const { frames } = await run(transport, chops, { expectFrames: 32 });
      expect(frames.length).toBe(32);
      expect(frames[0].opcode).toBe(BIN);
      expect(frames.slice(1).every((f) => f.opcode === CONT)).toBe(true);
      expect(frames.map((f) => f.fin)).toEqual([...Array(31).fill(false), true]);
      expect(Buffer.concat(frames.map((f) => f.payload)).equals(payload)).toBe(true);
    });
  });

  describe(`client over ${transport}: abort() from inside a signal handler`, () => {
    it('stops dispatching the rest of the chunk', async () => {
      const seen: string[] = [];
      await run(transport, [Buffer.concat([frame(TEXT, 'one'), frame(TEXT, 'two'), frame(TEXT, 'three')])], {
        expectFrames: 0,
        setup: (c) => {
          c.removeAllListeners('textMessageReceived');
          c.on('textMessageReceived', (m) => {
            seen.push(m);
            if (m === 'one') c.abort();
          });
        },
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual(['one']);
    });
  });
}
