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
