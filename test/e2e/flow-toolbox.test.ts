import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ALLOWED_USER,
  allText,
  CHANNEL,
  type Harness,
  STRANGER,
  startHarness,
} from '../support/flowbot-harness.js';

function buttons(body: { blocks?: unknown[] } | undefined): { action_id: string; value: string }[] {
  return (body?.blocks ?? []).flatMap((block: any) => (block.type === 'actions' ? block.elements : []));
}

describe('/flow toolbox', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    h.qstash.clearRequests();
    h.qstash.clearFaults();
    h.qstash.mutations.splice(0);
    h.qstash.setListShape('array');
    for (const key of h.qstash.keys()) h.qstash.deleteKey(key.flowControlKey);
    h.qstash.setKey({
      flowControlKey: 'orders-eu',
      isPaused: true,
      waitListSize: 12340,
      parallelismMax: 10,
      parallelismCount: 5,
      rateMax: 50,
      rateCount: 20,
      ratePeriod: 60,
      ratePeriodStart: 1_700_000_000,
      isPinnedRate: true,
    });
    h.qstash.setKey({ flowControlKey: 'emails', waitListSize: 3 });
  });

  const flow = async (text: string, user = ALLOWED_USER) => {
    const ack = await h.command('/flow', text, { user });
    expect(ack.status).toBe(200);
    return ack;
  };
  const nextReply = (ack: { responseUrl: string }, predicate?: (b: any) => boolean) =>
    h.waitForResponse(
      ack.responseUrl,
      (body) => !String(body.text ?? '').startsWith(':hourglass') && (predicate ? predicate(body) : true),
    );

  describe('help', () => {
    it('lists every subcommand privately', async () => {
      // `/flow` alone opens the Flow control modal instead; its help fallback is tested with the modal.
      for (const text of ['help']) {
        const ack = await flow(text);
        const body = JSON.parse(ack.body);
        expect(body.response_type).toBe('ephemeral');
        for (const sub of [
          'status',
          'list',
          'pause',
          'resume',
          'pin',
          'unpin',
          'reset-rate',
          'global',
          'help',
        ]) {
          expect(allText(body)).toContain(`/flow ${sub}`);
        }
      }
    });

    it('explains one subcommand', async () => {
      const body = JSON.parse((await flow('help pin')).body);
      expect(allText(body)).toContain('parallelism=N rate=N period=30s|5m|1h');
      expect(allText(body)).not.toContain('/flow list');
    });

    it('answers an unknown subcommand with help, privately, escaping what was typed', async () => {
      const body = JSON.parse((await flow('<!channel> now')).body);
      expect(body.response_type).toBe('ephemeral');
      expect(allText(body)).toContain('is not a Flowbot command');
      expect(allText(body)).not.toContain('<!channel>');
      expect(h.qstash.requests).toHaveLength(0);
    });
  });

  describe('status', () => {
    it('shows the key at a glance with Resume (paused) and Refresh buttons', async () => {
      const reply = await nextReply(await flow('status orders-eu'));
      expect(reply.response_type).toBe('ephemeral');
      const text = allText(reply);
      expect(text).toContain('*paused*');
      expect(text).toContain('12,340');
      expect(text).toContain('5 / 10');
      expect(text).toContain('20 / 50 per 1m');
      expect(text).toContain('Pinned*\\nrate');
      expect(buttons(reply).map((b) => b.action_id)).toEqual(['flow_resume', 'flow_ramp', 'flow_refresh']);
    });

    it('says "not limited" where a limit is absent, and offers Pause on a delivering key', async () => {
      const reply = await nextReply(await flow('status emails'));
      expect(allText(reply)).toContain('not limited');
      expect(allText(reply)).toContain('*delivering*');
      expect(buttons(reply).map((b) => b.action_id)).toEqual(['flow_pause', 'flow_refresh']);
    });

    it('says so for an unknown key', async () => {
      const reply = await nextReply(await flow('status nope'));
      expect(allText(reply)).toContain('no flow-control key by that name');
    });

    it('refuses strangers privately', async () => {
      const reply = await nextReply(await flow('status orders-eu', STRANGER));
      expect(reply.response_type).toBe('ephemeral');
      expect(allText(reply)).toContain('not on Flowbot’s access list');
      expect(h.qstash.requests).toHaveLength(0);
    });

    it('refuses bad arguments with a clear message and no QStash call', async () => {
      for (const text of ['status', 'status a b', 'status ..', `status ${'k'.repeat(300)}`]) {
        const body = JSON.parse((await flow(text)).body);
        expect(body.response_type).toBe('ephemeral');
        expect(allText(body)).toContain(':warning:');
      }
      expect(h.qstash.requests).toHaveLength(0);
    });

    it('Refresh redraws the card in place', async () => {
      const card = await nextReply(await flow('status emails'));
      h.qstash.setKey({ flowControlKey: 'emails', waitListSize: 999 });
      const refresh = buttons(card).find((b) => b.action_id === 'flow_refresh')!;
      const ack = await h.click({ actionId: 'flow_refresh', value: refresh.value, isEphemeral: true });
      const redrawn = await h.waitForResponse(ack.responseUrl, (b) => b.replace_original === true);
      expect(allText(redrawn)).toContain('999');
    });
  });

  describe('list', () => {
    it('lists paused keys first, then by waitlist, with Resume buttons for paused keys', async () => {
      h.qstash.setKey({ flowControlKey: 'big', waitListSize: 50_000 });
      const reply = await nextReply(await flow('list'));
      const text = allText(reply);
      expect(text.indexOf('orders-eu')).toBeLessThan(text.indexOf('big'));
      expect(text.indexOf('big')).toBeLessThan(text.indexOf('emails'));
      expect(text).toContain('3 flow-control keys');
      const ids = buttons(reply).map((b) => b.action_id);
      expect(ids).toContain('flow_resume');
      expect(ids).toContain('flow_list_refresh');
    });

    for (const shape of ['array', 'object'] as const) {
      it(`reads the ${shape} shape of the list`, async () => {
        h.qstash.setListShape(shape);
        const reply = await nextReply(await flow('list'));
        expect(allText(reply)).toContain('2 flow-control keys');
      });
    }

    it('filters by a pattern', async () => {
      const reply = await nextReply(await flow('list orders-*'));
      expect(allText(reply)).toContain('1 flow-control key*');
      expect(allText(reply)).not.toContain('emails');
    });

    it('handles an empty list', async () => {
      for (const key of h.qstash.keys()) h.qstash.deleteKey(key.flowControlKey);
      const reply = await nextReply(await flow('list'));
      expect(allText(reply)).toContain('QStash reports no flow-control keys');
    });

    it('summarises a very long list within Slack’s limits and explains $', async () => {
      for (let i = 0; i < 1500; i++)
        h.qstash.setKey({ flowControlKey: `tenant-${i}`, waitListSize: i, isPaused: i % 100 === 0 });
      h.qstash.setKey({ flowControlKey: '$', waitListSize: 7 });
      const reply = await nextReply(await flow('list'));
      expect(reply.blocks!.length).toBeLessThanOrEqual(50);
      for (const block of reply.blocks as any[]) {
        if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      }
      expect(allText(reply)).toContain('not shown');
      expect(allText(reply)).toContain('without a flow-control key');
      const ids = buttons(reply).map((b) => b.action_id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('Refresh redraws the list; a forged refresh value is refused', async () => {
      const list = await nextReply(await flow('list orders-*'));
      const refresh = buttons(list).find((b) => b.action_id === 'flow_list_refresh')!;
      h.qstash.setKey({ flowControlKey: 'orders-us', isPaused: true });
      const ack = await h.click({ actionId: 'flow_list_refresh', value: refresh.value, isEphemeral: true });
      const redrawn = await h.waitForResponse(ack.responseUrl, (b) => b.replace_original === true);
      expect(allText(redrawn)).toContain('orders-us');
      const forged = await h.click({ actionId: 'flow_list_refresh', value: '{"glob":{"$ne":1}}' });
      expect(allText(await h.waitForResponse(forged.responseUrl))).toContain('no usable list');
    });
  });

  describe('global', () => {
    it('shows global parallelism', async () => {
      h.qstash.setGlobal({ parallelismMax: 100, parallelismCount: 42 });
      const reply = await nextReply(await flow('global'));
      expect(allText(reply)).toContain('42 in use of 100');
    });
  });

  describe('changes that need a confirmation', () => {
    it('pause: shows the live state and consequence privately; Confirm acts once and tells the channel', async () => {
      h.qstash.setKey({ flowControlKey: 'emails', waitListSize: 12340, parallelismCount: 5 });
      const ack = await flow('pause emails payments API is down');
      const ask = await nextReply(ack);
      expect(ask.response_type).toBe('ephemeral');
      expect(allText(ask)).toContain('12,340 waiting, 5 messages in flight');
      expect(allText(ask)).toContain('Pausing stops all delivery');
      expect(h.qstash.appliedMutations('emails', 'pause')).toBe(0);
      const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;

      const click = await h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true });
      const done = await h.waitForResponse(click.responseUrl, (b) => b.response_type === 'in_channel');
      expect(allText(done)).toContain(`<@${ALLOWED_USER}> paused`);
      expect(allText(done)).toContain('payments API is down');
      expect(h.qstash.getKey('emails')?.isPaused).toBe(true);

      const again = await h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true });
      const note = await h.waitForResponse(again.responseUrl);
      expect(allText(note)).toContain('already used');
      expect(h.qstash.appliedMutations('emails', 'pause')).toBe(1);
      const audit = h.logs.audits().find((a) => a.action === 'pause' && a.outcome === 'done');
      expect(audit).toMatchObject({ actor: ALLOWED_USER, key: 'emails', channel: CHANNEL });
    });

    it('two Confirm clicks at once act once', async () => {
      const ask = await nextReply(await flow('reset-rate orders-eu'));
      const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;
      const clicks = await Promise.all([
        h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true }),
        h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true }),
      ]);
      await h.qstash.waitForRequest((r) => r.route === 'resetRate');
      // Both clicks answered in full: whatever the second did, it has done it.
      const answers = await Promise.all(
        clicks.map((click) =>
          h.waitForResponse(click.responseUrl, (b) => !String(b.text ?? '').startsWith(':hourglass')),
        ),
      );
      expect(answers.filter((answer) => allText(answer).includes('already used'))).toHaveLength(1);
      expect(h.qstash.appliedMutations('orders-eu', 'resetRate')).toBe(1);
    });

    it('Cancel changes nothing', async () => {
      const ask = await nextReply(await flow('pause emails'));
      const cancel = buttons(ask).find((b) => b.action_id === 'flow_cancel')!;
      const click = await h.click({ actionId: 'flow_cancel', value: cancel.value, isEphemeral: true });
      const note = await h.waitForResponse(click.responseUrl, (b) => b.replace_original === true);
      expect(allText(note)).toContain('Cancelled');
      const confirm = await h.click({ actionId: 'flow_confirm', value: cancel.value, isEphemeral: true });
      expect(allText(await h.waitForResponse(confirm.responseUrl))).toContain('already used, cancelled');
      expect(h.qstash.appliedMutations('emails', 'pause')).toBe(0);
    });

    it('a Confirm clicked by someone else does nothing', async () => {
      const ask = await nextReply(await flow('pause emails'));
      const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;
      const click = await h.click({
        actionId: 'flow_confirm',
        value: confirm.value,
        userId: STRANGER,
        isEphemeral: true,
      });
      expect(allText(await h.waitForResponse(click.responseUrl))).toContain('Only the person who asked');
      expect(h.qstash.appliedMutations('emails', 'pause')).toBe(0);
    });

    it('forged confirmation ids do nothing', async () => {
      for (const value of [
        '',
        'x',
        '../../etc',
        '00000000-0000-0000-0000-000000000000',
        '{"action":"pause"}',
      ]) {
        const click = await h.click({ actionId: 'flow_confirm', value, isEphemeral: true });
        expect(allText(await h.waitForResponse(click.responseUrl))).toContain('Nothing was changed');
      }
      expect(h.qstash.mutations).toHaveLength(0);
    });

    it('a stranger is refused before being asked to confirm', async () => {
      const reply = await nextReply(await flow('pause emails', STRANGER));
      expect(allText(reply)).toContain('You can’t pause');
      expect(buttons(reply)).toHaveLength(0);
    });

    it('an unknown key is named before anything is asked', async () => {
      const reply = await nextReply(await flow('pause ghost'));
      expect(allText(reply)).toContain('no flow-control key by that name');
      expect(buttons(reply)).toHaveLength(0);
    });

    it('pin: sends exactly the given settings, period in seconds', async () => {
      const ask = await nextReply(await flow('pin emails parallelism=5 rate=50 period=5m'));
      expect(allText(ask)).toContain('Pinning parallelism 5 and rate 50 per 5m');
      expect(allText(ask)).toContain('resets the key’s rate count and period');
      const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;
      const click = await h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true });
      await h.waitForResponse(click.responseUrl, (b) => b.response_type === 'in_channel');
      const pin = h.qstash.requests.find((r) => r.route === 'pin')!;
      expect(pin.query).toEqual({ parallelism: '5', rate: '50', period: '300' });
      expect(h.qstash.getKey('emails')).toMatchObject({
        parallelismMax: 5,
        rateMax: 50,
        ratePeriod: 300,
        isPinnedRate: true,
        isPinnedParallelism: true,
      });
    });

    it('pin: refuses bad values clearly', async () => {
      const cases: [string, string][] = [
        ['pin emails', 'Say what to pin'],
        ['pin emails parallelism=0', 'whole number from 1'],
        ['pin emails parallelism=-3', 'whole number from 1'],
        ['pin emails rate=1.5', 'whole number from 1'],
        ['pin emails rate=99999999', 'whole number from 1'],
        ['pin emails period=1m', '`period` goes with `rate`'],
        ['pin emails rate=5 period=soon', 'is not a period'],
        ['pin emails rate=5 rate=6', 'given twice'],
        ['pin emails speed=5', 'is not a pin setting'],
        ['pin emails __proto__=1', 'is not a pin setting'],
      ];
      for (const [text, why] of cases) {
        const body = JSON.parse((await flow(text)).body);
        expect(body.response_type).toBe('ephemeral');
        expect(allText(body)).toContain(why);
      }
      expect(h.qstash.requests).toHaveLength(0);
    });

    it('unpin: sends the chosen flags', async () => {
      for (const [which, query] of [
        ['rate', { parallelism: 'false', rate: 'true' }],
        ['all', { parallelism: 'true', rate: 'true' }],
      ] as const) {
        const ask = await nextReply(await flow(`unpin orders-eu ${which}`));
        const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;
        const click = await h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true });
        await h.waitForResponse(click.responseUrl, (b) => b.response_type === 'in_channel');
        expect(h.qstash.requests.filter((r) => r.route === 'unpin').at(-1)!.query).toEqual(query);
      }
      const bad = JSON.parse((await flow('unpin orders-eu everything')).body);
      expect(allText(bad)).toContain('`parallelism`, `rate` or `all`');
    });

    it('Pause on a status card asks for a confirmation too', async () => {
      const card = await nextReply(await flow('status emails'));
      const pause = buttons(card).find((b) => b.action_id === 'flow_pause')!;
      const click = await h.click({ actionId: 'flow_pause', value: pause.value, isEphemeral: true });
      const ask = await h.waitForResponse(click.responseUrl);
      expect(buttons(ask).map((b) => b.action_id)).toEqual(['flow_confirm', 'flow_cancel']);
      expect(h.qstash.appliedMutations('emails', 'pause')).toBe(0);
    });
  });

  describe('resume', () => {
    it('acts at once and says how many messages it released', async () => {
      const reply = await nextReply(await flow('resume orders-eu'));
      expect(reply.response_type).toBe('in_channel');
      expect(allText(reply)).toContain('12,340 waiting messages released to delivery');
    });

    it('from a status card: the card is refreshed privately and the channel is told', async () => {
      const card = await nextReply(await flow('status orders-eu'));
      const resume = buttons(card).find((b) => b.action_id === 'flow_resume')!;
      const click = await h.click({
        actionId: 'flow_resume',
        value: resume.value,
        isEphemeral: true,
        messageTs: '1700000001.000100',
      });
      const redrawn = await h.waitForResponse(click.responseUrl, (b) => b.replace_original === true);
      expect(allText(redrawn)).toContain('*delivering*');
      const announced = await h.waitForResponse(
        click.responseUrl,
        (b) => b.response_type === 'in_channel' && !b.replace_original,
      );
      expect(allText(announced)).toContain(`<@${ALLOWED_USER}> resumed`);
    });
  });
});

