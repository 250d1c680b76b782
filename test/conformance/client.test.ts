/**
 * RFC 6455 rules case by case, client side, grouped like the Autobahn testsuite's sections.
 * A raw server sends exact bytes; our client echoes every message; the test checks exactly
 * which frames come back, in order, and the close code of each failure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index';
import { closePayload, frame, rawServer, type FrameReader, type WireFrame } from '../helpers/rawPeer';

const TEXT = 1, BIN = 2, CLOSE = 8, PING = 9, PONG = 10, CONT = 0;

type Expect = { opcode: number; payload?: Buffer | string } | { close: number | 'any' | 'none' };

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Connects an echoing client to a raw server, sends `chunks`, and returns the frames the client sent. */
async function run(chunks: Buffer[], opts: { byteByByte?: boolean; expectFrames: number; setup?: (c: WebSocket) => void }): Promise<{ frames: WireFrame[]; client: WebSocket; closedTcp: boolean }> {
  let resolvePeer!: (p: { reader: FrameReader; write: (b: Buffer) => Promise<void> }) => void;
  const peer = new Promise<{ reader: FrameReader; write: (b: Buffer) => Promise<void> }>((r) => (resolvePeer = r));
  const srv = await rawServer((socket, reader) => {
    resolvePeer({
      reader,
      write: (b) => new Promise<void>((r) => socket.write(b, () => r())),
    });
  });
  cleanups.push(srv.close);
  const client = new WebSocket();
  cleanups.push(() => client.abort());
  client.on('textMessageReceived', (m) => client.sendTextMessage(m));
  client.on('binaryMessageReceived', (m) => client.sendBinaryMessage(m));
  opts.setup?.(client);
  client.open(`ws://127.0.0.1:${srv.port}/`);
  const { reader, write } = await peer;
  for (const c of chunks) {
    if (opts.byteByByte) {
      for (let i = 0; i < c.length; i++) {
        await write(c.subarray(i, i + 1));
        await new Promise((r) => setImmediate(r));
      }
    } else {
      await write(c);
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

interface Case {
  name: string;
  send: Buffer[];
  expect: Expect[];
}

const big = (n: number, c = 0x2a): Buffer => Buffer.alloc(n, c);

// Section 1: framing
const framing: Case[] = [0, 125, 126, 127, 128, 65535, 65536].flatMap((n) => [
  { name: `1.1 text ${n} bytes`, send: [frame(TEXT, big(n))], expect: [{ opcode: TEXT, payload: big(n) }] },
  { name: `1.2 binary ${n} bytes`, send: [frame(BIN, big(n, 0xfe))], expect: [{ opcode: BIN, payload: big(n, 0xfe) }] },
]);

// Section 2: pings and pongs
const pings: Case[] = [
  { name: '2.1 ping without payload → pong', send: [frame(PING)], expect: [{ opcode: PONG, payload: '' }] },
  { name: '2.2 ping with text payload', send: [frame(PING, 'Hello, world!')], expect: [{ opcode: PONG, payload: 'Hello, world!' }] },
  { name: '2.3 ping with binary payload', send: [frame(PING, Buffer.from([0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff]))], expect: [{ opcode: PONG, payload: Buffer.from([0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff]) }] },
  { name: '2.4 ping with 125-byte payload', send: [frame(PING, big(125, 0xfe))], expect: [{ opcode: PONG, payload: big(125, 0xfe) }] },
  { name: '2.5 ping with 126-byte payload → 1002', send: [frame(PING, big(126, 0xfe))], expect: [{ close: 1002 }] },
  { name: '2.7 unsolicited pong is ignored', send: [frame(PONG), frame(TEXT, 'after')], expect: [{ opcode: TEXT, payload: 'after' }] },
  { name: '2.8 unsolicited pong with payload is ignored', send: [frame(PONG, 'unsolicited'), frame(TEXT, 'after')], expect: [{ opcode: TEXT, payload: 'after' }] },
  { name: '2.9 unsolicited pong, then ping', send: [frame(PONG, 'x'), frame(PING, 'ping')], expect: [{ opcode: PONG, payload: 'ping' }] },
  { name: '2.10 ten pings in a row', send: Array.from({ length: 10 }, (_, i) => frame(PING, `p${i}`)), expect: Array.from({ length: 10 }, (_, i) => ({ opcode: PONG, payload: `p${i}` })) },
];

// Section 3: reserved bits; Section 4: opcodes (the valid frame before the bad one is echoed first)
const reserved: Case[] = [1, 2, 3, 4, 5, 6, 7].map((rsv) => ({
  name: `3.${rsv} RSV=${rsv} → 1002 after echoing the preceding frame`,
  send: [Buffer.concat([frame(TEXT, 'Hello'), frame(TEXT, 'Hello', { rsv }), frame(PING)])],
  expect: [{ opcode: TEXT, payload: 'Hello' }, { close: 1002 }],
}));
const opcodes: Case[] = [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((op) => ({
  name: `4 reserved opcode ${op} → 1002`,
  send: [Buffer.concat([frame(TEXT, 'Hello'), frame(op, 'x'), frame(PING)])],
  expect: [{ opcode: TEXT, payload: 'Hello' }, { close: 1002 }],
}));

// Section 5: fragmentation
const frag: Case[] = [
  { name: '5.1 fragmented ping → 1002', send: [frame(PING, 'frag', { fin: false }), frame(CONT, 'ment')], expect: [{ close: 1002 }] },
  { name: '5.2 fragmented pong → 1002', send: [frame(PONG, 'frag', { fin: false }), frame(CONT, 'ment')], expect: [{ close: 1002 }] },
  { name: '5.3 text in two fragments', send: [frame(TEXT, 'frag', { fin: false }), frame(CONT, 'ment')], expect: [{ opcode: TEXT, payload: 'fragment' }] },
  { name: '5.6 ping between fragments', send: [frame(TEXT, 'frag', { fin: false }), frame(PING, 'p'), frame(CONT, 'ment')], expect: [{ opcode: PONG, payload: 'p' }, { opcode: TEXT, payload: 'fragment' }] },
  { name: '5.9 continuation without a start → 1002', send: [frame(CONT, 'x'), frame(TEXT, 'after')], expect: [{ close: 1002 }] },
  { name: '5.10 non-final continuation without a start → 1002', send: [frame(CONT, 'x', { fin: false })], expect: [{ close: 1002 }] },
  { name: '5.18 new text inside a fragmented message → 1002', send: [frame(TEXT, 'a', { fin: false }), frame(TEXT, 'b')], expect: [{ close: 1002 }] },
  { name: '5.19 many fragments with pings between', send: [frame(TEXT, 'a', { fin: false }), frame(CONT, 'b', { fin: false }), frame(PING, '1'), frame(CONT, 'c', { fin: false }), frame(PING, '2'), frame(CONT, 'd')], expect: [{ opcode: PONG, payload: '1' }, { opcode: PONG, payload: '2' }, { opcode: TEXT, payload: 'abcd' }] },
  { name: '5.x empty fragments', send: [frame(TEXT, '', { fin: false }), frame(CONT, '', { fin: false }), frame(CONT, '')], expect: [{ opcode: TEXT, payload: '' }] },
];

// Section 6: UTF-8
const hello = Buffer.from('κόσμε', 'utf8');
const utf8: Case[] = [
  { name: '6.2 valid multibyte text', send: [frame(TEXT, hello)], expect: [{ opcode: TEXT, payload: hello }] },
  { name: '6.2 valid text fragmented inside a code point', send: [frame(TEXT, hello.subarray(0, 3), { fin: false }), frame(CONT, hello.subarray(3))], expect: [{ opcode: TEXT, payload: hello }] },
  { name: '6.3 invalid UTF-8 → 1007', send: [frame(TEXT, Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64]))], expect: [{ close: 1007 }] },
  { name: '6.4 fail fast: invalid byte in the first fragment of an unfinished message → 1007', send: [frame(TEXT, Buffer.from([0xce, 0xba, 0xf4, 0x90, 0x80, 0x80]), { fin: false })], expect: [{ close: 1007 }] },
  { name: '6.x overlong encoding → 1007', send: [frame(TEXT, Buffer.from([0xc0, 0xaf]))], expect: [{ close: 1007 }] },
  { name: '6.x truncated code point at message end → 1007', send: [frame(TEXT, Buffer.from([0x61, 0xe2, 0x82]))], expect: [{ close: 1007 }] },
  { name: '6.x surrogate → 1007', send: [frame(TEXT, Buffer.from([0xed, 0xbf, 0xbf]))], expect: [{ close: 1007 }] },
  { name: '6.x code point above U+10FFFF → 1007', send: [frame(TEXT, Buffer.from([0xf4, 0x90, 0x80, 0x80]))], expect: [{ close: 1007 }] },
];

// Section 7: close handling
const close: Case[] = [
  { name: '7.1.1 echo then close', send: [frame(TEXT, 'Hello'), frame(CLOSE, closePayload(1000))], expect: [{ opcode: TEXT, payload: 'Hello' }, { close: 1000 }] },
  { name: '7.1.3 data after close is ignored', send: [frame(CLOSE, closePayload(1000)), frame(TEXT, 'ignored'), frame(PING)], expect: [{ close: 1000 }] },
  { name: '7.3.1 close without payload → empty close back', send: [frame(CLOSE)], expect: [{ close: 'none' }] },
  { name: '7.3.2 close with 1-byte payload → 1002', send: [frame(CLOSE, Buffer.from([0x03]))], expect: [{ close: 1002 }] },
  { name: '7.3.4 close with 123-byte reason', send: [frame(CLOSE, closePayload(1000, 'r'.repeat(123)))], expect: [{ close: 1000 }] },
  { name: '7.3.5 close with 124-byte reason (payload 126) → 1002', send: [frame(CLOSE, closePayload(1000, 'r'.repeat(124)))], expect: [{ close: 1002 }] },
  { name: '7.5.1 close reason with invalid UTF-8 → 1007', send: [frame(CLOSE, Buffer.concat([closePayload(1000), Buffer.from([0xce, 0xba, 0xed, 0xa0, 0x80])]))], expect: [{ close: 1007 }] },
  ...[1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999].map((code) => ({
    name: `7.7 valid close code ${code} is echoed`,
    send: [frame(CLOSE, closePayload(code))],
    expect: [{ close: code }] as Expect[],
  })),
  ...[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535].map((code) => ({
    name: `7.9 invalid close code ${code} → 1002`,
    send: [frame(CLOSE, closePayload(code))],
    expect: [{ close: 1002 }] as Expect[],
  })),
];

const sections: Array<[string, Case[]]> = [
  ['1 framing', framing],
  ['2 pings/pongs', pings],
  ['3 reserved bits', reserved],
  ['4 opcodes', opcodes],
  ['5 fragmentation', frag],
  ['6 UTF-8', utf8],
  ['7 close handling', close],
];

for (const [section, cases] of sections) {
  describe(`client conformance: ${section}`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const { frames } = await run(c.send, { expectFrames: c.expect.length });
        check(frames, c.expect);
      });
    }
  });
}

