/**
 * The RFC 6455 conformance cases, grouped like the Autobahn testsuite's sections (1 framing,
 * 2 pings/pongs, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8, 7 close handling), for
 * either side: the peer masks its frames when it plays the client (RFC 6455 §5.1).
 */
import { closePayload, frame } from '../helpers/rawPeer';

export const TEXT = 1, BIN = 2, CLOSE = 8, PING = 9, PONG = 10, CONT = 0;

export type Expect = { opcode: number; payload?: Buffer | string } | { close: number | 'any' | 'none' };

export interface Case {
  name: string;
  send: Buffer[];
  expect: Expect[];
}

/** The sections, with frames masked when `peerMasks` (the peer is a client). */
export function sections(peerMasks: boolean): Array<[string, Case[]]> {
  const f = (opcode: number, payload?: Buffer | string, opts: { fin?: boolean; rsv?: number } = {}): Buffer =>
    frame(opcode, payload, { ...opts, mask: peerMasks });

  const big = (n: number, c = 0x2a): Buffer => Buffer.alloc(n, c);

  // Section 1: framing
  const framing: Case[] = [0, 125, 126, 127, 128, 65535, 65536].flatMap((n) => [
    { name: `1.1 text ${n} bytes`, send: [f(TEXT, big(n))], expect: [{ opcode: TEXT, payload: big(n) }] },
    { name: `1.2 binary ${n} bytes`, send: [f(BIN, big(n, 0xfe))], expect: [{ opcode: BIN, payload: big(n, 0xfe) }] },
  ]);

  // Section 2: pings and pongs
  const pings: Case[] = [
    { name: '2.1 ping without payload → pong', send: [f(PING)], expect: [{ opcode: PONG, payload: '' }] },
    { name: '2.2 ping with text payload', send: [f(PING, 'Hello, world!')], expect: [{ opcode: PONG, payload: 'Hello, world!' }] },
    { name: '2.3 ping with binary payload', send: [f(PING, Buffer.from([0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff]))], expect: [{ opcode: PONG, payload: Buffer.from([0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff]) }] },
    { name: '2.4 ping with 125-byte payload', send: [f(PING, big(125, 0xfe))], expect: [{ opcode: PONG, payload: big(125, 0xfe) }] },
    { name: '2.5 ping with 126-byte payload → 1002', send: [f(PING, big(126, 0xfe))], expect: [{ close: 1002 }] },
    { name: '2.7 unsolicited pong is ignored', send: [f(PONG), f(TEXT, 'after')], expect: [{ opcode: TEXT, payload: 'after' }] },
    { name: '2.8 unsolicited pong with payload is ignored', send: [f(PONG, 'unsolicited'), f(TEXT, 'after')], expect: [{ opcode: TEXT, payload: 'after' }] },
    { name: '2.9 unsolicited pong, then ping', send: [f(PONG, 'x'), f(PING, 'ping')], expect: [{ opcode: PONG, payload: 'ping' }] },
    { name: '2.10 ten pings in a row', send: Array.from({ length: 10 }, (_, i) => f(PING, `p${i}`)), expect: Array.from({ length: 10 }, (_, i) => ({ opcode: PONG, payload: `p${i}` })) },
  ];

  // Section 3: reserved bits; Section 4: opcodes (the valid frame before the bad one is echoed first)
  const reserved: Case[] = [1, 2, 3, 4, 5, 6, 7].map((rsv) => ({
    name: `3.${rsv} RSV=${rsv} → 1002 after echoing the preceding frame`,
    send: [Buffer.concat([f(TEXT, 'Hello'), f(TEXT, 'Hello', { rsv }), f(PING)])],
    expect: [{ opcode: TEXT, payload: 'Hello' }, { close: 1002 }],
  }));
  const opcodes: Case[] = [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((op) => ({
    name: `4 reserved opcode ${op} → 1002`,
    send: [Buffer.concat([f(TEXT, 'Hello'), f(op, 'x'), f(PING)])],
    expect: [{ opcode: TEXT, payload: 'Hello' }, { close: 1002 }],
  }));

  // Section 5: fragmentation
  const frag: Case[] = [
    { name: '5.1 fragmented ping → 1002', send: [f(PING, 'frag', { fin: false }), f(CONT, 'ment')], expect: [{ close: 1002 }] },
    { name: '5.2 fragmented pong → 1002', send: [f(PONG, 'frag', { fin: false }), f(CONT, 'ment')], expect: [{ close: 1002 }] },
    { name: '5.3 text in two fragments', send: [f(TEXT, 'frag', { fin: false }), f(CONT, 'ment')], expect: [{ opcode: TEXT, payload: 'fragment' }] },
    { name: '5.6 ping between fragments', send: [f(TEXT, 'frag', { fin: false }), f(PING, 'p'), f(CONT, 'ment')], expect: [{ opcode: PONG, payload: 'p' }, { opcode: TEXT, payload: 'fragment' }] },
    { name: '5.9 continuation without a start → 1002', send: [f(CONT, 'x'), f(TEXT, 'after')], expect: [{ close: 1002 }] },
    { name: '5.10 non-final continuation without a start → 1002', send: [f(CONT, 'x', { fin: false })], expect: [{ close: 1002 }] },
    { name: '5.18 new text inside a fragmented message → 1002', send: [f(TEXT, 'a', { fin: false }), f(TEXT, 'b')], expect: [{ close: 1002 }] },
    { name: '5.19 many fragments with pings between', send: [f(TEXT, 'a', { fin: false }), f(CONT, 'b', { fin: false }), f(PING, '1'), f(CONT, 'c', { fin: false }), f(PING, '2'), f(CONT, 'd')], expect: [{ opcode: PONG, payload: '1' }, { opcode: PONG, payload: '2' }, { opcode: TEXT, payload: 'abcd' }] },
    { name: '5.x empty fragments', send: [f(TEXT, '', { fin: false }), f(CONT, '', { fin: false }), f(CONT, '')], expect: [{ opcode: TEXT, payload: '' }] },
  ];

  // Section 6: UTF-8
  const hello = Buffer.from('κόσμε', 'utf8');
  const utf8: Case[] = [
    { name: '6.2 valid multibyte text', send: [f(TEXT, hello)], expect: [{ opcode: TEXT, payload: hello }] },
    { name: '6.2 valid text fragmented inside a code point', send: [f(TEXT, hello.subarray(0, 3), { fin: false }), f(CONT, hello.subarray(3))], expect: [{ opcode: TEXT, payload: hello }] },
    { name: '6.3 invalid UTF-8 → 1007', send: [f(TEXT, Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64]))], expect: [{ close: 1007 }] },
    { name: '6.4 fail fast: invalid byte in the first fragment of an unfinished message → 1007', send: [f(TEXT, Buffer.from([0xce, 0xba, 0xf4, 0x90, 0x80, 0x80]), { fin: false })], expect: [{ close: 1007 }] },
    { name: '6.x overlong encoding → 1007', send: [f(TEXT, Buffer.from([0xc0, 0xaf]))], expect: [{ close: 1007 }] },
    { name: '6.x truncated code point at message end → 1007', send: [f(TEXT, Buffer.from([0x61, 0xe2, 0x82]))], expect: [{ close: 1007 }] },
    { name: '6.x surrogate → 1007', send: [f(TEXT, Buffer.from([0xed, 0xbf, 0xbf]))], expect: [{ close: 1007 }] },
    { name: '6.x code point above U+10FFFF → 1007', send: [f(TEXT, Buffer.from([0xf4, 0x90, 0x80, 0x80]))], expect: [{ close: 1007 }] },
  ];

  // Section 7: close handling
  const close: Case[] = [
    { name: '7.1.1 echo then close', send: [f(TEXT, 'Hello'), f(CLOSE, closePayload(1000))], expect: [{ opcode: TEXT, payload: 'Hello' }, { close: 1000 }] },
    { name: '7.1.3 data after close is ignored', send: [f(CLOSE, closePayload(1000)), f(TEXT, 'ignored'), f(PING)], expect: [{ close: 1000 }] },
    { name: '7.3.1 close without payload → empty close back', send: [f(CLOSE)], expect: [{ close: 'none' }] },
    { name: '7.3.2 close with 1-byte payload → 1002', send: [f(CLOSE, Buffer.from([0x03]))], expect: [{ close: 1002 }] },
    { name: '7.3.4 close with 123-byte reason', send: [f(CLOSE, closePayload(1000, 'r'.repeat(123)))], expect: [{ close: 1000 }] },
    { name: '7.3.5 close with 124-byte reason (payload 126) → 1002', send: [f(CLOSE, closePayload(1000, 'r'.repeat(124)))], expect: [{ close: 1002 }] },
    { name: '7.5.1 close reason with invalid UTF-8 → 1007', send: [f(CLOSE, Buffer.concat([closePayload(1000), Buffer.from([0xce, 0xba, 0xed, 0xa0, 0x80])]))], expect: [{ close: 1007 }] },
    ...[1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999].map((code) => ({
      name: `7.7 valid close code ${code} is echoed`,
      send: [f(CLOSE, closePayload(code))],
      expect: [{ close: code }] as Expect[],
    })),
    ...[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535].map((code) => ({
      name: `7.9 invalid close code ${code} → 1002`,
      send: [f(CLOSE, closePayload(code))],
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

  return sections;
}
