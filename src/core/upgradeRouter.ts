/**
 * Several WebSocket servers on one Node http/https/http2 server: one 'upgrade' listener per
 * server routes each HTTP/1.1 upgrade by path, and on an HTTP/2 server (RFC 8441) one 'stream'
 * listener routes each extended CONNECT with `:protocol` websocket the same way; an upgrade or
 * stream no one serves gets 404. Both faces attach through here.
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Http2SecureServer, Http2Server, Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { isWebSocketConnect } from '../protocol/serverHandshake';
import { refuseUpgrade } from '../transport/upgrade';
import { refuseStream } from '../transport/http2Upgrade';

/** A server a WebSocket server can attach to. */
export type AttachableServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer;

/** What a route hands the upgrade to (a WebSocketServer). */
export interface UpgradeTarget {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Takes an HTTP/2 extended CONNECT stream (RFC 8441); a target without it serves HTTP/1.1
   * upgrades only. `rawHeaders`: the stream event's raw header list, when Node gave one.
   */
  handleStream?(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: readonly string[] | undefined): void;
}

/** True for Node's http2 servers (they alone have updateSettings). */
function isHttp2Server(server: AttachableServer): server is Http2Server | Http2SecureServer {
  return typeof (server as Partial<Http2Server>).updateSettings === 'function';
}

/** Streams this module has taken (the compatibility layer reports them a second time). */
const taken = new WeakSet<ServerHttp2Stream>();

/** The routes of one server. */
class UpgradeDispatcher {
  readonly routes: Array<{ path: string | undefined; target: UpgradeTarget }> = [];
  readonly listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const route = this.#route(req.url);
    if (route !== undefined) {
      route.target.handleUpgrade(req, socket, head);
      return;
    }
    // another 'upgrade' listener (not ours) may want it; otherwise nobody serves this path
    if (this.http.listenerCount('upgrade') <= 1) refuseUpgrade(socket, 404, 'No WebSocket endpoint here');
  };
  /** HTTP/2 streams ('stream' event); streams that are not WebSocket CONNECTs are left alone. */
  readonly streamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags?: number, rawHeaders?: string[]): void => {
    if (!isWebSocketConnect(headers) || taken.has(stream)) return;
    taken.add(stream);
    const route = this.#route(headers[':path'], true);
    if (route?.target.handleStream !== undefined) route.target.handleStream(stream, headers, rawHeaders);
    else refuseStream(stream, 404, 'No WebSocket endpoint here');
  };
  /**
   * With a 'request' listener, Node's compatibility layer sees every stream first and answers a
   * CONNECT no 'connect' listener takes with 405 — so this listener takes ours. It also hears
   * HTTP/1.1 CONNECTs (allowHTTP1), and without other listeners does what Node would do.
   */
  readonly connectListener = (req: IncomingMessage | Http2ServerRequest, res: Duplex | Http2ServerResponse): void => {
    const alone = this.http.listenerCount('connect') <= 1;
    if (!('stream' in req)) {
      if (alone) (res as Duplex).destroy();
      return;
    }
    if (isWebSocketConnect(req.headers)) this.streamListener(req.stream, req.headers, 0, req.rawHeaders);
    else if (alone) (res as Http2ServerResponse).writeHead(405).end();
  };
  constructor(readonly http: AttachableServer) {}

  #route(url: string | undefined, http2 = false): { target: UpgradeTarget } | undefined {
    const path = new URL(url ?? '/', 'http://x').pathname;
    return this.routes.find((r) => (r.path === undefined || r.path === path) && (!http2 || r.target.handleStream !== undefined));
  }
}

const dispatchers = new WeakMap<AttachableServer, UpgradeDispatcher>();

/**
 * Routes upgrades of `http` to `path` (every path when undefined) to `target`. On an HTTP/2
 * server this also takes extended CONNECT streams and turns SETTINGS_ENABLE_CONNECT_PROTOCOL on
 * (RFC 8441 §3) for the sessions that start afterwards.
 * @param path compared with the request's pathname
 */
export function routeUpgrades(http: AttachableServer, path: string | undefined, target: UpgradeTarget): void {
  let d = dispatchers.get(http);
  if (d === undefined) {
    d = new UpgradeDispatcher(http);
    dispatchers.set(http, d);
    http.on('upgrade', d.listener);
    if (isHttp2Server(http)) {
      http.updateSettings({ enableConnectProtocol: true });
      http.on('stream', d.streamListener);
      http.on('connect', d.connectListener);
    }
  }
  d.routes.push({ path, target });
}

/** Removes `target`'s routes from `http` (and the listeners with the last route). */
export function unrouteUpgrades(http: AttachableServer, target: UpgradeTarget): void {
  const d = dispatchers.get(http);
  if (d === undefined) return;
  const i = d.routes.findIndex((r) => r.target === target);
  if (i >= 0) d.routes.splice(i, 1);
  if (d.routes.length === 0) {
    http.off('upgrade', d.listener);
    http.off('stream', d.streamListener);
    http.off('connect', d.connectListener);
    dispatchers.delete(http);
  }
}
