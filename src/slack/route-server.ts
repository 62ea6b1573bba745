import { createServer, type Server } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import { guardConnections } from './connection-guard.js';
import { sendJson } from './routes.js';

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
  // Its refusals (404, and the routes' 401 and 413) leave the connection usable or close it properly.
  return guardConnections(server);
}
