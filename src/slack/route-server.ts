import { Agent, createServer, type Server } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import { guardConnections } from './connection-guard.js';
import { sendJson } from './routes.js';

/**
 * How long the route server keeps an idle connection open (Node's default, made explicit): whoever keeps
 * connections to it (the front door's agent) must give them up sooner, or a request sent on a connection the
 * server is closing at that moment fails with ECONNRESET.
 */
export const ROUTE_KEEP_ALIVE_MS = 5_000;

/**
 * Connections to the route server for a client that keeps them (the front door passing requests on): reused,
 * but each given up after half the server's idle timeout, so that no request is ever sent on a connection the
 * server is closing at that moment (which fails with ECONNRESET, for nothing).
 */
export function routeServerAgent(): Agent {
  return new Agent({ keepAlive: true, timeout: ROUTE_KEEP_ALIVE_MS / 2 });
}

/**
 * A plain HTTP server for Flowbot's own routes (health, metrics, alert intake), for when Bolt's HTTP receiver
 * is not the one serving them: in Socket Mode, and behind the front door thread.
 */
export function createRouteServer(routes: readonly CustomRoute[], logger: Logger): Server {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes.find(
      (candidate) => candidate.path === path && [candidate.method].flat().includes(req.method ?? 'GET'),
    );
    if (!route) {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    Promise.resolve(route.handler(Object.assign(req, { params: {} }), res)).catch((error: unknown) => {
      logger.error({ err: error, path }, 'route failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  });
  server.keepAliveTimeout = ROUTE_KEEP_ALIVE_MS;
  // Its refusals (404, and the routes' 401 and 413) leave the connection usable or close it properly.
  return guardConnections(server);
}
