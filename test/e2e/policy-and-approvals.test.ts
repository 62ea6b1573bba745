import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allText, CHANNEL, type Harness, startHarness } from '../support/flowbot-harness.js';
import { buttons } from '../support/slack-flows.js';

const LEAD = 'ULEAD0001';
const ONCALL = 'UONCALL01';
const VIEWER = 'UVIEWER01';
const OTHER_CHANNEL = 'COTHER001';

const POLICY = `
version: 1
rules:
  - name: leads
    subjects: [${LEAD}]
    actions: ["*"]
  - name: on-call
    subjects: [SONCALL01, ${ONCALL}]
    actions: [status, list, pause, resume, approve]
    channels: [${CHANNEL}]
  - name: viewers
    subjects: [${VIEWER}]
    actions: [status, list]
  - name: nobody touches frozen keys
    effect: deny
    subjects: [${ONCALL}]
    actions: ["*"]
    keys: ["frozen-*"]
approvals:
  - name: payments need two people
    actions: [pause, resume]
    keys: ["payments-*"]
    expires: 30m
`;

describe('access policy file through Slack', () => {
  let h: Harness;
  let policyPath: string;
  beforeEach(async () => {
    policyPath = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
    writeFileSync(policyPath, POLICY);
    h = await startHarness({ env: { FLOW_POLICY_FILE: policyPath, FLOW_ALLOWED_USERS: '' } });
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true, waitListSize: 5 });
    h.qstash.setKey({ flowControlKey: 'frozen-1', isPaused: true });
    h.qstash.setKey({ flowControlKey: 'payments-eu', waitListSize: 40, parallelismCount: 3 });
  });
  afterEach(async () => {
    await h.close();
  });

  const flow = async (text: string, user: string, channel = CHANNEL) => {
    const ack = await h.command('/flow', text, { user, channel });
    expect(ack.status).toBe(200);
    return ack;
  };
  const next = (ack: { responseUrl: string }, predicate?: (b: any) => boolean) =>
    h.waitForResponse(
      ack.responseUrl,
      (b) => !String(b.text ?? '').startsWith(':hourglass') && (!predicate || predicate(b)),
    );

  it('lets a viewer look but refuses a change, saying which action on which key', async () => {
    expect(allText(await next(await flow('status orders', VIEWER)))).toContain('*paused*');
    const refusal = await next(await flow('resume orders', VIEWER));
    expect(refusal.response_type).toBe('ephemeral');
    expect(allText(refusal)).toContain('You can’t resume `orders`');
    expect(allText(refusal)).toContain('your access doesn’t cover it');
    expect(allText(refusal)).not.toContain(LEAD);
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(0);
  });

  it('limits a rule to its channels', async () => {
    const elsewhere = await next(await flow('resume orders', ONCALL, OTHER_CHANNEL));
    expect(allText(elsewhere)).toContain('limited to other channels');
    const here = await next(await flow('resume orders', ONCALL, CHANNEL));
    expect(here.response_type).toBe('in_channel');
  });

  it('grants through a user group, and an explicit deny wins', async () => {
    h.slack.setUserGroup('SONCALL01', ['UGROUPIE1']);
    expect((await next(await flow('resume orders', 'UGROUPIE1'))).response_type).toBe('in_channel');
    const denied = await next(await flow('resume frozen-1', ONCALL));
    expect(allText(denied)).toContain('a deny rule covers it');
  });

  it('refuses people the policy does not name', async () => {
    expect(allText(await next(await flow('status orders', 'UNOBODY01')))).toContain(
      'not on Flowbot’s access list',
    );
  });

  it('/flow whoami shows only the asker’s own access', async () => {
    const ack = await flow('whoami', ONCALL);
    const body = await next(ack);
    const text = allText(body);
    expect(body.response_type).toBe('ephemeral');
    expect(text).toContain('on-call');
    expect(text).toContain('`resume`');
    expect(text).toContain(`<#${CHANNEL}>`);
    expect(text).toContain('may not');
    expect(text).not.toContain(LEAD);
    expect(text).not.toContain(VIEWER);
  });

  it('/flow can answers yes or no with the reason', async () => {
    expect(allText(await next(await flow('can status orders', VIEWER)))).toContain('*Yes*');
    expect(allText(await next(await flow('can pause orders', VIEWER)))).toContain('*No*');
    expect(allText(await next(await flow('can resume payments-eu', LEAD)))).toContain('*Yes, with approval*');
    expect(allText(JSON.parse((await flow('can fly orders', LEAD)).body))).toContain('is not an action');
  });

  it('reloads a good new policy, and keeps the old one when the new file is bad', async () => {
    writeFileSync(
      policyPath,
      POLICY.replace('actions: [status, list]\n', 'actions: [status, list, resume]\n'),
    );
    expect(h.bot.reloadPolicy()).toMatchObject({ kind: 'reloaded' });
    expect((await next(await flow('resume orders', VIEWER))).response_type).toBe('in_channel');

    writeFileSync(policyPath, 'rules:\n  - subjects: [bob]\n    actions: [everything]\n');
    const result = h.bot.reloadPolicy();
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.problems.join('\n')).toContain('rules[0].subjects[0]');
    const log = h.logs
      .entries()
      .find((entry) => String(entry.msg).includes('previous policy stays in force'));
    expect(log).toBeDefined();
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    expect((await next(await flow('resume orders', VIEWER))).response_type).toBe('in_channel');
  });

  it('notices when the file changes on disk', async () => {
    writeFileSync(
      policyPath,
      POLICY.replace('actions: [status, list]\n', 'actions: [status, list, pause]\n'),
    );
    await expect
      .poll(() => h.logs.entries().some((entry) => entry.msg === 'access policy reloaded'), {
        timeout: 60_000,
      })
      .toBe(true);
    const ask = await next(await flow('pause orders', VIEWER));
    expect(buttons(ask).map((b) => b.action_id)).toContain('flow_confirm');
  });

  describe('two-person approval', () => {
    async function requestPause(requester = ONCALL) {
      const ask = await next(await flow('pause payments-eu card processor down', requester));
      const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;
      const click = await h.click({
        actionId: 'flow_confirm',
        value: confirm.value,
        userId: requester,
        isEphemeral: true,
      });
      const told = await h.waitForResponse(click.responseUrl, (b) =>
        String(b.text).includes('second person'),
      );
      expect(told.response_type).toBe('ephemeral');
      const post = await h.slack.waitForCall('chat.postMessage', (c) =>
        JSON.stringify(c.params.blocks).includes('flow_approve'),
      );
      const card = { blocks: post.params.blocks as unknown[], ts: (post.response as any).ts as string };
      return { card, approveId: buttons(card).find((b) => b.action_id === 'flow_approve')!.value };
    }

    it('posts an approval card naming who asks, what, the key, live state and reason; nothing changes yet', async () => {
      const { card } = await requestPause();
      const text = allText(card as any);
      expect(text).toContain(`<@${ONCALL}> asks to *pause* \`payments-eu\``);
      expect(text).toContain('card processor down');
      expect(text).toContain('40 waiting');
      expect(h.qstash.appliedMutations('payments-eu', 'pause')).toBe(0);
    });

    it('the requester can never approve their own request', async () => {
      const { approveId, card } = await requestPause();
      const click = await h.click({
        actionId: 'flow_approve',
        value: approveId,
        userId: ONCALL,
        messageTs: card.ts,
      });
      expect(allText(await h.waitForResponse(click.responseUrl))).toContain('can’t approve your own request');
      expect(h.qstash.appliedMutations('payments-eu', 'pause')).toBe(0);
    });

    it('someone allowed to approve does; the change runs once and the card says so', async () => {
      const { approveId, card } = await requestPause();
      const responseUrl = h.slack.responseUrl();
      await Promise.all([
        h.click({
          actionId: 'flow_approve',
          value: approveId,
          userId: LEAD,
          messageTs: card.ts,
          responseUrl,
        }),
        h.click({ actionId: 'flow_approve', value: approveId, userId: LEAD, messageTs: card.ts }),
      ]);
      const updated = await h.waitForResponse(responseUrl, (b) => b.replace_original === true);
      expect(allText(updated)).toContain(`Approved by <@${LEAD}> and done`);
      expect(buttons(updated)).toHaveLength(0);
      expect(h.qstash.getKey('payments-eu')?.isPaused).toBe(true);
      expect(h.qstash.appliedMutations('payments-eu', 'pause')).toBe(1);
      const audit = h.logs.audits().find((a) => a.action === 'pause' && a.outcome === 'done');
      expect(audit).toMatchObject({ actor: ONCALL, approvedBy: LEAD });
      // A late third click is told it is over.
      const late = await h.click({
        actionId: 'flow_approve',
        value: approveId,
        userId: LEAD,
        messageTs: card.ts,
      });
      expect(allText(await h.waitForResponse(late.responseUrl))).toContain('already decided');
      expect(h.qstash.appliedMutations('payments-eu', 'pause')).toBe(1);
    });

    it('someone without approve rights is refused', async () => {
      const { approveId, card } = await requestPause();
      const click = await h.click({
        actionId: 'flow_approve',
        value: approveId,
        userId: VIEWER,
        messageTs: card.ts,
      });
      expect(allText(await h.waitForResponse(click.responseUrl))).toContain('You can’t approve');
      expect(h.qstash.appliedMutations('payments-eu', 'pause')).toBe(0);
    });

    it('Reject: the card says who rejected it and nothing changes', async () => {
      const { approveId, card } = await requestPause();
      const click = await h.click({
        actionId: 'flow_reject',
        value: approveId,
        userId: LEAD,
        messageTs: card.ts,
      });
      const updated = await h.waitForResponse(click.responseUrl, (b) => b.replace_original === true);
      expect(allText(updated)).toContain(`Rejected by <@${LEAD}>`);
      const approve = await h.click({
        actionId: 'flow_approve',
        value: approveId,
        userId: LEAD,
        messageTs: card.ts,
      });
      expect(allText(await h.waitForResponse(approve.responseUrl))).toContain('already decided');
      expect(h.qstash.appliedMutations('payments-eu', 'pause')).toBe(0);
    });

    it('an unanswered request expires and its card is updated in place', async () => {
      writeFileSync(policyPath, POLICY.replace('expires: 30m', 'expires: 1s'));
      h.bot.reloadPolicy();
      const { approveId, card } = await requestPause();
      const update = await h.slack.waitForCall('chat.update', (c) => c.params.ts === card.ts, 60_000);
      expect(JSON.stringify(update.params.blocks)).toContain('Expired without a decision');
      const click = await h.click({
        actionId: 'flow_approve',
        value: approveId,
        userId: LEAD,
        messageTs: card.ts,
      });
      expect(allText(await h.waitForResponse(click.responseUrl))).toContain('already decided or has expired');
      expect(h.qstash.appliedMutations('payments-eu', 'pause')).toBe(0);
    });

    it('Resume buttons on alerts go through approval too', async () => {
      h.qstash.setKey({ flowControlKey: 'payments-eu', isPaused: true });
      const click = await h.click({
        actionId: 'flow_resume',
        value: 'payments-eu',
        userId: ONCALL,
        messageTs: '1700000009.000100',
      });
      expect(allText(await h.waitForResponse(click.responseUrl))).toContain('second person');
      expect(h.qstash.appliedMutations('payments-eu', 'resume')).toBe(0);
    });

    it('a forged approval id does nothing', async () => {
      for (const value of ['', 'nope', '00000000-0000-0000-0000-000000000000']) {
        const click = await h.click({ actionId: 'flow_approve', value, userId: LEAD });
        expect(allText(await h.waitForResponse(click.responseUrl))).toContain(
          'already decided or has expired',
        );
      }
      expect(h.qstash.mutations).toHaveLength(0);
    });
  });
});

