/**
 * The plain data an endpoint's face keeps about its request, and what a server hands over with
 * an accepted socket. Face-neutral: both faces use these shapes.
 * @module
 */
import type { EndpointSettings } from './endpointSettings';
import type { DeflateAgreement, PerMessageDeflateOptions } from '../protocol/permessageDeflate';
import type { TopicHub } from './topicHub';

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
  /**
   * Node's rawHeaders joined with '\n' (names and values alternate; neither holds a newline),
   * or the header lines as received, each starting with CRLF (the native listener's request).
   */
  rawHeaders: string;
}

/** Builds the URL and header pairs of a server-side request (on first use). */
export function resolveRequest(src: RequestSource): ResolvedRequest {
  let url: URL;
  try {
    url = new URL(`${src.scheme}://${src.host}${src.path}`);
  } catch {
    url = new URL(`${src.scheme}://localhost/`);
  }
  const headers: Array<[string, string]> = [];
  if (src.rawHeaders.startsWith('\r\n')) {
    for (const line of src.rawHeaders.slice(2).split('\r\n')) {
      const colon = line.indexOf(':');
      headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
    }
    return { url, headers };
  }
  const raw = src.rawHeaders === '' ? [] : src.rawHeaders.split('\n');
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i], raw[i + 1]]);
  return { url, headers };
}

/**
 * What a server hands over for a socket it accepted. `T` is the face's socket class: `onGone`
 * is one function per server, called with the socket (no closure per connection).
 */
export interface ServerSideInfo<T extends object> {
  request: RequestSource;
  origin: string;
  subprotocol: string;
  /** The server's limits and caps, copied by the socket. */
  settings: EndpointSettings;
  /** Called once when the connection is gone. */
  onGone?: (socket: T) => void;
  /** permessage-deflate as the server agreed it, or null. */
  deflate: DeflateSetting | null;
  /** The server's topics (subscribe/publish on this connection). */
  topics: TopicHub<T>;
}

/** An agreed permessage-deflate and the options of our side. */
export interface DeflateSetting {
  agreement: DeflateAgreement;
  options: PerMessageDeflateOptions;
}