describe('client conformance: byte-by-byte delivery', () => {
  const chosen = [...frag.slice(2, 4), ...utf8.slice(0, 4), close[0], pings[1], reserved[0]];
  for (const c of chosen) {
    it(`${c.name} (one byte per write)`, async () => {
      const { frames } = await run(c.send, { expectFrames: c.expect.length, byteByByte: true });
      check(frames, c.expect);
    });
  }
});

describe('client conformance: after a protocol error', () => {
  it('closes the TCP connection after sending the close frame (RFC 6455 §7.1.7)', async () => {
    let code = 0;
    const r = await run([frame(TEXT, 'x', { rsv: 2 })], { expectFrames: 2, setup: (c) => c.on('disconnected', () => (code = c.closeCode())) });
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
    const { frames } = await run(chops, { expectFrames: 32 });
    expect(frames.length).toBe(32);
    expect(frames[0].opcode).toBe(BIN);
    expect(frames.slice(1).every((f) => f.opcode === CONT)).toBe(true);
    expect(frames.map((f) => f.fin)).toEqual([...Array(31).fill(false), true]);
    expect(Buffer.concat(frames.map((f) => f.payload)).equals(payload)).toBe(true);
  });
});

describe('client: abort() from inside a signal handler', () => {
  it('stops dispatching the rest of the chunk', async () => {
    const seen: string[] = [];
    await run([Buffer.concat([frame(TEXT, 'one'), frame(TEXT, 'two'), frame(TEXT, 'three')])], {
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
