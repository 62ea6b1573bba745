import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SUBCOMMANDS } from '../../src/core/commands/flow-command.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8'));
// Slack's published manifest schema, when a copy sits beside the repository.
const schemaPath = join(root, '../shared/reference/slack-manifest-schema/manifest.schema.1.0.0.json');

describe('manifest.yml', () => {
  it('declares the slash commands Flowbot handles, each with a description', () => {
    const commands = manifest.features.slash_commands.map((c: { command: string }) => c.command);
    expect(commands).toContain('/flow-resume');
    expect(commands).toContain('/flow');
    for (const command of manifest.features.slash_commands) {
      expect(command.command).toMatch(/^\/[a-z-]{1,31}$/);
      expect(command.description.length).toBeGreaterThan(0);
      expect(command.url).toMatch(/\/slack\/events$/);
    }
  });

  it('names every /flow subcommand in its description and usage hint, within Slack’s lengths', () => {
    const flow = manifest.features.slash_commands.find((c: { command: string }) => c.command === '/flow');
    const words = (text: string) => new Set(text.split(/[^a-z-]+/));
    for (const subcommand of SUBCOMMANDS) {
      expect(words(flow.description), `description lacks ${subcommand}`).toContain(subcommand);
      expect(words(flow.usage_hint), `usage_hint lacks ${subcommand}`).toContain(subcommand);
    }
    for (const command of manifest.features.slash_commands) {
      expect(command.description.length).toBeLessThanOrEqual(2000);
      expect(command.usage_hint?.length ?? 0).toBeLessThanOrEqual(1000);
    }
  });

  it('asks for exactly the bot scopes Flowbot uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([
      'channels:read',
      'chat:write',
      'commands',
      'groups:read',
      'im:read',
      'im:write',
      'mpim:read',
      'usergroups:read',
    ]);
  });

  it('enables interactivity on the same endpoint, and Socket Mode', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
  });

  it.skipIf(!existsSync(schemaPath))('conforms to Slack’s app-manifest JSON schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });
});
