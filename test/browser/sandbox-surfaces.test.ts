import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, CHROMIUM_PATH, chromiumAvailable, launchChromium } from '../../sandbox/chromium.js';
import { type RunningSandbox, startSandbox } from '../../sandbox/sandbox.js';
import { runMark } from '../support/children.js';
import { LogCapture } from '../support/flowbot-harness.js';

const available = chromiumAvailable();
if (!available) {
  console.warn(
    `Skipping the sandbox surface tests: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium).`,
  );
}

const WAIT = { timeout: 10_000 };

/**
 * The Home tab, the shortcuts and the Flow control modal in the sandbox page, in a real browser, against the
 * real Flowbot: every click, keystroke in the key picker and submission travels as Slack sends it.
 */
describe.skipIf(!available)('sandbox surfaces in Chromium', () => {
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
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  async function as(name: string): Promise<void> {
    await page.locator(`label.person:has-text("${name}")`).click();
  }

  const modal = () => page.locator('#view-modal');

  async function openFlowControl(): Promise<void> {
    await page.locator('#channel-link').click();
    await page.locator('#shortcuts-button').click();
    await page
      .locator('#shortcut-menu')
      .getByRole('menuitem', { name: /Flow control/ })
      .click();
    await modal().locator('#view-title', { hasText: 'Flow control' }).waitFor(WAIT);
    await modal().locator('[data-kind="external_select"]').waitFor(WAIT);
  }

  async function pickKey(typed: string, key: string): Promise<void> {
    const picker = modal().locator('input[data-kind="external_select"]');
    await picker.fill(typed);
    const option = modal().locator('.sk-suggestion', { hasText: key }).first();
    await option.waitFor(WAIT);
    await option.click();
  }

  it('shows maria her control room in the Home tab, and its Resume resumes the key', async () => {
    await as('maria');
    await page.locator('#home-link').click();
    const home = page.locator('#home-view');
    await home.locator('.sk-header', { hasText: 'Needs attention' }).waitFor(WAIT);
    const row = home.locator('.sk-section', { hasText: 'orders-eu' });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain('12,340 waiting');
    expect(await home.textContent()).toContain('What you may do');
    await row.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume', exact: true }).click();
    await expect.poll(() => sandbox.qstash?.getKey('orders-eu')?.isPaused, WAIT).toBe(false);
    // The Home follows the change by itself: orders-eu needs no attention any more.
    await home.locator('.sk-header', { hasText: 'Recent changes' }).waitFor(WAIT);
    expect(
      await home
        .locator('.sk-section', { hasText: 'orders-eu' })
        .getByRole('button', { name: 'Resume' })
        .count(),
    ).toBe(0);
    // Announced in #incidents, where everyone sees who did it.
    await page.locator('#channel-link').click();
    await page.locator('.msg-message', { hasText: '@maria resumed orders-eu' }).waitFor(WAIT);
    expect(logs.audits()).toContainEqual(
      expect.objectContaining({ actor: 'U0MARIA01', action: 'resume', outcome: 'done', source: 'home' }),
    );
  }, 30_000);

  it('tells sam how to get access in the Home tab, naming no key', async () => {
    await as('sam');
    await page.locator('#home-link').click();
    const home = page.locator('#home-view');
    await home.locator('.sk-section', { hasText: 'You don’t have access to Flowbot yet' }).waitFor(WAIT);
    const text = (await home.textContent()) ?? '';
    expect(text).toContain('U0SAM0001');
    for (const key of ['orders-eu', 'payments-us', 'orders-us']) expect(text).not.toContain(key);
    expect(await home.getByRole('button').count()).toBe(0);
  }, 20_000);

  it('pauses through the Flow control modal: picker, action fields, inline errors, then the confirmation', async () => {
    await as('priya');
    await openFlowControl();
    await pickKey('pay', 'payments-us');
    await modal().locator('select[data-action-id="flow_action"]').selectOption('pause');
    const duration = modal().locator('[data-block-id="flow_for"] input');
    await duration.waitFor(WAIT);
    expect(await modal().locator('#view-submit').textContent()).toBe('Review pause');
    await modal().locator('[data-block-id="flow_reason"] input').fill('deploy window');
    await duration.fill('15 fortnights');
    await modal().locator('#view-submit').click();
    const error = modal().locator('[data-block-id="flow_for"] .sk-error');
    await error.waitFor(WAIT);
    expect(await error.textContent()).toContain('Not a duration');
    await duration.fill('15m');
    await modal().locator('#view-submit').click();
    await modal().waitFor({ state: 'hidden', ...WAIT });
    const confirmation = page.locator('.msg-ephemeral', { hasText: 'Pause payments-us?' });
    await confirmation.waitFor(WAIT);
    expect(await confirmation.textContent()).toContain('deploy window');
    await confirmation.getByRole('button', { name: 'Confirm pause' }).click();
    await page.locator('.msg-message', { hasText: '@priya paused payments-us' }).waitFor(WAIT);
    expect(sandbox.qstash?.getKey('payments-us')?.isPaused).toBe(true);
  }, 30_000);

  it('opens the modal from a message with the key it names, and from /flow alone', async () => {
    await as('maria');
    await page.locator('#channel-link').click();
    const form = page.locator('#alert-form');
    await form.locator('input[name=key]').fill('orders-us');
    await form.locator('input[name=title]').fill('orders-us is slow');
    await form.getByRole('button', { name: 'Post alert' }).click();
    const alert = page.locator('.msg-message', { hasText: 'orders-us is slow' });
    await alert.waitFor(WAIT);
    await alert.hover();
    await alert.locator('.more-actions').click();
    await page
      .locator('#message-menu')
      .getByRole('menuitem', { name: /Flow control/ })
      .click();
    await modal().locator('#view-title', { hasText: 'Flow control' }).waitFor(WAIT);
    expect(await modal().locator('input[data-kind="external_select"]').inputValue()).toBe('orders-us');
    await modal().locator('#view-close').click();
    await modal().waitFor({ state: 'hidden', ...WAIT });

    await page.locator('#message-input').fill('/flow');
    await page.locator('#message-input').press('Enter');
    await modal().locator('#view-title', { hasText: 'Flow control' }).waitFor(WAIT);
    await pickKey('orders-us', 'orders-us');
    await modal().locator('#view-submit').click();
    await modal().waitFor({ state: 'hidden', ...WAIT });
    await page.locator('.msg-ephemeral', { hasText: 'orders-us is delivering' }).waitFor(WAIT);
  }, 30_000);
});
