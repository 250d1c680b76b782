/**
 * Several WebSocket servers on one Node http/https server: one 'upgrade' listener per http
 * server routes each upgrade by path; an upgrade no one serves gets 404.
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { refuseUpgrade } from '../transport/upgrade';

/** What a route hands the upgrade to (a WebSocketServer). */
export interface UpgradeTarget {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** The routes of one http server. */
class UpgradeDispatcher {
  readonly routes: Array<{ path: string | undefined; target: UpgradeTarget }> = [];
  readonly listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = this.routes.find((r) => r.path === undefined || r.path === path);
    if (route !== undefined) {
      route.target.handleUpgrade(req, socket, head);
      return;
    }
    // another 'upgrade' listener (not ours) may want it; otherwise nobody serves this path
    if (this.http.listenerCount('upgrade') <= 1) refuseUpgrade(socket, 404, 'No WebSocket endpoint here');
  };
  constructor(readonly http: HttpServer | HttpsServer) {}
}

const dispatchers = new WeakMap<HttpServer | HttpsServer, UpgradeDispatcher>();

/**
 * Routes upgrades of `http` to `path` (every path when undefined) to `target`.
 * @param path compared with the request's pathname
 */
export function routeUpgrades(http: HttpServer | HttpsServer, path: string | undefined, target: UpgradeTarget): void {
  let d = dispatchers.get(http);
  if (d === undefined) {
    d = new UpgradeDispatcher(http);
    dispatchers.set(http, d);
    http.on('upgrade', d.listener);
  }
  d.routes.push({ path, target });
}

/** Removes `target`'s routes from `http` (and the listener with the last route). */
export function unrouteUpgrades(http: HttpServer | HttpsServer, target: UpgradeTarget): void {
  const d = dispatchers.get(http);
  if (d === undefined) return;
  const i = d.routes.findIndex((r) => r.target === target);
  if (i >= 0) d.routes.splice(i, 1);
  if (d.routes.length === 0) {
    http.off('upgrade', d.listener);
    dispatchers.delete(http);
  }
}