describe('policy file problems at startup', () => {
  it('lists them, pointing at the rule and field, and does not start', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'bad.yml');
    writeFileSync(path, 'rules:\n  - name: oops\n    subjects: ["#general"]\n    actions: [resume]\n');
    await expect(startHarness({ env: { FLOW_POLICY_FILE: path } })).rejects.toThrow(
      /rules\[0\] \(“oops”\)\.subjects\[0\]/,
    );
  });
});

describe('an empty policy file', () => {
  it('stops startup, naming the file and what it should hold', async () => {
    for (const text of ['', '# the rules\n', 'version: 1\n']) {
      const path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'empty.yml');
      writeFileSync(path, text);
      const started = startHarness({ env: { FLOW_POLICY_FILE: path } });
      await expect(started).rejects.toThrow(path);
      await expect(started).rejects.toThrow(/holds nothing: expected "rules:"/);
    }
  });

  it('on reload keeps the policy in force and logs why', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
    writeFileSync(path, POLICY);
    const h = await startHarness({ env: { FLOW_POLICY_FILE: path, FLOW_ALLOWED_USERS: '' } });
    try {
      h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
      writeFileSync(path, '');
      expect(h.bot.reloadPolicy()).toMatchObject({ kind: 'invalid' });
      const log = h.logs
        .entries()
        .find((entry) => String(entry.msg).includes('previous policy stays in force'));
      expect(JSON.stringify(log?.problems)).toContain('holds nothing');
      const ack = await h.command('/flow', 'resume orders', { user: ONCALL });
      const answer = await h.waitForResponse(
        ack.responseUrl,
        (b) => !String(b.text ?? '').startsWith(':hourglass'),
      );
      expect(answer.response_type).toBe('in_channel');
      expect(h.qstash.mutations.map((m) => [m.key, m.action])).toEqual([['orders', 'resume']]);
    } finally {
      await h.close();
    }
  });
});

