import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelIdProblem, isChannelId, MAX_CHANNEL_ID_LENGTH } from '../../src/core/channel-id.js';
import { ruleSchema } from '../../src/core/policy/policy-schema.js';
import { parseAlertBody, parseAlertmanagerBody } from '../../src/slack/alerts/alert-input.js';

const environments = { names: ['default'], defaultName: 'default' };
const rules = { defaultChannel: 'CALERTS01', allowedChannels: undefined };
const labels = { key: 'flow_control_key', environment: 'qstash_environment', channel: 'slack_channel' };

function notification(channel: string) {
  return {
    version: '4',
    alerts: [
      { status: 'firing', labels: { alertname: 'A', flow_control_key: 'emails', slack_channel: channel } },
    ],
  };
}

const hostile = [
  '#general',
  'cteamord01',
  'C<!here>',
  ' CTEAMORD01',
  'CTEAMORD01 ',
  '',
  'C',
  `C${'A'.repeat(5000)}`,
  `C${'A'.repeat(MAX_CHANNEL_ID_LENGTH)}`,
  'C"\n\u0000\u202e',
];

describe('channel IDs from outside', () => {
  it('take Slack’s shape up to 20 characters and nothing else', () => {
    expect(isChannelId('CTEAMORD01')).toBe(true);
    expect(isChannelId('D0DIRECT1')).toBe(true);
    expect(isChannelId(`C${'A'.repeat(MAX_CHANNEL_ID_LENGTH - 1)}`)).toBe(true);
    for (const value of hostile) expect(isChannelId(value), JSON.stringify(value)).toBe(false);
  });

  it('an Alertmanager slack_channel label that is not an ID is skipped, quoted, never sent to the default', () => {
    for (const value of hostile) {
      const parsed = parseAlertmanagerBody(notification(value), environments, rules, labels);
      expect(parsed).toMatchObject({ kind: 'ok', signals: [] });
      const [reason] = parsed.kind === 'ok' ? parsed.skipped : [];
      expect(reason).toBe(
        `A: slack_channel ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} ${
          value.length > MAX_CHANNEL_ID_LENGTH && /^C[A-Z]+$/.test(value)
            ? `is not a channel ID: ${value.length} characters, Slack's are at most ${MAX_CHANNEL_ID_LENGTH}`
            : 'is not a channel ID (C…)'
        }`,
      );
      expect(reason).not.toContain('ALERTS_CHANNEL');
    }
    // Without the label the default channel is used; without either the reason says both are missing.
    const { slack_channel: _, ...unlabelled } = notification('x').alerts[0]!.labels;
    const body = { version: '4', alerts: [{ status: 'firing', labels: unlabelled }] };
    expect(parseAlertmanagerBody(body, environments, rules, labels)).toMatchObject({
      signals: [{ channel: 'CALERTS01' }],
    });
    expect(
      parseAlertmanagerBody(body, environments, { ...rules, defaultChannel: undefined }, labels),
    ).toMatchObject({ skipped: ['A: no slack_channel label and no ALERTS_CHANNEL default'] });
  });

  it('every channel that comes in is an ID or refused, and a refusal stays short (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 6000 }), fc.stringMatching(/^[CGD][A-Z0-9]{0,30}$/)),
        (value) => {
          const am = parseAlertmanagerBody(notification(value), environments, rules, labels);
          const api = parseAlertBody({ key: 'emails', channel: value }, environments, rules);
          const policy = ruleSchema.safeParse({ subjects: ['U0ADMIN01'], actions: ['*'], channels: [value] });
          if (isChannelId(value)) {
            expect(value.length).toBeLessThanOrEqual(MAX_CHANNEL_ID_LENGTH);
            expect(policy.success).toBe(true);
            if (!value.startsWith('D')) {
              expect(am).toMatchObject({ signals: [{ channel: value }] });
              expect(api).toMatchObject({ kind: 'ok', signals: [{ channel: value }] });
            }
          } else {
            expect(policy.success).toBe(false);
            expect(am).toMatchObject({ signals: [] });
            expect(api).toMatchObject({ kind: 'invalid', status: 400 });
            const problem = channelIdProblem('channel:', value) as string;
            expect(api.kind === 'invalid' && api.problem).toBe(problem);
            expect(problem.length).toBeLessThan(150);
            expect(am.kind === 'ok' && am.skipped[0]?.length).toBeLessThan(150);
          }
        },
      ),
    );
  });
});
