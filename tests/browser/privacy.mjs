// The owner's privacy on the setup page, in Debian's headless Chromium (playwright-core, no
// browser download); tests/browser/privacy.sh provisions the lock, runs keeld with a broker
// and restarts keeld when it exits for the factory reset.
//
// A new lock is set up through the page: the choices step shows the lock's privacy notice,
// made at run time from its data inventory (GET /api/v1/privacy), next to the optional
// processing, which is off (6-1, 6-2). On the lock's page, under Privacy: consent is granted
// then withdrawn, and the page lists the refusal made during setup and both changes (6-3A,
// 6-3B); "Download my data" saves a file that parses and holds a PIN name added before (the
// owner's export); "Ask the maker's service to delete my data" shows "pending", the service
// confirms (CONFIRM_SCRIPT, the test's stand-in for the service), and the page shows the
// confirmation (5.11-2, 5.11-4); the factory reset refuses a missing confirmation and a wrong
// password, then erases, says what it erased, and once keeld is back the page shows the first
// setup page, where the label password works again (5.11-1). A screenshot of every step goes
// to SHOTS.
//
// usage: node privacy.mjs URL LABEL_PASSWORD NEW_PASSWORD SHOTS_DIR INVENTORY CONFIRM_SCRIPT
//        EXPORT_OUT
// Prints "ok: ..." lines; exits 1 with "FAIL: ..." on the first check that does not hold.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { check, clickFor, expectStep, launch, problems, run, sent, shot, text, watch }
  from './page.mjs';

const [url, labelPassword, owner, shots, inventoryFile, confirmScript, exportOut] =
  process.argv.slice(2);
if (!url || !labelPassword || !owner || !shots || !inventoryFile || !confirmScript ||
    !exportOut) {
  console.error('usage: node privacy.mjs URL LABEL_PASSWORD NEW_PASSWORD SHOTS_DIR INVENTORY ' +
    'CONFIRM_SCRIPT EXPORT_OUT');
  process.exit(2);
}
const inventory = JSON.parse(readFileSync(inventoryFile, 'utf8'));
const PIN_NAME = 'Ilse Canary';
const CONSENT = '#consent-access_log_sync';

// The rows of the consent records table: [granted, via].
async function records(page) {
  return page.$$eval('#consent-records tr', (rows) => rows.map((r) => [r.dataset.granted,
    r.dataset.via]));
}

// Click and wait for the answer to the POST it sends to path (a GET of the same path, such as
// the page's own look at a pending deletion, is not it).
async function clickPost(page, selector, path) {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' &&
      new URL(r.url()).pathname === path),
    page.click(selector),
  ]);
  return resp;
}

async function untilRecords(page, n) {
  await page.waitForFunction((k) => document.querySelectorAll('#consent-records tr').length === k,
    n);
}

// A new lock set up to the choices step: label password, the owner's own password.
async function setUp(page) {
  await page.goto(url);
  await expectStep(page, 'step-welcome');
  await page.click('#welcome-start');
  await expectStep(page, 'step-label');
  await page.fill('#label-password', labelPassword);
  let resp = await clickFor(page, '#label-submit', '/api/v1/login');
  check(resp.status() === 200, `the label password: answer ${resp.status()}`);
  await expectStep(page, 'step-password');
  await page.fill('#new-password', owner);
  await page.fill('#confirm-password', owner);
  resp = await clickFor(page, '#password-submit', '/api/v1/password');
  check(resp.status() === 204, `the owner's password: answer ${resp.status()}`);
  await expectStep(page, 'step-choices');
}

