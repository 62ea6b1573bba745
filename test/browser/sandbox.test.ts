import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, CHROMIUM_PATH, chromiumAvailable, launchChromium } from '../../sandbox/chromium.js';
import { type RunningSandbox, startSandbox } from '../../sandbox/sandbox.js';
import { startQStashEmulator } from '../../stand-ins/qstash-emulator.js';
import { runMark } from '../support/children.js';
import { LogCapture } from '../support/flowbot-harness.js';

const available = chromiumAvailable();
if (!available) {
  console.warn(
    `Skipping the sandbox browser tests: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium).`,
  );
}

/**
 * Upper bounds for what a page shows within a second or two: generous, so that a busy machine (Chromium,
 * Flowbot and the tests share two cores with whatever else runs) is never mistaken for a broken page.
 */
const WAIT = { timeout: 60_000 };
const TEST_MS = 240_000;

/**
 * The sandbox page in a real browser, against the real Flowbot: every command and click travels the way it
 * does in production (signed request to /slack/events, replies through response_url and the Web API).
 */
describe.skipIf(!available)('sandbox page in Chromium', () => {
  let sandbox: RunningSandbox;
  let browser: Browser;
  let page: Page;
  const logs = new LogCapture();

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, logLevel: 'info', logDestination: logs });
    browser = await launchChromium({ env: runMark() });
    page = await browser.context.newPage();
    await page.goto(sandbox.url);
    await page.locator('.connection.live').waitFor(WAIT);
    await page.locator('#keys-body tr').first().waitFor(WAIT);
  }, TEST_MS);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  async function as(name: string): Promise<void> {
    await page.locator(`label.person:has-text("${name}")`).click();
  }

  async function type(text: string): Promise<void> {
    await page.locator('#message-input').fill(text);
    await page.locator('#message-input').press('Enter');
  }

  it(
    'answers a typed /flow status with the key card, privately',
    async () => {
      await as('maria');
      await type('/flow status orders-eu');
      const card = page.locator('.msg-ephemeral', { hasText: 'orders-eu is paused' });
      await card.waitFor(WAIT);
      expect(await card.locator('.only-you').textContent()).toContain('Only visible to you');
      const text = (await card.textContent()) ?? '';
      expect(text).toContain('12,340');
      expect(text).toContain('0 / 250 per 1s');
      expect(text).not.toContain(':double_vertical_bar:');
      expect(await card.locator('.sk-button-primary', { hasText: 'Resume' }).first().isVisible()).toBe(true);
      // The command went in through the front door, signed: Flowbot audited it as a command from maria.
      expect(logs.audits()).toContainEqual(
        expect.objectContaining({ actor: 'U0MARIA01', action: 'status', source: 'command', outcome: 'done' }),
      );
    },
    TEST_MS,
  );

  it(
    'asks in a dialog before Resume, and changes nothing on Cancel',
    async () => {
      const card = page.locator('.msg-ephemeral', { hasText: 'orders-eu is paused' });
      await card.getByRole('button', { name: 'Resume', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor(WAIT);
      expect(await dialog.locator('#modal-title').textContent()).toBe('Resume this key?');
      expect(await dialog.textContent()).toContain('Resume delivery for orders-eu?');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden', ...WAIT });
      expect(sandbox.qstash?.getKey('orders-eu')?.isPaused).toBe(true);
      expect(await card.isVisible()).toBe(true);
    },
    TEST_MS,
  );

  it(
    'resumes after the dialog is confirmed and updates the card in place',
    async () => {
      const card = page.locator('.msg-ephemeral', { hasText: 'orders-eu is paused' });
      const key = await card.getAttribute('data-key');
      await card.getByRole('button', { name: 'Resume', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Resume', exact: true }).click();
      const updated = page.locator(`[data-key="${key}"]`, { hasText: 'orders-eu is delivering' });
      await updated.waitFor(WAIT);
      expect(await updated.textContent()).toContain('@maria resumed it');
      expect(await page.locator('.msg-ephemeral', { hasText: 'orders-eu is paused' }).count()).toBe(0);
      const announcement = page.locator('.msg-message', { hasText: '@maria resumed orders-eu' });
      await announcement.waitFor(WAIT);
      expect(await announcement.textContent()).toContain('12,340 waiting messages released to delivery');
      expect(await announcement.locator('.only-you').count()).toBe(0);
      expect(sandbox.qstash?.getKey('orders-eu')?.isPaused).toBe(false);
    },
    TEST_MS,
  );

  it(
    'refuses a stranger privately, and others never see the refusal',
    async () => {
      await as('sam');
      await type('/flow pause payments-us just testing');
      const refusal = page.locator('.msg-ephemeral', { hasText: 'You can’t pause payments-us' });
      await refusal.waitFor(WAIT);
      expect(await refusal.locator('.only-you').textContent()).toContain('Only visible to you');
      expect(sandbox.qstash?.getKey('payments-us')?.isPaused).toBe(false);
      await as('maria');
      await refusal.waitFor({ state: 'detached', ...WAIT });
      expect(await page.locator('.msg', { hasText: 'just testing' }).count()).toBe(0);
    },
    TEST_MS,
  );

  it(
    'shows a refused /flow-resume as the refusal alone, in place of “Resuming…”',
    async () => {
      await as('sam');
      await type('/flow-resume orders-eu');
      const refusal = page.locator('.msg-ephemeral', { hasText: 'You can’t resume orders-eu' });
      await refusal.waitFor(WAIT);
      expect(await refusal.textContent()).toContain('not on Flowbot’s access list');
      expect(await page.locator('.msg-ephemeral', { hasText: 'Resuming' }).count()).toBe(0);
      expect(sandbox.slack.ephemerals().filter((e) => String(e.text).includes('Resuming'))).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'speaks as Flowbot does: every key not paused is delivering, and an alert’s title follows the key',
    async () => {
      // A key with nothing waiting and nothing in flight: Flowbot calls it delivering, and so does the panel.
      const quiet = page.locator('#keys-body tr[data-key-name="reports-nightly"]');
      await quiet.waitFor(WAIT);
      expect(await quiet.locator('.badge').textContent()).toContain('delivering');
      expect(await page.locator('#keys-body').textContent()).not.toContain('idle');

      await as('maria');
      const form = page.locator('#alert-form');
      expect(await form.locator('input[name=title]').inputValue()).toBe('');
      await form.locator('input[name=key]').fill('emails-transactional');
      await form.getByRole('button', { name: 'Post alert' }).click();
      const alert = page.locator('.msg-message', { hasText: 'emails-transactional needs attention' });
      await alert.waitFor(WAIT);
      expect(await alert.textContent()).not.toContain('is paused');
    },
    TEST_MS,
  );

  it(
    'shows emoji as pictures, so they look right without an emoji font',
    async () => {
      await as('maria');
      await type('/flow status emails-transactional');
      const card = page.locator('.msg-ephemeral', { hasText: 'emails-transactional' }).last();
      await card.waitFor(WAIT);
      const pictures = page.locator('img.emoji');
      await expect.poll(() => pictures.count(), WAIT).toBeGreaterThan(0);
      // Every picture on the page loaded (an emoji without one would have been put back as text).
      await expect
        .poll(
          () =>
            pictures.evaluateAll(
              (images) =>
                (images as any[]).filter((image) => !image.complete || image.naturalWidth === 0).length,
            ),
          WAIT,
        )
        .toBe(0);
      // The page redraws as the keys panel refreshes: read the pictures as they settle, not at one instant.
      await expect
        .poll(() => pictures.evaluateAll((images) => images.map((image) => image.getAttribute('alt'))), WAIT)
        .toContain('▶️');
      // The panel's own symbols too.
      expect(await page.locator('#keys-body img.emoji').count()).toBeGreaterThan(0);
      // And nowhere on the page is an emoji left as a character, which would need an emoji font.
      const leftAsText = await page.evaluate(() => {
        const found: string[] = [];
        // The page's own globals: this runs in the browser.
        const { document, NodeFilter } = globalThis as any;
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent ?? '';
          if (/\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F/u.test(text))
            found.push(text.slice(0, 40));
        }
        return found;
      });
      expect(leftAsText).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'lets a group member pause through Flowbot’s own confirmation',
    async () => {
      await as('priya');
      await type('/flow pause payments-us deploy in progress');
      const confirmation = page.locator('.msg-ephemeral', { hasText: 'Pause payments-us?' });
      await confirmation.waitFor(WAIT);
      await confirmation.getByRole('button', { name: 'Confirm pause' }).click();
      await page.locator('.msg-message', { hasText: '@priya paused payments-us' }).waitFor(WAIT);
      expect(sandbox.qstash?.getKey('payments-us')?.isPaused).toBe(true);
    },
    TEST_MS,
  );

  it(
    'posts an alert through /alerts and resumes the key from it',
    async () => {
      await as('maria');
      const form = page.locator('#alert-form');
      await form.locator('input[name=key]').fill('payments-us');
      await form.locator('input[name=title]').fill('payments-us is paused');
      await form.locator('input[name=text]').fill('Deploy finished 10 minutes ago');
      await form.getByRole('button', { name: 'Post alert' }).click();
      await page.locator('#alert-result.ok', { hasText: 'POST /alerts → 200' }).waitFor(WAIT);
      const alert = page.locator('.msg-message', { hasText: 'payments-us is paused' });
      await alert.waitFor(WAIT);
      const key = await alert.getAttribute('data-key');
      expect(await alert.locator('.only-you').count()).toBe(0);
      await alert.getByRole('button', { name: 'Resume', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Resume', exact: true }).click();
      const resumed = page.locator(`[data-key="${key}"]`, { hasText: 'Resumed by @maria' });
      await resumed.waitFor(WAIT);
      expect(await resumed.getByRole('button', { name: 'Resume', exact: true }).count()).toBe(0);
      expect(await resumed.locator('.edited').count()).toBe(1);
      expect(sandbox.qstash?.getKey('payments-us')?.isPaused).toBe(false);
      // The alert's thread keeps the history.
      const toggle = resumed.locator('.thread-toggle');
      await toggle.waitFor(WAIT);
      await toggle.click();
      await resumed.locator('.thread .msg').first().waitFor(WAIT);
    },
    TEST_MS,
  );

  it(
    'shows the keys panel live from the emulator',
    async () => {
      const row = page.locator('#keys-body tr[data-key-name="orders-eu"]');
      await row.locator('.badge-delivering').waitFor(WAIT);
      // The waitlist drains one delivery period (a second) at a time; the panel follows every second.
      const waiting = async () =>
        Number(((await row.locator('.key-waiting').textContent()) ?? '').replace(/,/g, ''));
      await expect.poll(waiting, { ...WAIT, interval: 200 }).toBeLessThan(12_340);
    },
    TEST_MS,
  );

  it(
    'fires an alert storm: the first keys get a message each, the rest one roll-up with every key',
    async () => {
      // Last of the tests on the shared sandbox: after a storm, new keys in the channel join its roll-up.
      await as('maria');
      await page.getByRole('button', { name: 'Fire an alert storm (40 keys)' }).click();
      await page.locator('#storm-result.ok', { hasText: '40 alerts sent' }).waitFor(WAIT);
      // The earlier tests' alerts opened this channel's window: the storm's first keys fill it, the rest roll up.
      const rollup = page.locator('.msg-message', { hasText: /\d+ keys alerting in this channel/ });
      await rollup.waitFor(WAIT);
      await expect.poll(() => rollup.textContent(), WAIT).toContain('storm-40');
      for (const key of ['storm-06', 'storm-23']) expect(await rollup.textContent()).toContain(key);
      expect(await rollup.getByRole('button', { name: /^Show all \d+ keys$/ }).count()).toBe(1);
    },
    TEST_MS,
  );

  it(
    'says plainly when it works on a QStash project of the person’s own',
    async () => {
      // A local emulator plays the person's project: tests never reach a real one.
      const project = await startQStashEmulator({ token: 'project-token-0123456789' });
      const own = await startSandbox({
        port: 0,
        logLevel: 'silent',
        realQStash: { url: project.url, token: 'project-token-0123456789' },
      });
      const second = await browser.context.newPage();
      try {
        await second.goto(own.url);
        const banner = second.getByRole('alert');
        await banner.waitFor(WAIT);
        expect(await banner.textContent()).toContain(
          `Real QStash: this sandbox uses your QStash project at ${project.url}`,
        );
        expect(await page.getByRole('alert').isVisible()).toBe(false);
      } finally {
        await second.close();
        await own.close();
        await project.close();
      }
    },
    TEST_MS,
  );
});
