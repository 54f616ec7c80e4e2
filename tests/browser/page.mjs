// What the browser tests (setup.mjs, notice.mjs) share: Debian's headless Chromium through
// playwright-core with a context that accepts the device's own certificate, a watch on every
// page for what must not happen (script errors, CSP violations, requests anywhere but the
// device, failed answers), the checks, the screenshots, and the report at the end.
//
// A script calls launch(URL, SHOTS) once, watch() on each page it opens, and hands its main
// function to run(), which prints "FAIL: ..." with the browser's problems and exits 1 on the
// first check that does not hold.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export class Fail extends Error {}
export function check(cond, what) {
  if (!cond) throw new Fail(what);
}

// Console errors, page errors, CSP violations, foreign requests and failed answers, from
// every watched page; a script checks that it is empty at its end.
export const problems = [];
// The path of every request the watched pages made, in order.
export const sent = [];

let browser;
let origin;
let shotsDir;

// launch(URL, SHOTS): Chromium started, SHOTS made for the screenshots; the browser context,
// which trusts the device's certificate as the label's fingerprint shows.
export async function launch(url, shots) {
  origin = new URL(url).origin;
  shotsDir = shots;
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--disable-background-networking', '--disable-component-update', '--no-first-run',
      '--disable-sync', '--disable-gpu'],
  });
  return browser.newContext({
    ignoreHTTPSErrors: true, // the device's own certificate, as the label's fingerprint shows
    viewport: { width: 1000, height: 900 },
    serviceWorkers: 'block',
  });
}

// watch(page, { who, timeout, failFrom }): everything the page does is watched; returns it.
// who prefixes its problems (to tell two pages apart); failFrom is the lowest answer status
// that is a problem: 400 where the test expects no refusal at all, 500 where it provokes
// refusals (401, 429, 400, 409) and checks each one itself. Chromium logs every refused fetch
// as a console error: those are left to the status check. A missing favicon.ico is no problem.
export function watch(page, { who = '', timeout = 20000, failFrom = 400 } = {}) {
  const tag = who ? who + ' ' : '';
  page.setDefaultTimeout(timeout);
  page.on('console', (m) => {
    if (m.type() !== 'error' || /favicon\.ico/.test(m.location()?.url ?? '')) return;
    if (failFrom > 400 &&
        /^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      return;
    }
    problems.push(`${tag}console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${tag}script error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(origin + '/')) problems.push(`${tag}request elsewhere: ${r.url()}`);
    sent.push(new URL(r.url()).pathname);
  });
  page.on('response', (r) => {
    const s = r.status();
    if (s >= 500 || (s >= failFrom && !/favicon\.ico$/.test(r.url()))) {
      problems.push(`${tag}${s} from ${r.url()}`);
    }
  });
  return page;
}

// shot(page, NAME[, SELECTOR]): SHOTS/NAME.png of the whole page, or of the element only.
export async function shot(page, name, selector) {
  const path = join(shotsDir, name + '.png');
  if (selector) await page.locator(selector).screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
}

// The id of the setup page's step that shows (one section.step at a time).
export async function visibleStep(page) {
  return page.evaluate(() => {
    const s = [...document.querySelectorAll('section.step')].find((e) => !e.hidden);
    return s ? s.id : null;
  });
}

export async function expectStep(page, id) {
  await page.waitForSelector('#' + id, { state: 'visible' });
  const step = await visibleStep(page);
  check(step === id, `the page shows ${step}, expected ${id}`);
}

// Click and wait for the answer of the API path it triggers: the response.
export async function clickFor(page, selector, path) {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === path),
    page.click(selector),
  ]);
  return resp;
}

// The element's text as it reads, runs of white space (the HTML's line breaks) as one space.
export async function text(page, selector) {
  return ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ').trim();
}

// run(main): main, then the browser closed; on the first failure "FAIL: ..." with the
// browser's problems so far, and exit 1.
export async function run(main) {
  try {
    await main();
    await browser.close();
  } catch (e) {
    console.log('FAIL: ' + (e instanceof Fail ? e.message : e.stack));
    if (problems.length) console.log('  browser: ' + problems.join('\n  browser: '));
    if (browser) await browser.close().catch(() => {});
    process.exit(1);
  }
}
