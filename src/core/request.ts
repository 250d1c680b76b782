/**
 * The plain data an endpoint's face keeps about its request, and the permessage-deflate agreed
 * for it. Face-neutral: both faces use these shapes.
 * @module
 */
import type { DeflateAgreement, PerMessageDeflateOptions } from '../protocol/permessageDeflate';
import { parseRequestHead } from '../protocol/requestHead';

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

/**
 * A plain (ws://) request as the native listener read it: the request line and the header lines,
 * CRLF between them (a RequestHead's headText). Kept as this one string, the fields being slices
 * of it anyway, and parsed again only when asked.
 */
export type RequestHeadText = string;

/** Builds the URL and header pairs of a server-side request (on first use). */
export function resolveRequest(src: RequestSource | RequestHeadText): ResolvedRequest {
  if (typeof src === 'string') {
    // (the text passed this parse once, when the request came)
    const r = parseRequestHead(Buffer.from(`${src}\r\n\r\n`, 'latin1'));
    const head = r !== null && 'head' in r ? r.head : null;
    return resolveRequest({ scheme: 'ws', host: head?.headers.host ?? 'localhost', path: head?.url ?? '/', rawHeaders: head?.headerBlock ?? '' });
  }
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

/** An agreed permessage-deflate and the options of our side. */
export interface DeflateSetting {
  agreement: DeflateAgreement;
  options: PerMessageDeflateOptions;
}
