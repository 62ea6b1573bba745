import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describeRefusal } from '../../stand-ins/block-kit.js';
import {
  type FakeSlack,
  type FakeSlackOptions,
  startFakeSlack as startStandIn,
} from '../../stand-ins/fake-slack.js';

export * from '../../stand-ins/fake-slack.js';

const manifestPath = join(dirname(fileURLToPath(import.meta.url)), '../../manifest.yml');

/** The bot scopes `manifest.yml` asks for: what a workspace that installed Flowbot from it grants. */
export function manifestBotScopes(): string[] {
  const manifest = parse(readFileSync(manifestPath, 'utf8')) as {
    oauth_config?: { scopes?: { bot?: unknown } };
  };
  const scopes = manifest.oauth_config?.scopes?.bot;
  return Array.isArray(scopes) ? scopes.map(String) : [];
}

/**
 * The fake Slack as the tests use it: strict, and with exactly the scopes of `manifest.yml`, so that a method
 * Flowbot starts calling without asking for its scope fails in the tests as it would in a workspace.
 */
export function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  return startStandIn({ scopes: manifestBotScopes(), ...opts });
}

export class SlackRefusedMessages extends Error {
  override readonly name = 'SlackRefusedMessages';
}

/**
 * Throws when Slack would have refused any message or view Flowbot sent (invalid_blocks, msg_too_long,
 * no_text…): every end-to-end test thereby also checks that everything Flowbot sent fits Block Kit.
 */
export function assertSlackAcceptedEverything(slack: FakeSlack): void {
  const refusals = slack.payloadRefusals();
  if (refusals.length === 0) return;
  const lines = refusals.map(
    ({ where, refusal, payload }) =>
      `${where}: ${describeRefusal(refusal)}\n  payload: ${JSON.stringify(payload).slice(0, 600)}`,
  );
  throw new SlackRefusedMessages(
    `Slack would have refused ${refusals.length} message(s):\n${lines.join('\n')}`,
  );
}
