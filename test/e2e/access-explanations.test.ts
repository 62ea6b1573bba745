import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allText, CHANNEL, type Harness, startHarness } from '../support/flowbot-harness.js';
import { readmeExamplePolicy } from '../support/readme-policy.js';

const ONCALL = 'U0123ABCD';
const ADMIN = 'UADMIN001';
const NOBODY = 'UNOBODY01';

/** The README's example policy with one environment, `default` (no FLOW_ENVIRONMENTS), as a newcomer runs it. */
async function start(allowed: string): Promise<Harness> {
  const path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
  writeFileSync(path, readmeExamplePolicy());
  const h = await startHarness({ env: { FLOW_ALLOWED_USERS: allowed, FLOW_POLICY_FILE: path } });
  h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
  return h;
}

describe('refusals and /flow whoami explain the rule that misses (README example policy)', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });
  const answer = async (text: string, user: string, channel = CHANNEL) => {
    const ack = await h.command('/flow', text, { user, channel });
    expect(ack.status).toBe(200);
    return allText(
      await h.waitForResponse(ack.responseUrl, (b) => !String(b.text ?? '').startsWith(':hourglass')),
    );
  };

  it('/flow can names the rule that would allow it and why it doesn’t apply: its environment isn’t configured', async () => {
    h = await start(ADMIN);
    const text = await answer('can resume orders-eu', ONCALL, 'C0INCIDENTS');
    expect(text).toContain('*No*');
    expect(text).toContain(
      'The rule _on-call in #incidents_ would allow it, but it names environment `prod`, which is not configured (configured: `default`).',
    );
    // From another channel, both misses are named.
    expect(await answer('can resume orders-eu', ONCALL)).toContain(
      'which is not configured (configured: `default`), and it applies only in <#C0INCIDENTS>.',
    );
    // The refusal of the change itself says the same, and nothing changes.
    expect(await answer('resume orders-eu', ONCALL, 'C0INCIDENTS')).toContain(
      'would allow it, but it names environment `prod`',
    );
    expect(h.qstash.mutations).toHaveLength(0);
    // A key the rule doesn't cover, asked for where the rule does apply otherwise: the key is the miss.
    expect(await answer('can resume emails-x', ONCALL, 'C0INCIDENTS')).toContain(
      'it covers only keys `orders-*`, `emails`',
    );
  });

  it('/flow whoami: plain words for everything, no doubled "so it never…", warnings only for who can act', async () => {
    h = await start(ADMIN);
    const admin = await answer('whoami', ADMIN);
    expect(admin).toContain('*may* do everything, on every key in every environment _(FLOW_ALLOWED_USERS)_');
    expect(admin).not.toContain('on keys all');
    expect(admin).toContain('Approval rule _payments need two people_');
    expect(admin).toContain('so it never asks for a second person there.');
    expect(admin).not.toContain('so it never applies, so');
    expect(admin).toContain('correct it there');

    const oncall = await answer('whoami', ONCALL);
    expect(oncall).toContain('in environment `prod`');
    expect(oncall).toContain('Ask your Flowbot admin to correct the policy file');
    expect(oncall).not.toContain('so it never applies, so');

    // No access at all: nothing to act on, nothing about the policy's rules.
    const nobody = await answer('whoami', NOBODY);
    expect(nobody).toContain('You have no access to Flowbot');
    expect(nobody).not.toContain('Approval rule');
    expect(nobody).not.toContain('correct the policy file');
  });
});
