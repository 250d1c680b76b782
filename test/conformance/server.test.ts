/**
 * RFC 6455 rules case by case, server side: a raw client sends exact (masked) bytes to our echo
 * server; the test checks exactly which frames come back (unmasked), in order. Every case runs
 * over HTTP/1.1 (our listening server) and over HTTP/2 (RFC 8441: an extended CONNECT stream to
 * our server attached to an h2c server).
 */
import { createServer as createH2cServer, type Http2Server } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/index';
import { echoEach, echoServer } from '../helpers/server';
import { frame, rawClient, type WireFrame } from '../helpers/rawPeer';
import { rawHttp2Client } from '../helpers/rawHttp2Peer';
import { CLOSE, TEXT, sections, type Expect } from './cases';

type Transport = 'HTTP/1.1' | 'HTTP/2';
const TRANSPORTS: Transport[] = ['HTTP/1.1', 'HTTP/2'];

let server: WebSocketServer;
let port = 0;
let h2c: Http2Server;
let h2Server: WebSocketServer;
let h2Port = 0;
beforeAll(async () => {
  ({ server, port } = await echoServer());
  h2c = createH2cServer();
  h2Server = new WebSocketServer('test-server').attach(h2c);
  echoEach(h2Server);
  await new Promise<void>((r) => h2c.listen(0, '127.0.0.1', r));
  h2Port = (h2c.address() as { port: number }).port;
});
afterAll(() => {
  server.close();
  h2Server.close();
  h2c.close();
});

async function run(transport: Transport, chunks: Buffer[], expectFrames: number, byteByByte = false): Promise<{ frames: WireFrame[]; closed: boolean }> {
  const { socket, reader } = transport === 'HTTP/2' ? await rawHttp2Client(h2Port) : await rawClient(port);
  for (const c of chunks) {
    if (byteByByte) {
      for (let i = 0; i < c.length; i++) {
        socket.write(c.subarray(i, i + 1));
        await new Promise((r) => setImmediate(r));
      }
    } else socket.write(c);
  }
  const frames: WireFrame[] = [];
  for (let i = 0; i < expectFrames; i++) {
    const f = await reader.next();
    if (f === null) break;
    frames.push(f);
  }
  const hadClose = frames.some((f) => f.opcode === CLOSE);
  if (hadClose) await reader.waitClosed(); // RFC 6455 §7.1.1: the server closes TCP first
  socket.destroy();
  return { frames, closed: reader.closed };
}

function check(frames: WireFrame[], expected: Expect[]): void {
  expect(frames.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const f = frames[i];
    expect(f.masked).toBe(false); // RFC 6455 §5.1: a server never masks
    if ('close' in e) {
      expect(f.opcode).toBe(CLOSE);
      if (e.close !== 'any') expect(f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 'none').toBe(e.close);
    } else {
      expect(f.opcode).toBe(e.opcode);
      if (e.payload !== undefined) expect(f.payload.equals(Buffer.from(e.payload))).toBe(true);
    }
  });
}

const all = sections(true);
for (const transport of TRANSPORTS) {
  for (const [section, cases] of all) {
    describe(`server conformance over ${transport}: ${section}`, () => {
      for (const c of cases) {
        it(c.name, async () => {
          const { frames } = await run(transport, c.send, c.expect.length);
          check(frames, c.expect);
        });
      }
    });
  }

  describe(`server conformance over ${transport}: byte-by-byte delivery`, () => {
    const pick = all.flatMap(([, cs]) => cs).filter((c) => /5\.3|5\.6|6\.2|6\.4|7\.1\.1|2\.2|3\.1 /.test(c.name));
    for (const c of pick) {
      it(`${c.name} (one byte per write)`, async () => {
        const { frames } = await run(transport, c.send, c.expect.length, true);
        check(frames, c.expect);
      });
    }
  });

  describe(`server conformance over ${transport}: failing the connection`, () => {
    it('sends close 1002 and closes the connection (TCP, or the stream) after a protocol error', async () => {
      const r = await run(transport, [frame(TEXT, 'x', { rsv: 4, mask: true })], 1);
      expect(r.frames[0].payload.readUInt16BE(0)).toBe(1002);
      expect(r.closed).toBe(true);
    });
  });
}