// The notice next to the optional processing is the lock's inventory, in words.
async function notice(page) {
  await page.waitForSelector('#choices-notice[data-loaded="true"]');
  check(await text(page, '#choices-notice > p') === inventory.summary.replace(/\s+/g, ' '),
    `the notice's summary reads "${await text(page, '#choices-notice > p')}"`);
  const shown = await page.$$eval('#choices-notice dt', (dts) => dts.map((d) =>
    [d.dataset.datum, d.textContent]));
  const want = inventory.data.map((d) => [d.id, d.name]);
  check(JSON.stringify(shown) === JSON.stringify(want),
    `the notice lists ${JSON.stringify(shown)}, the inventory ${JSON.stringify(want)}`);
  await page.click('#choices-notice summary');
  const log = inventory.data.find((d) => d.id === 'access_log');
  const dd = await page.$eval('#choices-notice dt[data-datum="access_log"] + dd',
    (e) => e.textContent.replace(/\s+/g, ' '));
  check(dd.includes(log.retention) && dd.includes(log.purpose),
    `the access log's entry reads "${dd}"`);
  const consent = inventory.consent.find((c) => c.purpose === 'access_log_sync');
  check((await text(page, '#choice-processing-label')).startsWith(consent.title),
    `the optional processing is labelled "${await text(page, '#choice-processing-label')}"`);
  check(await text(page, '#choice-processing-help') === consent.description,
    'the optional processing is not explained with the inventory\'s words');
  check(!(await page.isChecked('#choice-processing')), 'the optional processing is on by default');
  for (const s of inventory.sensing) {
    check((await text(page, '#choices-notice')).includes(s.capability + ': ' + s.what),
      `the notice does not say what the ${s.capability} senses`);
  }
  await shot(page, '01-notice');
  console.log(`ok: the choices step shows the lock's privacy notice (${shown.length} data, ` +
    'their retention and purpose, the sensors) next to the optional processing, which is off');

  const resp = await clickFor(page, '#choices-save', '/api/v1/setup');
  check(resp.status() === 204, `POST /api/v1/setup: answer ${resp.status()}`);
  check(JSON.parse(resp.request().postData()).data_processing === false,
    'setup sent the optional processing as chosen');
  await expectStep(page, 'step-done');
  await page.click('#done-continue');
  await expectStep(page, 'step-state');
}

// Consent under Privacy: the refusal from setup, then granted and withdrawn on the page.
async function consent(page) {
  await page.waitForSelector(CONSENT);
  await untilRecords(page, 1);
  check(!(await page.isChecked(CONSENT)), 'the consent switch is on after a refusal');
  check(JSON.stringify(await records(page)) === '[["false","setup"]]',
    `the records after setup: ${JSON.stringify(await records(page))}`);
  await page.waitForSelector('#privacy-notice[data-loaded="true"]');

  // A PIN code, whose name the export must hold.
  await page.fill('#pin-name', PIN_NAME);
  await page.fill('#pin-code', '582047');
  let resp = await clickFor(page, '#pin-add', '/api/v1/pins');
  check(resp.status() === 201, `adding ${PIN_NAME}'s PIN: answer ${resp.status()}`);
  await page.waitForSelector(`#pin-list li:has-text("${PIN_NAME}")`);

  resp = await clickPost(page, CONSENT, '/api/v1/privacy/consent');
  check(resp.status() === 200, `granting consent: answer ${resp.status()}`);
  check(JSON.stringify(JSON.parse(resp.request().postData())) ===
    '{"purpose":"access_log_sync","granted":true}', 'the page did not send the grant');
  await untilRecords(page, 2);
  check(await page.isChecked(CONSENT), 'the switch is off after granting');
  check(await page.$eval(`${CONSENT}-help .state`, (e) => e.dataset.granted) === 'true',
    'the switch does not say "On"');
  await page.waitForFunction(() => document.querySelector(
    '#security-list li[data-check="data_processing"]')?.dataset.ok === 'true');
  await shot(page, '02-consent-granted', '#privacy');

  resp = await clickPost(page, CONSENT, '/api/v1/privacy/consent');
  check(resp.status() === 200, `withdrawing consent: answer ${resp.status()}`);
  check(JSON.parse(resp.request().postData()).granted === false, 'the page did not withdraw');
  await untilRecords(page, 3);
  check(!(await page.isChecked(CONSENT)), 'the switch is on after withdrawing');
  const rows = JSON.stringify(await records(page));
  check(rows === '[["false","setup"],["true","api"],["false","api"]]',
    `the records after grant and withdrawal: ${rows}`);
  check((await text(page, '#consent-status')).startsWith('Withdrawn. The lock stopped at once'),
    `after withdrawing the page says "${await text(page, '#consent-status')}"`);
  await page.waitForFunction(() => document.querySelector(
    '#security-list li[data-check="data_processing"]')?.dataset.ok === 'false');
  await shot(page, '03-consent-records', '#privacy');
  console.log('ok: consent granted, then withdrawn, on the page; the records list the refusal ' +
    'during setup and both changes');
}

