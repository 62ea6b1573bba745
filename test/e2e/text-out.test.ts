import { describe, expect, it } from 'vitest';
import { ALLOWED_USER, type Harness, harnessPerTest } from '../support/flowbot-harness.js';
import { buttons, confirmed } from '../support/slack-flows.js';

const TOKEN = 'alerts-token-0123456789abcdef';
const ALERTS = 'CALERTS01';
const harness = harnessPerTest({ env: { ALERTS_TOKEN: TOKEN, ALERTS_CHANNEL: ALERTS } }, (h) =>
  h.slack.setChannel(ALERTS),
);

/**
 * Outside text made of every mrkdwn control sequence: a key (no spaces; no `*` or `?`, which make a typed key
 * a pattern: `HOSTILE_PATTERN` carries those), and free text.
 */
const HOSTILE_KEY =
  '<!channel><!here><!subteam^S0HOSTILE><@U0HOSTILE><#C0HOSTILE><https://evil.example|click>`_i_~s~&';
const HOSTILE_PATTERN = `${HOSTILE_KEY}*`;
const HOSTILE_TEXT = `<!channel> <!here|here> <!everyone> <!subteam^S0HOSTILE|@team> <@U0HOSTILE> <#C0HOSTILE> <https://evil.example|click> <mailto:x@evil.example|m> \`code *bold* _x_ ~x~ &amp; &\n>quoted`;
const LIVE = /<!channel|<!here|<!everyone|<!subteam|<@U0HOSTILE|<#C0HOSTILE|<https:\/\/evil|<mailto:/;
const OWN = /^<(@[UW][A-Z0-9]{2,}|#C[A-Z0-9]{2,}|!date\^\d+\^[^|]*\|[^|]*|https?:\/\/[^\s|]+\|[^<>]*)>$/;

/** As Slack sends typed text: `&`, `<` and `>` as entities. */
const typed = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Every mrkdwn text in everything the fake Slack received: replies, posts, updates, acknowledgements. */
function received(h: Harness, acks: string[]): string[] {
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') texts.push(o.text);
      else Object.values(o).forEach(walk);
    }
  };
  for (const raw of [...h.slack.allBodies(), ...acks]) {
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      const form = new URLSearchParams(raw);
      body = { text: form.get('text') ?? '', blocks: JSON.parse(form.get('blocks') ?? '[]') };
    }
    if (typeof body?.text === 'string') texts.push(body.text);
    walk(typeof body?.blocks === 'string' ? JSON.parse(body.blocks) : body?.blocks);
  }
  return texts;
}

function expectInert(texts: string[]): void {
  expect(texts.length).toBeGreaterThan(5);
  for (const text of texts) {
    expect(LIVE.exec(text)?.[0], text.slice(0, 400)).toBeUndefined();
    for (const markup of text.match(/<[^<>]*>/g) ?? []) expect(markup, text.slice(0, 400)).toMatch(OWN);
  }
}

describe('outside text never becomes Slack markup, on every sending path', () => {
  it('commands, acknowledgements, confirmations, cards, lists and failures', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: HOSTILE_KEY, isPaused: true, waitListSize: 4 });
    const acks: string[] = [];
    const command = async (name: string, text: string) => {
      const ack = await h.command(name, typed(text));
      acks.push(ack.body);
      return ack;
    };
    const resume = await command('/flow-resume', HOSTILE_KEY);
    await h.waitForResponse(resume.responseUrl, (b) => b.response_type === 'in_channel');
    // A pattern: its private preview, the confirmation, the channel's summary.
    h.qstash.setKey({ flowControlKey: `${HOSTILE_KEY}*b*`, isPaused: true, waitListSize: 2 });
    const bulk = await command('/flow-resume', HOSTILE_PATTERN);
    const preview = await h.waitForResponse(bulk.responseUrl, (b) =>
      buttons(b).some((button) => button.action_id === 'flow_bulk_confirm'),
    );
    const confirm = buttons(preview).find((button) => button.action_id === 'flow_bulk_confirm');
    await h.click({ actionId: 'flow_bulk_confirm', value: String(confirm?.value), isEphemeral: true });
    await expect.poll(() => h.qstash.getKey(`${HOSTILE_KEY}*b*`)?.isPaused, { timeout: 30_000 }).toBe(false);
    await h.slack.waitForCall('chat.postMessage');
    const status = await command('/flow', `status ${HOSTILE_KEY}`);
    await h.waitForResponse(status.responseUrl);
    const list = await command('/flow', 'list');
    await h.waitForResponse(list.responseUrl);
    const done = await confirmed(h, typed(`pause ${HOSTILE_KEY} ${HOSTILE_TEXT}`));
    expect(done.response_type).toBe('in_channel');
    const unknown = await command('/flow', `status ${HOSTILE_KEY}x`);
    await h.waitForResponse(unknown.responseUrl);
    const bad = await command('/flow', HOSTILE_TEXT);
    expect(bad.status).toBe(200);
    // QStash's own error text, echoed for a bad request.
    h.qstash.inject({ kind: 'status', status: 400, body: { error: HOSTILE_TEXT }, times: 4 });
    const failed = await command('/flow-resume', HOSTILE_KEY);
    await h.waitForResponse(failed.responseUrl, (b) => !String(b.text).startsWith(':hourglass'));
    expectInert(received(h, acks));
    // Still the key, shown as text.
    expect(received(h, acks).join('\n')).toContain('&lt;!channel&gt;');
  });

  it('alerts and their living messages, link URLs included, and the clicks on them', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: HOSTILE_KEY, isPaused: true, waitListSize: 4 });
    const response = await fetch(`${h.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        key: HOSTILE_KEY,
        title: HOSTILE_TEXT.slice(0, 500),
        text: HOSTILE_TEXT,
        links: [
          { text: HOSTILE_TEXT.slice(0, 100), url: 'https://grafana.example/d/x?a=<!channel>|b>c' },
          { text: 'runbook', url: 'https://runbooks.example/|<!here>' },
        ],
      }),
    });
    expect(response.status).toBe(200);
    const { ts } = (await response.json()) as { ts: string };
    const message = h.slack.getMessage(ALERTS, ts)!;
    const resume = buttons(message).find((b) => b.action_id.startsWith('flow_resume'))!;
    await h.click({
      actionId: resume.action_id,
      value: resume.value,
      userId: ALLOWED_USER,
      channelId: ALERTS,
      messageTs: ts,
      blocks: message.blocks as unknown[],
    });
    await expect.poll(() => h.qstash.getKey(HOSTILE_KEY)?.isPaused, { timeout: 15_000 }).toBe(false);
    await h.slack.waitForCall('chat.update', (c) => c.params.ts === ts);
    expectInert(received(h, []));
    const links = JSON.stringify(h.slack.getMessage(ALERTS, ts)?.blocks);
    expect(links).toContain('<https://grafana.example/d/x?a=%3C!channel%3E%7Cb%3Ec|');
  });
});
