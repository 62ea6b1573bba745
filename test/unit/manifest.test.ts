import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SUBCOMMANDS } from '../../src/core/commands/flow-command.js';
import { KEY_PICKER, SHORTCUTS, WORKFLOW_STEPS } from '../../src/slack/blocks/surface-ids.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8'));

/**
 * Slack's published manifest schema, when a copy sits in `shared/reference/` beside the repository or one of
 * its parent directories (a worktree sits deeper than a clone).
 */
function schemaDirectory(): string | undefined {
  for (let dir = join(root, '..'); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared/reference/slack-manifest-schema');
    if (existsSync(join(candidate, 'manifest.schema.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
const schemas = schemaDirectory();

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

  it('has the Home tab, the options load URL and the events the surfaces need', () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    // Private answers to Home tab clicks go to the person's messages with Flowbot.
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
    expect(manifest.settings.interactivity.message_menu_options_url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.event_subscriptions.request_url).toMatch(/\/slack\/events$/);
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([
      'app_home_opened',
      'function_executed',
    ]);
    expect(KEY_PICKER).toBe('flow_key');
  });

  it('declares both shortcuts with the callback_ids Flowbot routes', () => {
    const shortcuts = manifest.features.shortcuts.map((s: { type: string; callback_id: string }) => [
      s.type,
      s.callback_id,
    ]);
    expect(shortcuts).toEqual([
      ['global', SHORTCUTS.control],
      ['message', SHORTCUTS.message],
    ]);
    expect(SHORTCUTS).toEqual({ control: 'flow_control', message: 'flow_message_action' });
  });

  it('declares the Workflow Builder steps with their public inputs, as remote functions of an org-ready app', () => {
    expect(manifest._metadata.major_version).toBe(2);
    expect(manifest.settings.function_runtime).toBe('remote');
    expect(manifest.settings.org_deploy_enabled).toBe(true);
    const functions = manifest.functions as Record<
      string,
      { input_parameters: { properties: Record<string, { type: string }>; required: string[] } }
    >;
    expect(Object.keys(functions).sort()).toEqual(Object.values(WORKFLOW_STEPS).sort());
    const inputs = (name: string) => Object.keys(functions[name]!.input_parameters.properties);
    expect(inputs('resume_flow_key')).toEqual(['key', 'user']);
    expect(inputs('pause_flow_key')).toEqual(['key', 'user', 'reason', 'minutes']);
    expect(inputs('get_flow_key')).toEqual(['key', 'user']);
    for (const definition of Object.values(functions)) {
      // The person running the workflow, which no workflow builder can type in: a step can't act as someone else.
      expect(definition.input_parameters.properties.user!.type).toBe('slack#/types/user_context');
      expect(definition.input_parameters.required).toEqual(expect.arrayContaining(['key', 'user']));
    }
    expect(functions.pause_flow_key!.input_parameters.required).not.toContain('minutes');
  });

  it.skipIf(!schemas)('conforms to Slack’s app-manifest JSON schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    const base = 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/';
    for (const version of ['1.0.0', '2.0.0']) {
      const file = join(schemas!, `manifest.schema.${version}.json`);
      ajv.addSchema(JSON.parse(readFileSync(file, 'utf8')), `${base}manifest.schema.${version}.json`);
    }
    // The schema for all versions, which picks the one `_metadata.major_version` names.
    const validate = ajv.compile(JSON.parse(readFileSync(join(schemas!, 'manifest.schema.json'), 'utf8')));
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });
});
