import { QStashClient, type QStashClientOptions } from './client.js';
import type { QStashSettingNames } from './errors.js';

export interface QStashEnvironmentSettings {
  readonly name: string;
  readonly url: string;
  readonly token: string;
  /** The settings it was read from, named in errors (which one to fix). */
  readonly settingNames?: QStashSettingNames;
}

/** The QStash projects or regions one Flowbot serves, by name; the first is the default. */
export class QStashEnvironments {
  private readonly clients = new Map<string, QStashClient>();
  readonly names: readonly string[];
  readonly defaultName: string;

  constructor(
    settings: readonly QStashEnvironmentSettings[],
    clientOptions: Omit<QStashClientOptions, 'baseUrl' | 'token'> = {},
  ) {
    const first = settings[0];
    if (!first) throw new Error('At least one QStash environment is required.');
    for (const environment of settings) {
      this.clients.set(
        environment.name,
        new QStashClient({
          ...clientOptions,
          baseUrl: environment.url,
          token: environment.token,
          ...(environment.settingNames ? { settingNames: environment.settingNames } : {}),
        }),
      );
    }
    this.names = settings.map((environment) => environment.name);
    this.defaultName = first.name;
  }

  get count(): number {
    return this.names.length;
  }

  client(name: string): QStashClient {
    const client = this.clients.get(name);
    if (!client) throw new Error(`Unknown QStash environment "${name}".`);
    return client;
  }
}