describe('/flow with several QStash environments', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ environments: { prod: {}, staging: {} } });
    h.qstashByEnvironment.prod!.setKey({ flowControlKey: 'orders', isPaused: true, waitListSize: 10 });
    h.qstashByEnvironment.staging!.setKey({ flowControlKey: 'orders', isPaused: true, waitListSize: 20 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends each request to the right environment with its own token', async () => {
    const ack = await h.command('/flow', 'resume staging:orders');
    const reply = await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel');
    expect(allText(reply)).toContain('`staging:orders`');
    const staging = h.qstashByEnvironment.staging!;
    const prod = h.qstashByEnvironment.prod!;
    expect(staging.getKey('orders')?.isPaused).toBe(false);
    expect(prod.getKey('orders')?.isPaused).toBe(true);
    expect(staging.requests.every((r) => r.authorization === `Bearer ${staging.tokens[0]}`)).toBe(true);
    expect(prod.requests.filter((r) => r.route === 'resume')).toHaveLength(0);
  });

  it('uses the first environment when none is named, and names it in messages', async () => {
    const ack = await h.command('/flow-resume', 'orders');
    const reply = await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel');
    expect(allText(reply)).toContain('`prod:orders`');
    expect(h.qstashByEnvironment.prod!.getKey('orders')?.isPaused).toBe(false);
    expect(
      h.qstashByEnvironment.prod!.requests.every(
        (r) => r.authorization === `Bearer ${h.qstashByEnvironment.prod!.tokens[0]}`,
      ),
    ).toBe(true);
  });

  it('refuses an unknown environment instead of guessing', async () => {
    const ack = await h.command('/flow', 'status qa:orders');
    const body = JSON.parse(ack.body);
    expect(allText(body)).toContain('is not a configured QStash environment');
    expect(h.qstashByEnvironment.prod!.requests.filter((r) => r.key === 'qa:orders')).toHaveLength(0);
  });

  it('lists every environment, naming each key’s environment; button values carry it', async () => {
    const ack = await h.command('/flow', 'list');
    const reply = await h.waitForResponse(ack.responseUrl);
    expect(allText(reply)).toContain('prod:orders');
    expect(allText(reply)).toContain('staging:orders');
    const scoped = await h.command('/flow', 'list staging:*');
    const only = await h.waitForResponse(scoped.responseUrl);
    expect(allText(only)).not.toContain('prod:orders');
  });

  it('status card buttons carry the environment', async () => {
    h.qstashByEnvironment.staging!.setKey({ flowControlKey: 'orders', isPaused: true });
    const ack = await h.command('/flow', 'status staging:orders');
    const card = await h.waitForResponse(ack.responseUrl);
    expect(buttons(card).map((b) => b.value)).toEqual(['staging:orders', 'staging:orders']);
    expect(allText(card)).toContain('*Environment:* staging');
  });
});