// "Download my data": a file that parses, with the PIN's name and the consent records.
async function download(page) {
  const [file] = await Promise.all([page.waitForEvent('download'),
    page.click('#export-download')]);
  check(file.suggestedFilename() === 'keel-export.json',
    `the download is named ${file.suggestedFilename()}`);
  await file.saveAs(exportOut);
  const doc = JSON.parse(readFileSync(exportOut, 'utf8'));
  check(doc.format === 'keel-export-1', `the export's format: ${doc.format}`);
  check(Array.isArray(doc.pins) && doc.pins.some((p) => p.name === PIN_NAME),
    `the export's PINs: ${JSON.stringify(doc.pins)}`);
  check(!JSON.stringify(doc).includes('582047'), 'the export holds the PIN code');
  check(Array.isArray(doc.consent_records) && doc.consent_records.length === 3,
    `the export's consent records: ${JSON.stringify(doc.consent_records)}`);
  check(Array.isArray(doc.access_log) && doc.access_log.some((e) => e.event === 'pin_added'),
    'the export\'s access log has no pin_added');
  check(doc.device && doc.device.serial === await text(page, '#about-serial'),
    `the export's device: ${JSON.stringify(doc.device)}`);
  await page.waitForSelector('#export-status[data-file="keel-export.json"]');
  await shot(page, '04-export', '#privacy');
  console.log(`ok: "Download my data" saves keel-export.json: it parses and holds ${PIN_NAME}, ` +
    `${doc.access_log.length} access-log entries and the 3 consent records, never the PIN code`);
}

// Deletion at the maker's service: pending, the same request again, then confirmed.
async function cloudDelete(page) {
  await page.waitForSelector('#cloud-delete-state[data-state="none"]');
  let resp = await clickPost(page, '#cloud-delete', '/api/v1/privacy/cloud-delete');
  check(resp.status() === 202, `asking for deletion: answer ${resp.status()}`);
  const request = (await resp.json()).request;
  check(/^[0-9a-f]{32}$/.test(request), `the request's id: ${request}`);
  await page.waitForSelector('#cloud-delete-state[data-state="pending"]');
  check((await text(page, '#cloud-delete-state')).startsWith('Pending: you asked on'),
    `pending reads "${await text(page, '#cloud-delete-state')}"`);
  await shot(page, '05-cloud-pending', '#privacy');
  resp = await clickPost(page, '#cloud-delete', '/api/v1/privacy/cloud-delete');
  check(resp.status() === 202 && (await resp.json()).request === request,
    'asking again while pending made another request');
  console.log(`ok: the deletion request ${request.slice(0, 8)}... shows "pending"; asking again ` +
    'sends the same request');

  // The service confirms over MQTT; the page shows it once it looks again.
  execFileSync(confirmScript, [request, '7'], { stdio: 'inherit' });
  for (let i = 0; i < 20; i += 1) {
    if (await page.$('#cloud-delete-state[data-state="confirmed"]')) break;
    await clickFor(page, '#privacy-refresh', '/api/v1/privacy/cloud-delete');
    await page.waitForTimeout(500);
  }
  await page.waitForSelector('#cloud-delete-state[data-state="confirmed"]', { timeout: 1000 });
  const confirmed = await text(page, '#cloud-delete-state');
  check(confirmed.startsWith('Confirmed: on') && confirmed.includes('(7 items)'),
    `confirmed reads "${confirmed}"`);
  await shot(page, '06-cloud-confirmed', '#privacy');
  console.log('ok: the service\'s confirmation is shown: "' + confirmed.slice(0, 60) + '..."');
}

