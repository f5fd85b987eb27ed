/**
 * Open a local HTML file in headless Chromium (Debian's `chromium`, driven by playwright-core)
 * and record what the page did: console errors, page errors, every request it made. For the
 * tests of the HTML report; each call starts its own browser with a fresh temporary profile.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian (and `.ci/run`) installs Chromium. */
export const CHROMIUM_PATH = process.env.SANDBENCH_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the browser tests run: they skip only on a developer machine without Chromium; in CI
 * (`CI` set) a missing Chromium is a failure, never a skip.
 */
export function chromiumForTests(): { available: boolean; reason: string } {
  if (existsSync(CHROMIUM_PATH)) return { available: true, reason: '' };
  if (process.env.CI) throw new Error(`CI is set but Chromium is missing at ${CHROMIUM_PATH}: install it (apt-get install chromium)`);
  return { available: false, reason: `no Chromium at ${CHROMIUM_PATH}` };
}

/** Flags for a headless run that reaches nothing by itself (no background requests, no GPU). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--metrics-recording-only',
];

/** A page opened from a file, with what it did so far. */
export interface OpenedPage {
  browser: Browser;
  page: Page;
  /** The file's URL (`file:///…`). */
  url: string;
  /** Text of each console message of type `error`. */
  consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** URL of every request the page made, the file itself included. */
  requests: string[];
  /** Close the browser (and its temporary profile). */
  close(): Promise<void>;
}

/** Options of `openInChromium`. */
export interface OpenOptions {
  /** Viewport size; default 1400 × 900. */
  viewport?: { width: number; height: number };
  /** Run before any of the page's own scripts (e.g. to install a paint observer). */
  initScript?: string;
  /** Wait for the `load` event (default) or only for `domcontentloaded`. */
  waitUntil?: 'load' | 'domcontentloaded';
}

/** Launch headless Chromium with a fresh profile and open `file` in it. */
export async function openInChromium(file: string, options: OpenOptions = {}): Promise<OpenedPage> {
  // playwright's `launch` gives the browser a new temporary --user-data-dir and removes it on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const opened: OpenedPage = {
    browser,
    page: undefined as unknown as Page,
    url: pathToFileURL(file).href,
    consoleErrors: [],
    pageErrors: [],
    requests: [],
    close: () => browser.close(),
  };
  try {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    // At the context, so requests by workers or other frames are seen too.
    context.on('request', (request) => opened.requests.push(request.url()));
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') opened.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => opened.pageErrors.push(String(error)));
    if (options.initScript) await page.addInitScript(options.initScript);
    opened.page = page;
    await page.goto(opened.url, { waitUntil: options.waitUntil ?? 'load' });
    return opened;
  } catch (error) {
    await browser.close();
    throw error;
  }
}
