import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** `GET /healthz`: the process is up and serving HTTP (liveness; says nothing about QStash or Slack). */
export function healthRoute(isShuttingDown: () => boolean): CustomRoute {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      if (isShuttingDown()) sendJson(res, 503, { status: 'shutting_down' });
      else sendJson(res, 200, { status: 'ok' });
    },
  };
}

/**
 * `GET /readyz`: ready to take work (Slack reachable, QStash answering with valid tokens, shared state up);
 * 503 with the failing checks otherwise, so a load balancer sends traffic elsewhere.
 */
export function readyRoute(
  current: () => { ready: boolean; checks: Record<string, string> },
  isShuttingDown: () => boolean,
): CustomRoute {
  return {
    path: '/readyz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      if (isShuttingDown()) return sendJson(res, 503, { status: 'shutting_down' });
      const { ready, checks } = current();
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks });
    },
  };
}
