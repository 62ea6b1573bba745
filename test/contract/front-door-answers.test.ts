import type { App, ReceiverEvent } from '@slack/bolt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkTracker } from '../../src/core/work-tracker.js';
import { FrontDoorReceiver } from '../../src/slack/front-door/front-door-receiver.js';
import {
  appHomeOpenedEvent,
  blockSuggestionPayload,
  eventCallbackBody,
  functionExecutedEvent,
  interactiveBody,
  postToSlackEndpoint,
  viewSubmissionPayload,
} from '../../stand-ins/slack-request.js';
import { formValues } from '../support/surfaces.js';

const SECRET = 'front0door0signing0secret0abcdef';
const ENVIRONMENTS = { names: ['default'], defaultName: 'default' };

type Behaviour = (event: ReceiverEvent) => Promise<void>;

/** The receiver with a stand-in app whose way of acknowledging the test chooses. */
async function startReceiver(behaviour: Behaviour, answerTimeoutMs?: number) {
  const events: ReceiverEvent[] = [];
  const receiver = new FrontDoorReceiver({
    signingSecret: SECRET,
    environments: ENVIRONMENTS,
    logLevel: 'warn',
    maxInFlight: 1_000,
    work: new WorkTracker(() => {}),
    routes: [],
    logger: pino({ level: 'silent' }),
    ...(answerTimeoutMs !== undefined ? { answerTimeoutMs } : {}),
  });
  receiver.init({
    processEvent: async (event: ReceiverEvent) => {
      events.push(event);
      await behaviour(event);
    },
  } as unknown as App);
  const port = await receiver.start(0);
  started.push(receiver);
  return { events, url: `http://127.0.0.1:${port}` };
}

const started: FrontDoorReceiver[] = [];
afterEach(async () => {
  for (const receiver of started.splice(0)) await receiver.stop();
});

const suggestion = (value: string) =>
  interactiveBody(
    blockSuggestionPayload({ userId: 'U1', actionId: 'flow_key', value, view: { id: 'V1', type: 'modal' } }),
  );
const OPTIONS = { options: [{ text: { type: 'plain_text', text: 'orders-eu' }, value: 'orders-eu' }] };

describe('front door: acknowledgements that need the app or a payload of their own', () => {
  it('waits for the app’s options and acknowledges with them', async () => {
    const { events, url } = await startReceiver(async (event) => {
      await event.ack(OPTIONS);
    });
    const ack = await postToSlackEndpoint(url, SECRET, suggestion('ord'));
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body)).toEqual(OPTIONS);
    expect(events).toHaveLength(1);
    expect(events[0]?.body).toMatchObject({ type: 'block_suggestion', value: 'ord' });
  });

  it('answers an empty menu when the app does not answer within the bound', async () => {
    const { events, url } = await startReceiver(() => new Promise(() => {}), 150);
    const ack = await postToSlackEndpoint(url, SECRET, suggestion('ord'));
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body)).toEqual({ options: [] });
    expect(events).toHaveLength(1);
  });

  it('does not wait out the bound when the app finished without answering', async () => {
    // With a minute's bound, only the app's "done, no answer" can end this within the test's time.
    const { url } = await startReceiver(async () => {}, 60_000);
    const ack = await postToSlackEndpoint(url, SECRET, suggestion('ord'));
    expect(JSON.parse(ack.body)).toEqual({ options: [] });
  });

  it('answers a modal submission’s problems from the payload alone, and hands it over', async () => {
    const { events, url } = await startReceiver(() => new Promise(() => {}), 60_000);
    const view = { id: 'V1', callback_id: 'flow_control_modal', blocks: [] };
    const bad = await postToSlackEndpoint(
      url,
      SECRET,
      interactiveBody(
        viewSubmissionPayload({
          userId: 'U1',
          view,
          values: formValues({
            key: 'orders-eu',
            action: 'pause',
            duration: 'forever',
            channel: 'C0INCIDENTS',
          }),
        }),
      ),
    );
    expect(JSON.parse(bad.body)).toEqual({
      response_action: 'errors',
      errors: { flow_for: expect.stringContaining('Not a duration') },
    });
    const good = await postToSlackEndpoint(
      url,
      SECRET,
      interactiveBody(
        viewSubmissionPayload({
          userId: 'U1',
          view,
          values: formValues({ key: 'orders-eu', action: 'resume', channel: 'C0INCIDENTS' }),
        }),
      ),
    );
    expect(good).toMatchObject({ status: 200, body: '' });
    await expect.poll(() => events.length).toBe(2);
  });

  it('takes events (Home tab, workflow steps) as JSON, and answers Slack’s URL check itself', async () => {
    const { events, url } = await startReceiver(async () => {});
    const json = { contentType: 'application/json' };
    const home = await postToSlackEndpoint(url, SECRET, eventCallbackBody(appHomeOpenedEvent('U1')), json);
    expect(home).toMatchObject({ status: 200 });
    const step = await postToSlackEndpoint(
      url,
      SECRET,
      eventCallbackBody(
        functionExecutedEvent({
          callbackId: 'get_flow_key',
          functionExecutionId: 'Fx1',
          botAccessToken: 'xwfp-1',
          inputs: { key: 'orders-eu' },
        }),
      ),
      json,
    );
    expect(step.status).toBe(200);
    await expect
      .poll(() => events.map((event) => (event.body.event as { type: string }).type))
      .toEqual(['app_home_opened', 'function_executed']);
    const check = await postToSlackEndpoint(
      url,
      SECRET,
      JSON.stringify({ token: 'x', challenge: 'c-123', type: 'url_verification' }),
      json,
    );
    expect(JSON.parse(check.body)).toEqual({ challenge: 'c-123' });
    expect(events).toHaveLength(2);
  });

  it('acknowledges a signed payload of no kind Bolt knows at once, hands it to no one, and refuses one that is no object', async () => {
    // A minute's bound: only an acknowledgement given at once ends this within the test's time.
    const { events, url } = await startReceiver(() => new Promise(() => {}), 60_000);
    const json = { contentType: 'application/json' };
    const unknown = await postToSlackEndpoint(url, SECRET, JSON.stringify({ type: 'something_new' }), json);
    expect(unknown).toMatchObject({ status: 200, body: '' });
    expect((await postToSlackEndpoint(url, SECRET, 'null', json)).status).toBe(400);
    expect((await postToSlackEndpoint(url, SECRET, '"text"', json)).status).toBe(400);
    const ssl = await postToSlackEndpoint(url, SECRET, 'ssl_check=1&token=x', { signature: '' });
    expect(ssl).toMatchObject({ status: 200, body: '' });
    expect(events).toHaveLength(0);
  });
});
