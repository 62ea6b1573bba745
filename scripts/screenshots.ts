import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type Browser, CHROMIUM_PATH, chromiumAvailable, launchChromium } from '../sandbox/chromium.js';
import { type RunningSandbox, startSandbox } from '../sandbox/sandbox.js';

/**
 * `npm run screenshots`: the README's pictures of the sandbox, taken by driving it in headless Chromium.
 * Each picture gets a sandbox of its own, so the channel shows one story and nothing left over from another.
 */

const OUT = join(process.cwd(), 'docs', 'screenshots');
const VIEWPORT = { width: 1360, height: 820 };
const WAIT = { timeout: 60_000 };

async function withSandbox(browser: Browser, story: (page: Page) => Promise<void>): Promise<void> {
  const sandbox: RunningSandbox = await startSandbox({ port: 0, logLevel: 'silent' });
  const page = await browser.context.newPage();
  try {
    await page.goto(sandbox.url);
    await page.locator('.connection.live').waitFor(WAIT);
    await page.locator('#keys-body tr').first().waitFor(WAIT);
    await story(page);
  } finally {
    await page.close();
    await sandbox.close();
  }
}

async function as(page: Page, name: string): Promise<void> {
  await page.locator(`label.person:has-text("${name}")`).click();
}

async function type(page: Page, text: string): Promise<void> {
  await page.locator('#message-input').fill(text);
  await page.locator('#message-input').press('Enter');
}

async function shoot(page: Page, name: string): Promise<void> {
  // Let the "updated" highlight fade and the key panel settle, so the picture shows the resting state.
  await page.waitForTimeout(1_800);
  await page.locator('#message-input').blur();
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  process.stdout.write(`  ${file} (${Math.round(statSync(file).size / 1024)} kB)\n`);
}

interface Story {
  /** The pictures it takes, in order. */
  readonly shots: readonly string[];
  readonly run: (page: Page) => Promise<void>;
}

const STORIES: readonly Story[] = [
  {
    shots: ['list'],
    run: async (page) => {
      await as(page, 'maria');
      await type(page, '/flow list');
      await page.locator('.msg-ephemeral', { hasText: 'flow-control keys' }).waitFor(WAIT);
      await shoot(page, 'list');
    },
  },
  {
    shots: ['status', 'confirm', 'resumed'],
    run: async (page) => {
      await as(page, 'maria');
      await type(page, '/flow status orders-eu');
      const card = page.locator('.msg-ephemeral', { hasText: 'orders-eu is paused' });
      await card.waitFor(WAIT);
      await shoot(page, 'status');
      await card.getByRole('button', { name: 'Resume', exact: true }).click();
      await page.getByRole('dialog').waitFor(WAIT);
      await shoot(page, 'confirm');
      await page.getByRole('dialog').getByRole('button', { name: 'Resume', exact: true }).click();
      await page.locator('.msg-message', { hasText: 'resumed orders-eu' }).waitFor(WAIT);
      await shoot(page, 'resumed');
    },
  },
  {
    shots: ['refusal'],
    run: async (page) => {
      await as(page, 'sam');
      await type(page, '/flow-resume orders-eu');
      await page.locator('.msg-ephemeral', { hasText: 'You can’t resume' }).waitFor(WAIT);
      await shoot(page, 'refusal');
    },
  },
  {
    shots: ['alert', 'alert-resumed'],
    run: async (page) => {
      await as(page, 'maria');
      await page.locator('#alert-form button[type=submit]').click();
      const alert = page.locator('.msg-message', { hasText: 'orders-eu is paused' });
      await alert.waitFor(WAIT);
      await page.locator('#alert-result.ok').waitFor(WAIT);
      await shoot(page, 'alert');
      await alert.getByRole('button', { name: 'Resume', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Resume', exact: true }).click();
      await page.locator('.msg-message', { hasText: 'Resumed by @maria' }).waitFor(WAIT);
      await page.locator('.msg-message .thread-toggle').first().click();
      await page.locator('.thread .msg').first().waitFor(WAIT);
      await shoot(page, 'alert-resumed');
    },
  },
  {
    shots: ['home'],
    run: async (page) => {
      await as(page, 'maria');
      await page.locator('#home-link').click();
      await page.locator('#home-view .sk-section', { hasText: 'orders-eu' }).waitFor(WAIT);
      await shoot(page, 'home');
    },
  },
  {
    shots: ['modal'],
    run: async (page) => {
      await as(page, 'maria');
      await page.locator('#shortcuts-button').click();
      await page
        .locator('#shortcut-menu')
        .getByRole('menuitem', { name: /Flow control/ })
        .click();
      const modal = page.locator('#view-modal');
      const picker = modal.locator('input[data-kind="external_select"]');
      await picker.waitFor(WAIT);
      await picker.fill('pay');
      await modal.locator('.sk-suggestion', { hasText: 'payments-us' }).first().click();
      await modal.locator('select[data-action-id="flow_action"]').selectOption('pause');
      await modal.locator('[data-block-id="flow_for"] input').waitFor(WAIT);
      await modal.locator('[data-block-id="flow_reason"] input').fill('deploy window');
      await modal.locator('[data-block-id="flow_for"] input').fill('15m');
      await shoot(page, 'modal');
    },
  },
];

/** `npm run screenshots` takes every picture; `npm run screenshots -- home modal` only those. */
async function main(): Promise<void> {
  if (!chromiumAvailable()) {
    process.stderr.write(`No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium\n`);
    process.exit(1);
  }
  const wanted = process.argv.slice(2);
  const known = STORIES.flatMap((story) => story.shots);
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`No such picture: ${unknown.join(', ')}. Pictures: ${known.join(', ')}\n`);
    process.exit(1);
  }
  mkdirSync(OUT, { recursive: true });
  const browser = await launchChromium({ viewport: VIEWPORT });
  try {
    for (const story of STORIES) {
      if (wanted.length > 0 && !story.shots.some((shot) => wanted.includes(shot))) continue;
      await withSandbox(browser, story.run);
    }
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