describe('a valid policy that can never apply', () => {
  // The example policy's shape: rules for `prod`, while the only environment (no FLOW_ENVIRONMENTS) is `default`.
  const PROD_ONLY = `
version: 1
rules:
  - name: on-call in prod
    subjects: [${ONCALL}]
    actions: [status, resume]
    environments: [prod]
  - name: leads
    subjects: [${LEAD}]
    actions: ["*"]
    keys: ["orders-*"]
    environments: [default, staging]
approvals:
  - name: payments need two people
    actions: [resume]
    environments: [prod]
    keys: ["payments-*"]
`;
  let h: Harness;
  let path: string;
  beforeEach(async () => {
    path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
    writeFileSync(path, PROD_ONLY);
    h = await startHarness({ env: { FLOW_POLICY_FILE: path, FLOW_ALLOWED_USERS: '' } });
  });
  afterEach(async () => {
    await h.close();
  });

  const warnings = () => h.logs.entries().filter((entry) => entry.level === 40 && entry.warning);

  it('starts, warning once per pattern that can never match, pointing at the rule', () => {
    expect(warnings().map((entry) => entry.msg)).toEqual([
      'policy file: rules[0] ("on-call in prod"): environment "prod" matches no configured QStash environment (configured: "default"), so it never applies',
      'policy file: rules[1] ("leads"): environment "staging" matches no configured QStash environment (configured: "default"), so it never applies',
      'policy file: approvals[0] ("payments need two people"): environment "prod" matches no configured QStash environment (configured: "default"), so it never applies',
    ]);
    expect(warnings().map((entry) => entry.rule)).toEqual(['rules[0]', 'rules[1]', 'approvals[0]']);
  });

  it('shows the asker the warnings of their own rules and of approval rules in /flow whoami', async () => {
    const ack = await h.command('/flow', 'whoami', { user: ONCALL });
    const text = allText(await h.waitForResponse(ack.responseUrl));
    expect(text).toContain('environment `prod` matches no configured QStash environment');
    expect(text).toContain('Approval rule _payments need two people_');
    // Another person's rule stays private, warnings included.
    expect(text).not.toContain('leads');
    expect(text).not.toContain('staging');
  });

  it('warns again after a reload, about the new file only', async () => {
    writeFileSync(path, PROD_ONLY.replaceAll('[prod]', '[default]'));
    const before = warnings().length;
    expect(h.bot.reloadPolicy()).toMatchObject({ kind: 'reloaded' });
    expect(
      warnings()
        .slice(before)
        .map((entry) => entry.rule),
    ).toEqual(['rules[1]']);
  });
});
