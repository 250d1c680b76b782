/**
 * Units of the ws face: the WS_ERR_* codes and close codes for each core protocol error (as
 * ws's doc/ws.md names them), the data conversions (send input, binaryType output), the option
 * mapping (maxPayload onto our limits, ws's permessage-deflate options onto ours), and the
 * EventTarget shape (event objects, on-attributes, once, duplicates).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DECODE_ERROR_CLOSE_CODE, DECODE_ERROR_REASON, DecodeError, Limits, Timeouts } from '../../../src/codec/constants';
import { protocolErrorOf } from '../../../src/ws/constants';
import { binaryAs, bytesOf, bytesOrBlob, sizeOf } from '../../../src/ws/data';
import { connectionSettingsOf, deflateSettingOf } from '../../../src/ws/options';
import { CloseEvent, ErrorEvent, MessageEvent, addEventListener, getAttribute, removeEventListener, setAttribute } from '../../../src/ws/eventTarget';

describe('protocolErrorOf: ws error codes for the core\'s protocol errors', () => {
  const expected: Array<[number, string]> = [
    [DecodeError.RSV_BITS, 'WS_ERR_UNEXPECTED_RSV_1'],
    [DecodeError.BAD_OPCODE, 'WS_ERR_INVALID_OPCODE'],
    [DecodeError.CONTROL_FRAGMENTED, 'WS_ERR_EXPECTED_FIN'],
    [DecodeError.CONTROL_TOO_LONG, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
    [DecodeError.MASK_EXPECTED, 'WS_ERR_EXPECTED_MASK'],
    [DecodeError.MASK_UNEXPECTED, 'WS_ERR_UNEXPECTED_MASK'],
    [DecodeError.UNEXPECTED_CONTINUATION, 'WS_ERR_INVALID_OPCODE'],
    [DecodeError.EXPECTED_CONTINUATION, 'WS_ERR_INVALID_OPCODE'],
    [DecodeError.LENGTH_HIGH_BIT, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'],
    [DecodeError.FRAME_TOO_LARGE, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'],
    [DecodeError.MESSAGE_TOO_LARGE, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'],
    [DecodeError.CLOSE_LENGTH_ONE, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
    [DecodeError.CLOSE_INVALID_CODE, 'WS_ERR_INVALID_CLOSE_CODE'],
    [DecodeError.CLOSE_INVALID_UTF8, 'WS_ERR_INVALID_UTF8'],
    [DecodeError.INVALID_UTF8, 'WS_ERR_INVALID_UTF8'],
  ];
  it.each(expected)('decode error %i is %s, with the close code sent', (id, code) => {
    const err = protocolErrorOf(DECODE_ERROR_CLOSE_CODE[id], DECODE_ERROR_REASON[id]);
    expect(err.code).toBe(code);
    expect(err.closeCode).toBe(DECODE_ERROR_CLOSE_CODE[id]);
    expect(err).toBeInstanceOf(RangeError);
  });
  it('close codes as ws sends them: 1009 too large, 1007 bad UTF-8, 1002 the rest', () => {
    expect(DECODE_ERROR_CLOSE_CODE[DecodeError.MESSAGE_TOO_LARGE]).toBe(1009);
    expect(DECODE_ERROR_CLOSE_CODE[DecodeError.INVALID_UTF8]).toBe(1007);
    expect(DECODE_ERROR_CLOSE_CODE[DecodeError.MASK_EXPECTED]).toBe(1002);
  });
  it('errors of inflating and of the unsent-bytes cap', () => {
    expect(protocolErrorOf(1009, 'Inflated message too large').code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    expect(protocolErrorOf(1007, 'Invalid UTF-8 in a text message').code).toBe('WS_ERR_INVALID_UTF8');
    expect(protocolErrorOf(1007, 'Invalid compressed data').code).toBe('QWS_ERR_INFLATE');
    expect(protocolErrorOf(1008, 'Too much unsent data').code).toBe('QWS_ERR_BUFFER_OVERFLOW');
  });
});

describe('data conversions', () => {
  it('bytesOf: views without copies, strings as UTF-8, numbers as text, arrays through Buffer.from', () => {
    const b = Buffer.from('abc');
    expect(bytesOf(b)).toBe(b);
    const u = new Uint16Array([1, 2]);
    const v = bytesOf(u);
    expect(v.buffer).toBe(u.buffer);
    expect(v.length).toBe(4);
    expect(bytesOf('é')).toEqual(Buffer.from([0xc3, 0xa9]));
    expect(bytesOf(12).toString()).toBe('12');
    expect(bytesOf([1, 2, 3])).toEqual(Buffer.from([1, 2, 3]));
    expect(bytesOf(new ArrayBuffer(3)).length).toBe(3);
    expect(() => bytesOf({} as never)).toThrow(TypeError);
  });
  it('bytesOrBlob: a Blob is kept as is (send reads it later); bytesOf refuses one; sizeOf of both', () => {
    const blob = new Blob(['abc']);
    expect(bytesOrBlob(blob)).toBe(blob);
    expect(() => bytesOf(blob)).toThrow(/read it first/);
    expect(sizeOf(blob)).toBe(3);
    expect(sizeOf(bytesOrBlob('é'))).toBe(2);
  });
  it('binaryAs: nodebuffer as is, arraybuffer exact bytes, fragments one element, blob', async () => {
    const whole = Buffer.from([1, 2, 3, 4]);
    const view = whole.subarray(1, 3);
    expect(binaryAs('nodebuffer', view)).toBe(view);
    const ab = binaryAs('arraybuffer', view) as ArrayBuffer;
    expect(ab.byteLength).toBe(2);
    expect([...new Uint8Array(ab)]).toEqual([2, 3]);
    expect(binaryAs('fragments', view)).toEqual([view]);
    const blob = binaryAs('blob', view) as Blob;
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([2, 3]);
  });
});

describe('options', () => {
  it('maxPayload: default is our 64 MiB limits; n sets both; 0 is our largest', () => {
    const d = connectionSettingsOf({});
    expect([d.maxFrameSize, d.maxMessageSize]).toEqual([Limits.DEFAULT_MAX_INCOMING_FRAME_SIZE, Limits.DEFAULT_MAX_INCOMING_MESSAGE_SIZE]);
    const n = connectionSettingsOf({ maxPayload: 1000 });
    expect([n.maxFrameSize, n.maxMessageSize]).toEqual([1000, 1000]);
    const z = connectionSettingsOf({ maxPayload: 0 });
    expect([z.maxFrameSize, z.maxMessageSize]).toEqual([Limits.MAX_INCOMING_FRAME_SIZE, Limits.MAX_INCOMING_MESSAGE_SIZE]);
  });
  it('autoPong, allowSynchronousEvents, closeTimeout, generateMask', () => {
    const s = connectionSettingsOf({ autoPong: false, allowSynchronousEvents: false, closeTimeout: 1234, generateMask: (m) => m.fill(0x11) });
    expect([s.autoPong, s.allowSynchronousEvents, s.closeTimeout]).toEqual([false, false, 1234]);
    expect(s.maskSource?.nextMask()).toBe(0x11111111);
    expect(connectionSettingsOf({}).closeTimeout).toBe(Timeouts.CLOSE_MS);
    expect(connectionSettingsOf({}).maskSource).toBeNull();
  });
  it("ws's permessage-deflate options become ours; bad ones throw", () => {
    expect(deflateSettingOf(false)).toBeNull();
    expect(deflateSettingOf(undefined)).toBeNull();
    expect(deflateSettingOf({ serverNoContextTakeover: true, clientMaxWindowBits: 10, threshold: 0, zlibDeflateOptions: { level: 3, memLevel: 7 }, concurrencyLimit: 4 }))
      .toEqual({ serverNoContextTakeover: true, clientMaxWindowBits: 10, threshold: 0, level: 3, memLevel: 7 });
    expect(() => deflateSettingOf({ serverMaxWindowBits: 20 })).toThrow(/8 to 15/);
  });
});

describe('EventTarget shape', () => {
  class Source extends EventEmitter {
    cleanClose = true;
  }
  it('event objects carry ws\'s fields', () => {
    const c = new CloseEvent('close', { code: 1000, reason: 'r', wasClean: true });
    expect([c.type, c.code, c.reason, c.wasClean]).toEqual(['close', 1000, 'r', true]);
    const e = new ErrorEvent('error', { error: 1, message: 'm' });
    expect([e.error, e.message]).toEqual([1, 'm']);
    expect(new MessageEvent('message', { data: 'd' }).data).toBe('d');
  });
  it('message data: text as a string, binary as given; close reason as a string', () => {
    const s = new Source();
    const got: unknown[] = [];
    addEventListener(s, 'message', (e) => got.push((e as MessageEvent).data));
    addEventListener(s, 'close', (e) => got.push([(e as CloseEvent).code, (e as CloseEvent).reason, (e as CloseEvent).wasClean, e.target === s]));
    s.emit('message', Buffer.from('txt'), false);
    s.emit('message', Buffer.from('bin'), true);
    s.emit('close', 4000, Buffer.from('why'));
    expect(got).toEqual(['txt', Buffer.from('bin'), [4000, 'why', true, true]]);
  });
  it('handleEvent objects, once, no duplicates, unknown types ignored, removal', () => {
    const s = new Source();
    const calls: string[] = [];
    const obj = { handleEvent: () => calls.push('obj') };
    addEventListener(s, 'open', obj);
    addEventListener(s, 'open', obj);
    addEventListener(s, 'nope', obj);
    const fn = (): void => void calls.push('fn');
    addEventListener(s, 'open', fn, { once: true });
    s.emit('open');
    s.emit('open');
    expect(calls).toEqual(['obj', 'fn', 'obj']);
    removeEventListener(s, 'open', obj);
    expect(s.listenerCount('open')).toBe(0);
    expect(s.listenerCount('nope')).toBe(0);
  });
  it('on-attributes: one handler, replaced or cleared, apart from addEventListener ones', () => {
    const s = new Source();
    const a = (): void => {};
    const b = (): void => {};
    setAttribute(s, 'error', a);
    addEventListener(s, 'error', a);
    setAttribute(s, 'error', b);
    expect(getAttribute(s, 'error')).toBe(b);
    expect(s.listenerCount('error')).toBe(2);
    setAttribute(s, 'error', 'not a function');
    expect(getAttribute(s, 'error')).toBeNull();
    expect(s.listenerCount('error')).toBe(1);
  });
});