// The factory reset: refused without the typed confirmation and with a wrong password, then
// done; the page says what was erased and comes back to the first setup page.
async function reset(page) {
  await page.click('#reset-open');
  await page.waitForSelector('#reset-form', { state: 'visible' });
  const erasable = inventory.data.filter((d) => d.erased_at_reset).map((d) => d.name);
  const listed = await page.$$eval('#reset-erases li', (lis) => lis.map((l) => l.textContent));
  check(JSON.stringify(listed) === JSON.stringify(erasable),
    `the reset form says it erases ${JSON.stringify(listed)}`);

  const before = sent.filter((p) => p === '/api/v1/reset').length;
  await page.fill('#reset-password', owner);
  await page.fill('#reset-confirm', 'yes');
  await page.click('#reset-submit');
  await page.waitForFunction(() => document.querySelector('#reset-error').dataset.reason ===
    'confirm');
  check(sent.filter((p) => p === '/api/v1/reset').length === before,
    'the reset was sent without the typed confirmation');

  await page.fill('#reset-password', 'not the owner password');
  await page.fill('#reset-confirm', 'erase');
  let resp = await clickFor(page, '#reset-submit', '/api/v1/reset');
  check(resp.status() === 401, `a wrong password: answer ${resp.status()}`);
  await page.waitForFunction(() => document.querySelector('#reset-error').dataset.reason ===
    'wrong');
  check((await text(page, '#reset-error')).includes('Nothing was erased'),
    `a wrong password reads "${await text(page, '#reset-error')}"`);
  await expectStep(page, 'step-state');
  await shot(page, '07-reset-refused', '#privacy');
  console.log('ok: the reset is refused without typing "erase" (nothing sent) and with a wrong ' +
    'password; the page says nothing was erased');

  // keeld stops after its answer and restarts (privacy.sh): what the browser sees meanwhile
  // (refused connections, 503 while it stops) is expected, not a problem.
  const quiet = problems.length;
  await page.fill('#reset-password', owner);
  await page.fill('#reset-confirm', 'erase');
  resp = await clickFor(page, '#reset-submit', '/api/v1/reset');
  check(resp.status() === 200, `the reset: answer ${resp.status()}`);
  const body = await resp.json();
  check(body.reset === 'done' && Array.isArray(body.erased) && body.erased.length > 0,
    `the reset's answer: ${JSON.stringify(body)}`);
  await expectStep(page, 'step-erased');
  const items = await page.$$eval('#erased-list li', (lis) => lis.map((l) => l.textContent));
  check(items.length === body.erased.length && items.every((t) => t.length > 0 && !t.includes('_')),
    `the page says it erased ${JSON.stringify(items)} for ${JSON.stringify(body.erased)}`);
  check((await text(page, '#erased-status')).startsWith('The lock is restarting'),
    'the page does not say the lock restarts');
  await shot(page, '08-erased');
  console.log(`ok: the reset erased ${body.erased.length} kinds of data and the page says each ` +
    `in words (${items.slice(0, 3).join(', ')}, ...)`);

  await page.waitForSelector('#step-welcome', { state: 'visible', timeout: 60000 });
  await expectStep(page, 'step-welcome');
  const restart = problems.splice(quiet);
  const unexpected = restart.filter((p) => !/ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|ERR_CONNECTION_CLOSED|^page: 503 from .*\/api\/v1\/device$/.test(p));
  check(unexpected.length === 0, `while the lock restarted:\n  ${unexpected.join('\n  ')}`);
  await shot(page, '09-factory-again');
  await page.click('#welcome-start');
  await page.fill('#label-password', labelPassword);
  resp = await clickFor(page, '#label-submit', '/api/v1/login');
  check(resp.status() === 200, `the label password after the reset: answer ${resp.status()}`);
  await expectStep(page, 'step-password');
  console.log('ok: after the restart the page shows the first setup page; the label password ' +
    'works again');
}

async function main() {
  const context = await launch(url, shots);
  // 401 and 409 answers are provoked and checked where they happen.
  const page = watch(await context.newPage(), { who: 'page:', timeout: 20000, failFrom: 500 });
  await setUp(page);
  await notice(page);
  await consent(page);
  await download(page);
  await cloudDelete(page);
  await reset(page);
  const resp = await page.goto(url);
  const csp = resp.headers()['content-security-policy'] ?? '';
  check(csp.includes("default-src 'self'"), `the page is served with CSP "${csp}"`);
  check(problems.length === 0, `problems in the browser:\n  ${problems.join('\n  ')}`);
  console.log('ok: no script error, no CSP violation, no request off the device');
}

await run(main);
