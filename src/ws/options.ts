/**
 * ws's connection options (shared by client and server) mapped onto the core's settings:
 * maxPayload onto our frame and message limits, ws's permessage-deflate options onto ours,
 * generateMask onto a mask source.
 * @module
 */
import { Limits, Timeouts } from '../codec/constants';
import { deflateOptionsOf } from '../core/clientConnect';
import type { MaskSource } from '../protocol/session';
import { validateDeflateOptions, type PerMessageDeflateOptions } from '../protocol/permessageDeflate';

/** ws's permessage-deflate options (zlibInflateOptions and concurrencyLimit have no use here: zlib runs synchronously). */
export interface WsPerMessageDeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number | boolean;
  /** Level and memLevel are used; other zlib options are not. */
  zlibDeflateOptions?: { level?: number; memLevel?: number };
  zlibInflateOptions?: object;
  /** Messages shorter than this are sent uncompressed (default 1024). */
  threshold?: number;
  concurrencyLimit?: number;
}

/** The options of one connection, as both ws's client and server take them. */
export interface WsConnectionOptions {
  /** Emit several 'message'/'ping'/'pong' events in one tick (default true). */
  allowSynchronousEvents?: boolean;
  /** Answer pings automatically (default true). */
  autoPong?: boolean;
  /** Milliseconds the close handshake may take before the socket is destroyed (default: ours, 5000). */
  closeTimeout?: number;
  /**
   * Largest incoming message (and frame) in bytes; 0 for our largest. Default: our 64 MiB
   * limits (ws's default is 100 MiB).
   */
  maxPayload?: number;
  /** Accepted for compatibility: UTF-8 is always validated (see README). */
  skipUTF8Validation?: boolean;
}

/** The core settings those options come to. */
export interface ConnectionSettings {
  maxFrameSize: number;
  maxMessageSize: number;
  autoPong: boolean;
  closeTimeout: number;
  allowSynchronousEvents: boolean;
  maskSource: MaskSource | null;
}

/** The frame and message limits for a maxPayload (see {@link WsConnectionOptions.maxPayload}). */
function limitsOf(maxPayload: number | undefined): { frame: number; message: number } {
  if (maxPayload === undefined || maxPayload === null) return { frame: Limits.DEFAULT_MAX_INCOMING_FRAME_SIZE, message: Limits.DEFAULT_MAX_INCOMING_MESSAGE_SIZE };
  // as ws: a 32-bit integer, 0 (or less) for no limit of its own
  const n = Number(maxPayload) | 0;
  if (n <= 0) return { frame: Limits.MAX_INCOMING_FRAME_SIZE, message: Limits.MAX_INCOMING_MESSAGE_SIZE };
  return { frame: Math.min(n, Limits.MAX_INCOMING_FRAME_SIZE), message: Math.min(n, Limits.MAX_INCOMING_MESSAGE_SIZE) };
}

/** A mask source calling ws's generateMask(buffer) for each frame's key. */
function maskSourceOf(generateMask: ((mask: Buffer) => void) | undefined): MaskSource | null {
  if (typeof generateMask !== 'function') return null;
  const key = Buffer.alloc(4);
  return {
    nextMask: () => {
      generateMask(key);
      return key.readUInt32LE(0);
    },
  };
}

/** The core settings of {@link WsConnectionOptions} (plus the client's generateMask). */
export function connectionSettingsOf(o: WsConnectionOptions & { generateMask?: (mask: Buffer) => void }): ConnectionSettings {
  const limits = limitsOf(o.maxPayload);
  return {
    maxFrameSize: limits.frame,
    maxMessageSize: limits.message,
    autoPong: o.autoPong !== false,
    closeTimeout: typeof o.closeTimeout === 'number' && o.closeTimeout > 0 ? o.closeTimeout : Timeouts.CLOSE_MS,
    allowSynchronousEvents: o.allowSynchronousEvents !== false,
    maskSource: maskSourceOf(o.generateMask),
  };
}

/**
 * Our permessage-deflate options for ws's setting; null when off (or when this Node has no
 * synchronous zlib: the extension is then not offered, see transport/deflate).
 * @throws InvalidArgumentError for bad options
 */
export function deflateSettingOf(setting: boolean | WsPerMessageDeflateOptions | undefined | null): PerMessageDeflateOptions | null {
  if (setting === undefined || setting === null || setting === false) return null;
  if (setting === true) return deflateOptionsOf(true);
  const o: PerMessageDeflateOptions = {};
  if (setting.serverNoContextTakeover !== undefined) o.serverNoContextTakeover = setting.serverNoContextTakeover;
  if (setting.clientNoContextTakeover !== undefined) o.clientNoContextTakeover = setting.clientNoContextTakeover;
  if (setting.serverMaxWindowBits !== undefined) o.serverMaxWindowBits = setting.serverMaxWindowBits;
  if (setting.clientMaxWindowBits !== undefined) o.clientMaxWindowBits = setting.clientMaxWindowBits;
  if (setting.threshold !== undefined) o.threshold = setting.threshold;
  if (setting.zlibDeflateOptions?.level !== undefined) o.level = setting.zlibDeflateOptions.level;
  if (setting.zlibDeflateOptions?.memLevel !== undefined) o.memLevel = setting.zlibDeflateOptions.memLevel;
  validateDeflateOptions(o);
  return deflateOptionsOf(o);
}
