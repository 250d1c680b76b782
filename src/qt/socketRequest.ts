/**
 * The request a Qt-face socket was opened with (client) or received (server), behind its
 * request()/requestUrl()/resourceName(). The socket keeps the server's raw form until first asked
 * (most server code never reads it); these are plain functions so that a connection carries no
 * extra object for it.
 * @module
 */
import { resolveRequest, type RequestHeadText, type RequestSource, type ResolvedRequest } from '../core/request';
import { resourceName } from '../transport/clientHandshake';

/** @internal What a socket holds: raw (server, unread: fields, or a plain request's head as read), resolved, or none. */
export type HeldRequest = ResolvedRequest | RequestSource | RequestHeadText | null;

/** @internal The request resolved (the socket stores the result, so this runs once). */
export function resolvedRequest(r: HeldRequest): ResolvedRequest | null {
  return r === null || (typeof r !== 'string' && 'url' in r) ? r : resolveRequest(r);
}

/** @internal A copy of the URL and headers (the caller may change it). */
export function describeRequest(r: ResolvedRequest | null): { url: string; headers: Array<[string, string]> } {
  return { url: r?.url.href ?? '', headers: r?.headers.map(([k, v]) => [k, v] as [string, string]) ?? [] };
}

/** @internal Path and query of the request URL ('' without a request). */
export function requestResourceName(r: ResolvedRequest | null): string {
  return r !== null ? resourceName(r.url) : '';
}
