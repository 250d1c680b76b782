/**
 * The plain data a WebSocket keeps about its request and what the server hands over with an
 * accepted socket, and the argument helpers of the WebSocket class.
 * @module
 */
import type { DeflateAgreement, PerMessageDeflateOptions } from '../protocol/permessageDeflate';
import { InvalidArgumentError } from '../errors';
import type { NetworkRequest } from './types';
import type { WebSocket } from './WebSocket';
import type { TopicHub } from '../core/topicHub';

/** A request as this socket keeps it: URL plus header pairs. */
export interface ResolvedRequest {
  url: URL;
  headers: Array<[string, string]>;
}

/**
 * A server-side request as the http parser left it; turned into a {@link ResolvedRequest} only
 * when asked (most servers never ask, and a URL object costs memory per idle connection).
 */
export interface RequestSource {
  scheme: 'ws' | 'wss';
  host: string;
  path: string;
  /** Node's rawHeaders joined with '\n' (names and values alternate; neither holds a newline). */
  rawHeaders: string;
}

export function resolveRequest(src: RequestSource): ResolvedRequest {
  let url: URL;
  try {
    url = new URL(`${src.scheme}://${src.host}${src.path}`);
  } catch {
    url = new URL(`${src.scheme}://localhost/`);
  }
  const headers: Array<[string, string]> = [];
  const raw = src.rawHeaders === '' ? [] : src.rawHeaders.split('\n');
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i], raw[i + 1]]);
  return { url, headers };
}

/** What the server hands over for a socket it accepted (internal). */
export interface ServerSideInfo {
  request: RequestSource;
  origin: string;
  subprotocol: string;
  maxFrameSize: number;
  maxMessageSize: number;
  /** Called once when the connection is gone. */
  onGone?: (ws: WebSocket) => void;
  /** permessage-deflate as the server agreed it, or null. */
  deflate: DeflateSetting | null;
  /** The server's topics (subscribe/publish on this connection). */
  topics: TopicHub<WebSocket>;
}

/** An agreed permessage-deflate and the options of our side. */
export interface DeflateSetting {
  agreement: DeflateAgreement;
  options: PerMessageDeflateOptions;
}

export function headerPairs(h: NetworkRequest['headers']): Array<[string, string]> {
  if (h === undefined) return [];
  if (Array.isArray(h)) return h.map(([k, v]) => [String(k), String(v)]);
  return Object.entries(h as Record<string, string>).map(([k, v]) => [k, String(v)]);
}

export function checkSize(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer between 0 and ${max}, got ${String(value)}`);
  }
  return value;
}

