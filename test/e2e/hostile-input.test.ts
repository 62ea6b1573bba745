import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { allText, type Harness, SIGNING_SECRET, startHarness } from '../support/flowbot-harness.js';
import { buttons } from '../support/slack-flows.js';
import { nowSeconds, postToSlackEndpoint, slashCommandBody } from '../support/slack-request.js';

/** A request reached QStash only through the flow-control routes, with a key as one segment. */
function onlyFlowControlRoutes(h: Harness): void {
  for (const request of h.qstash.requests) {
    // The list of every key (read by a pattern's preview), or one key's routes.
    expect(request.rawPath).toMatch(/^\/v2\/flowControl(\/[^/]+(\/(resume|pause|pin|unpin|resetRate))?)?$/);
  }
}

/**
 * `/flow-resume <key>` as typed, carried through: a key with `*` or `?` reads as a pattern, so its private
 * preview comes first (returned) and is confirmed; otherwise the channel's reply is returned.
 */
async function resumeTyped(h: Harness, key: string) {
  // Typed as Slack sends it: `&`, `<` and `>` as entities (decoded once where the command comes in).
  const typed = key.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const ack = await h.command('/flow-resume', typed);
  expect(ack.status).toBe(200);
  if (!/[*?]/.test(key))
    return h.waitForResponse(ack.responseUrl, (body) => body.response_type === 'in_channel');
  const preview = await h.waitForResponse(ack.responseUrl, (body) =>
    buttons(body).some((button) => button.action_id === 'flow_bulk_confirm'),
  );
  const confirm = buttons(preview).find((button) => button.action_id === 'flow_bulk_confirm');
  await h.click({ actionId: 'flow_bulk_confirm', value: String(confirm?.value), isEphemeral: true });
  await vi.waitFor(() => expect(h.qstash.getKey(key)?.isPaused).toBe(false), {
    timeout: 60_000,
    interval: 50,
  });
  return preview;
}

describe('hostile keys and forged requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    h.qstash.clearRequests();
  });

  const addressable = [
    'a/b',
    '../../v2/dlq',
    '?x',
    '#x',
    '%2F',
    'tenant:42',
    'ключ-😀',
    '..%2F..',
    '%2e%2e',
    'emoji:🔥',
  ];
  for (const key of addressable) {
    it(`keeps ${JSON.stringify(key)} inside one path segment`, async () => {
      h.qstash.setKey({ flowControlKey: key, isPaused: true, waitListSize: 3 });
      const reply = await resumeTyped(h, key);
      expect(allText(reply)).toMatch(/resumed|Resume/);
      onlyFlowControlRoutes(h);
      const resume = h.qstash.requests.find((r) => r.route === 'resume');
      expect(resume?.key).toBe(key);
      expect(resume?.rawPath).toBe(`/v2/flowControl/${encodeURIComponent(key)}/resume`);
      expect(h.qstash.getKey(key)?.isPaused).toBe(false);
    });
  }

  const refused: [string, string][] = [
    ['x'.repeat(10_000), 'at most 256'],
    ['bad\u0000key', 'control characters'],
    ['line\u0007bell', 'control characters'],
    ['two\u2028lines', 'control characters'],
    ['..', 'cannot be a flow-control key'],
    ['.', 'cannot be a flow-control key'],
    ['two keys', 'spaces'],
    ['no\u00a0break', 'spaces'],
  ];
  for (const [key, why] of refused) {
    it(`refuses ${JSON.stringify(key.slice(0, 20))} with a clear private message and no QStash call`, async () => {
      const ack = await h.command('/flow-resume', key);
      expect(ack.status).toBe(200);
      const body = JSON.parse(ack.body);
      expect(body.response_type).toBe('ephemeral');
      expect(allText(body)).toContain(why);
      expect(h.qstash.requests).toHaveLength(0);
    });
  }

  it('never lets a key ping the channel or format the message', async () => {
    const key = '<!channel>*bold*`tick`';
    h.qstash.setKey({ flowControlKey: key, isPaused: true });
    const reply = await resumeTyped(h, key);
    expect(allText(reply)).not.toContain('<!channel>');
    expect(allText(reply)).toContain('&lt;!channel&gt;');
    // Nor anything posted in the channel about it (the summary of the change).
    for (const call of [...h.slack.callsTo('chat.postMessage'), ...h.slack.callsTo('chat.update')])
      expect(JSON.stringify(call.params)).not.toContain('<!channel>');
  });

  it('rejects a forged signature with 401 and does nothing', async () => {
    const body = slashCommandBody({ command: '/flow-resume', text: 'orders-eu', user_id: 'UALLOWED1' });
    const result = await postToSlackEndpoint(h.url, 'wrong-secret-000000000000', body);
    expect(result.status).toBe(401);
    expect(h.qstash.requests).toHaveLength(0);
  });

  it('rejects a replayed request older than five minutes', async () => {
    const body = slashCommandBody({ command: '/flow-resume', text: 'orders-eu', user_id: 'UALLOWED1' });
    const result = await postToSlackEndpoint(h.url, SIGNING_SECRET, body, {
      timestamp: nowSeconds() - 6 * 60,
    });
    expect(result.status).toBe(401);
    expect(h.qstash.requests).toHaveLength(0);
  });

  it('rejects a body altered after signing', async () => {
    const body = slashCommandBody({ command: '/flow-resume', text: 'orders-eu', user_id: 'UALLOWED1' });
    const signed = slashCommandBody({ command: '/flow-resume', text: 'other', user_id: 'UALLOWED1' });
    const { slackSignature } = await import('../support/slack-request.js');
    const ts = nowSeconds();
    const result = await postToSlackEndpoint(h.url, SIGNING_SECRET, body, {
      timestamp: ts,
      signature: slackSignature(SIGNING_SECRET, signed, ts),
    });
    expect(result.status).toBe(401);
    expect(h.qstash.requests).toHaveLength(0);
  });

  it('answers 200 on /healthz and 404 elsewhere', async () => {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.url}/v2/flowControl`)).status).toBe(404);
  });
});
