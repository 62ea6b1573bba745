import { describe, expect, it } from 'vitest';
import { manifestBotScopes, SlackRefusedMessages } from '../support/fake-slack.js';
import { startHarness } from '../support/flowbot-harness.js';

describe('the test harness keeps the stand-ins strict', () => {
  it('fails at close when Slack would have refused something sent to it', async () => {
    const h = await startHarness();
    const res = await fetch(`${h.slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.slack.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        channel: 'CINCIDENTS',
        text: 'x',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '&amp;'.repeat(601) } }],
      }),
    });
    expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_blocks' });
    await expect(h.close()).rejects.toThrow(SlackRefusedMessages);
  });

  it('lets a test that sends refused content on purpose say so', async () => {
    const h = await startHarness({ allowRefusedMessages: true });
    await fetch(`${h.slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.slack.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'CINCIDENTS' }),
    });
    await expect(h.close()).resolves.toBeUndefined();
  });

  it('gives Flowbot a strict Slack with exactly the manifest’s scopes', async () => {
    const h = await startHarness();
    try {
      expect(h.slack.validation).toBe(true);
      const res = await fetch(`${h.slack.apiUrl}conversations.open`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.slack.botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ users: 'UALLOWED1' }),
      });
      // Opening a DM needs im:write: granted exactly when manifest.yml asks for it.
      const granted = manifestBotScopes().includes('im:write');
      expect(await res.json()).toMatchObject(granted ? { ok: true } : { ok: false, error: 'missing_scope' });
    } finally {
      await h.close();
    }
  });
});
