import { describe, expect, it } from 'vitest';
import { ALLOWED_USER, allText, harnessPerTest } from '../support/flowbot-harness.js';
import { confirmed } from '../support/slack-flows.js';

/**
 * Slack sends typed text encoded (`&amp;`, `&lt;`, `&gt;`, and words wrapped as links or mentions): the text
 * is decoded once where it comes in, the acknowledgement and the work read the same command, and what goes
 * back out is escaped exactly once.
 */
for (const door of [
  { name: 'front door thread', frontDoor: true },
  { name: 'one thread', frontDoor: false },
]) {
  describe(`text as Slack sends it, decoded once (${door.name})`, () => {
    const start = harnessPerTest({ frontDoor: door.frontDoor });

    it('/flow-resume tenant&amp;eu resumes tenant&eu, and the ack names it escaped once', async () => {
      const h = await start();
      h.qstash.setKey({ flowControlKey: 'tenant&eu', isPaused: true, waitListSize: 3 });
      const ack = await h.command('/flow-resume', 'tenant&amp;eu');
      expect(ack.status).toBe(200);
      const acked = JSON.parse(ack.body) as { text: string };
      expect(acked.text).toContain('`tenant&amp;eu`');
      expect(acked.text).not.toContain('&amp;amp;');
      const reply = await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel');
      expect(allText(reply)).toContain('`tenant&amp;eu`');
      expect(allText(reply)).not.toContain('&amp;amp;');
      expect(h.qstash.getKey('tenant&eu')?.isPaused).toBe(false);
      expect(h.qstash.requests.find((r) => r.route === 'resume')?.key).toBe('tenant&eu');
      expect(h.logs.audits().find((a) => a.action === 'resume')).toMatchObject({
        key: 'tenant&eu',
        outcome: 'done',
      });
    });

    it('a key Slack wrapped as a link is the key the person typed', async () => {
      const h = await start();
      h.qstash.setKey({ flowControlKey: 'orders.example', isPaused: true });
      h.qstash.setKey({ flowControlKey: 'ops@acme.example', isPaused: true });
      const ack = await h.command('/flow-resume', '<http://orders.example|orders.example>');
      expect(JSON.parse(ack.body).text).toContain('`orders.example`');
      await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel');
      expect(h.qstash.getKey('orders.example')?.isPaused).toBe(false);

      const mail = await h.command('/flow', 'resume <mailto:ops@acme.example|ops@acme.example>');
      await h.waitForResponse(mail.responseUrl, (b) => b.response_type === 'in_channel');
      expect(h.qstash.getKey('ops@acme.example')?.isPaused).toBe(false);
      expect(h.qstash.requests.map((r) => r.key)).not.toContain('<http://orders.example|orders.example>');
    });

    it('a key typed with < and > (sent as entities) is looked up as typed and shown inert', async () => {
      const h = await start();
      h.qstash.setKey({ flowControlKey: '<!channel>', isPaused: true, waitListSize: 1 });
      const ack = await h.command('/flow', 'resume &lt;!channel&gt;');
      const reply = await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel');
      expect(h.qstash.getKey('<!channel>')?.isPaused).toBe(false);
      expect(allText(reply)).toContain('&lt;!channel&gt;');
      expect(allText(reply)).not.toContain('<!channel>');
    });

    it('a reason "db &amp; cache down" reaches the channel as "db & cache down", escaped once', async () => {
      const h = await start();
      h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: false, waitListSize: 0 });
      const done = await confirmed(h, 'pause orders-eu db &amp; cache down, ask <@U0ONCALL1|steve> &lt;3');
      const text = allText(done);
      expect(text).toContain('db &amp; cache down, ask @steve &lt;3');
      expect(text).not.toContain('&amp;amp;');
      expect(text).not.toContain('<@U0ONCALL1');
      expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
      const audit = h.logs.audits().find((a) => a.action === 'pause' && a.outcome === 'done');
      expect(audit).toMatchObject({ actor: ALLOWED_USER, key: 'orders-eu' });
      expect(JSON.stringify(audit)).toContain('db & cache down, ask @steve <3');
    });

    it('help and input problems are decided from the decoded text', async () => {
      const h = await start();
      // `&amp;` decodes to one `&`, so this key is exactly 256 characters long: accepted.
      h.qstash.setKey({ flowControlKey: '&'.repeat(256), isPaused: true });
      const ack = await h.command('/flow-resume', '&amp;'.repeat(256));
      expect(JSON.parse(ack.body).text).toMatch(/^:hourglass/);
      await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel');
      expect(h.qstash.getKey('&'.repeat(256))?.isPaused).toBe(false);
      // `&lt;` followed by a space is two words: the ack says so, as the work would.
      const two = await h.command('/flow-resume', 'a&amp;b &lt;c');
      expect(JSON.parse(two.body).text).toContain('spaces');
    });
  });
}
