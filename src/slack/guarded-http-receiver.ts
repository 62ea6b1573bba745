import type { Server, ServerOptions } from 'node:http';
import type { Server as HttpsServer, ServerOptions as HttpsServerOptions } from 'node:https';
import type { ListenOptions } from 'node:net';
import { HTTPReceiver } from '@slack/bolt';
import { guardConnections } from './connection-guard.js';

/** Bolt's HTTP receiver, with its server's early answers (413, 401, 400, 404) followed up (see connection-guard). */
export class GuardedHTTPReceiver extends HTTPReceiver {
  override start(port: number | string): Promise<Server>;
  override start(listen: number | string | ListenOptions, options?: ServerOptions): Promise<Server>;
  override start(listen: number | string | ListenOptions, options?: HttpsServerOptions): Promise<HttpsServer>;
  override async start(
    listen: number | string | ListenOptions,
    options?: ServerOptions | HttpsServerOptions,
  ): Promise<Server | HttpsServer> {
    return guardConnections(await super.start(listen, options as ServerOptions));
  }
}
