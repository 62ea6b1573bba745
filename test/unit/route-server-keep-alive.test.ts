import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouteServer, ROUTE_KEEP_ALIVE_MS, routeServerAgent } from '../../src/slack/route-server.js';
import { sendJson } from '../../src/slack/routes.js';

describe('connections to the route server', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it('a kept connection is given up before the server would close it, so a reused one is never reset', async () => {
    const server = createRouteServer(
      [{ path: '/healthz', method: 'GET', handler: (_req, res) => sendJson(res, 200, { status: 'ok' }) }],
      pino({ level: 'silent' }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = routeServerAgent();
    closers.push(
      () => agent.destroy(),
      () => server.close(),
    );
    const { port } = server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(server.keepAliveTimeout).toBe(ROUTE_KEEP_ALIVE_MS);
    // The connection is kept for the next request, with an idle limit well inside the server's.
    await expect.poll(() => Object.values(agent.freeSockets).flat().length).toBe(1);
    const [socket] = Object.values(agent.freeSockets).flat();
    expect(socket?.timeout).toBeGreaterThan(0);
    expect(socket?.timeout).toBeLessThanOrEqual(ROUTE_KEEP_ALIVE_MS / 2);
  });
});
