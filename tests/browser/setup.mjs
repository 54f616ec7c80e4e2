// The setup page driven as a person would, in Debian's headless Chromium (playwright-core,
// no browser download): first-run setup with a wrong label password, the brute-force
// guard's wait, a mismatched, a common and the label's own password, the choices, the
// security check and the lock's page, then a reload (the session was in memory only) and a
// login with the owner's password. A screenshot of every step goes to SHOTS.
//
// With the mode "skip", a second device is set up the shortest way: the right label password,
// a good password, "Skip" on the choices (no request: the lock's defaults stand).
//
// usage: node setup.mjs URL LABEL_PASSWORD NEW_PASSWORD SHOTS_DIR [full|skip]
// Prints "ok: ..." lines; exits 1 with "FAIL: ..." on the first check that does not hold.
import { check, clickFor, expectStep, launch, problems, run, sent, shot, text, watch }
  from './page.mjs';

const [url, labelPassword, newPassword, shots, mode = 'full'] = process.argv.slice(2);
if (!url || !labelPassword || !newPassword || !shots || !['full', 'skip'].includes(mode)) {
  console.error('usage: node setup.mjs URL LABEL_PASSWORD NEW_PASSWORD SHOTS_DIR [full|skip]');
  process.exit(2);
}

// Wait until the element's data-KEY is value (the page sets it with each message).
async function until(page, selector, key, value) {
  await page.waitForFunction(([sel, k, v]) => document.querySelector(sel)?.dataset[k] === v,
    [selector, key, value]);
}

async function dataset(page, selector, key) {
  return page.$eval(selector, (e, k) => e.dataset[k] ?? null, key);
}

async function welcome(page) {
  await page.goto(url);
  await expectStep(page, 'step-welcome');
  const support = await text(page, '#welcome-support');
  check(/^Security updates until \d{1,2} [A-Z][a-z]+ \d{4}$/.test(support),
    `the support period reads "${support}"`);
  const model = await text(page, '#welcome-model');
  check(model.length > 0, 'no model designation on the welcome step');
  check(await page.$eval('#progress li[aria-current="step"]', (e) => e.dataset.step) === 'welcome',
    'the progress list does not mark the welcome step');
  await shot(page, '01-welcome');
  console.log(`ok: welcome shows the model (${model}) and "${support}"`);
  await page.click('#welcome-start');
  await expectStep(page, 'step-label');
  check(await page.evaluate(() => document.activeElement?.id) === 'h-label',
    'focus did not move to the new step\'s heading');
}

// A wrong label password is refused and the page stays; repeated, the lock makes the page
// wait (429, Retry-After) and the page counts it down (5.1-5).
async function wrongLabel(page) {
  await page.fill('#label-password', 'abc');
  await page.click('#label-submit');
  check((await text(page, '#label-error')).includes('16 letters and digits'),
    'a too short label password is not explained');

  const wrong = 'AAAA-AAAA-AAAA-AAAA';
  let resp;
  let failures = 0;
  for (;;) {
    await page.fill('#label-password', wrong);
    resp = await clickFor(page, '#label-submit', '/api/v1/login');
    if (resp.status() !== 401) break;
    failures += 1;
    if (failures === 1) {
      await page.waitForFunction(() => document.querySelector('#label-error').dataset.reason);
      await expectStep(page, 'step-label');
      check(await dataset(page, '#label-error', 'reason') === 'wrong',
        'no error for a wrong label password');
      check((await text(page, '#label-error')).includes('not the password on this lock'),
        `the error reads "${await text(page, '#label-error')}"`);
      check(await page.getAttribute('#label-password', 'aria-invalid') === 'true',
        'the field is not marked invalid');
      await shot(page, '02-label-wrong');
      console.log('ok: a wrong label password is refused with a clear error; the page stays');
    }
    // The guard waits from the 6th failure on and locks out for 300 s at the 10th: stop
    // well before that.
    check(failures < 9, `${failures} wrong label passwords and the lock never made the page wait`);
  }
  check(resp.status() === 429, `wrong label password: answer ${resp.status()}`);
  const wait = Number(resp.headers()['retry-after']);
  check(wait > 0, 'a 429 without Retry-After');
  await until(page, '#label-error', 'reason', 'wait');
  const msg = await text(page, '#label-error');
  check(/accepts the next try in \d+ seconds?/.test(msg), `the wait reads "${msg}"`);
  check(await page.isDisabled('#label-submit'), 'the button stays usable during the wait');
  await shot(page, '03-label-wait');
  console.log(`ok: after ${failures} wrong tries the page says to wait (Retry-After ${wait} s)`);
  await page.waitForFunction(
    () => document.querySelector('#label-error').dataset.reason === 'wait-over', null,
    { timeout: (wait + 10) * 1000 });
  check(!(await page.isDisabled('#label-submit')), 'the button stays disabled after the wait');
}

// The label password as a person may type it: small letters, spaces for the dashes.
async function rightLabel(page) {
  const typed = labelPassword.toLowerCase().replace(/-/g, ' ');
  await page.fill('#label-password', typed);
  const resp = await clickFor(page, '#label-submit', '/api/v1/login');
  check(resp.status() === 200, `the label password as "${typed}": answer ${resp.status()}`);
  await expectStep(page, 'step-password');
  const stored = await page.evaluate(() => ({
    local: localStorage.length, session: sessionStorage.length, cookie: document.cookie,
  }));
  check(stored.local === 0 && stored.session === 0 && stored.cookie === '',
    `the session is stored in the browser: ${JSON.stringify(stored)}`);
  await shot(page, '04-password');
  console.log('ok: the label password typed in small letters with spaces is accepted; ' +
    'nothing is kept in browser storage');
}

async function choosePassword(page) {
  await page.fill('#new-password', 'one good password');
  await page.fill('#confirm-password', 'another password');
  await page.click('#password-submit');
  check(await dataset(page, '#password-error', 'reason') === 'mismatch',
    'two different passwords are not caught');

  for (const [weak, reason, words] of [
    ['Password123', 'common password', 'Many people use this password'],
    [labelPassword.toLowerCase(), 'label password', 'This is the password from the label'],
  ]) {
    await page.fill('#new-password', weak);
    await page.fill('#confirm-password', weak);
    const resp = await clickFor(page, '#password-submit', '/api/v1/password');
    check(resp.status() === 400, `weak password ${weak}: answer ${resp.status()}`);
    const body = await resp.json();
    check(body.reason === reason, `the device's reason for ${weak}: ${JSON.stringify(body)}`);
    await until(page, '#password-error', 'reason', reason);
    check((await text(page, '#password-error')).includes(words),
      `the page's words for "${reason}": "${await text(page, '#password-error')}"`);
    await expectStep(page, 'step-password');
    if (reason === 'common password') await shot(page, '05-password-weak');
    console.log(`ok: a weak password is refused with the device's reason "${reason}"`);
  }

  await page.fill('#new-password', newPassword);
  await page.fill('#confirm-password', newPassword);
  check((await text(page, '#new-password-count')).includes('long enough'),
    'the length hint does not follow the password');
  const resp = await clickFor(page, '#password-submit', '/api/v1/password');
  check(resp.status() === 204, `the owner's password: answer ${resp.status()}`);
  await expectStep(page, 'step-choices');
  console.log('ok: the owner\'s password is set and the page logged in with it');
}

async function choices(page) {
  check(await page.isChecked('#choice-updates'), 'automatic updates are not on by default');
  check(!(await page.isChecked('#choice-processing')), 'optional processing is on by default');
  await shot(page, '06-choices');
  await page.check('#choice-processing');
  const resp = await clickFor(page, '#choices-save', '/api/v1/setup');
  check(resp.status() === 204, `POST /api/v1/setup: answer ${resp.status()}`);
  check(JSON.parse(resp.request().postData()).data_processing === true,
    'the choice did not reach the device');
  await expectStep(page, 'step-done');
  check(await text(page, '#done-processing') === 'On', 'the summary does not show the choice');
  check(await text(page, '#done-updates') === 'On', 'the summary does not show automatic updates');
  await shot(page, '07-done');
  console.log('ok: updates on and processing off by default; the choices are saved');
}

const CHECK_IDS = ['owner_password', 'software_integrity', 'automatic_updates', 'update_check',
  'root_of_trust', 'support_period', 'cloud_link', 'data_processing'];

async function statePage(page) {
  await page.click('#done-continue');
  await expectStep(page, 'step-state');
  await page.waitForFunction((n) => document.querySelectorAll('#security-list li').length === n,
    CHECK_IDS.length);
  const checks = await page.$$eval('#security-list li', (lis) => lis.map((li) => ({
    id: li.dataset.check, ok: li.dataset.ok, text: li.textContent,
    todo: li.querySelector('.todo')?.textContent ?? null,
  })));
  check(JSON.stringify(checks.map((c) => c.id)) === JSON.stringify(CHECK_IDS),
    `the checks listed: ${checks.map((c) => c.id).join(', ')}`);
  const get = (id) => checks.find((c) => c.id === id);
  check(get('owner_password').ok === 'true', 'the owner\'s password is not shown as in order');
  check(get('data_processing').ok === 'true' && get('data_processing').text.includes('allowed'),
    'the state page does not show processing on');
  for (const c of checks) {
    const info = c.id === 'cloud_link' || c.id === 'data_processing';
    if (!info && c.ok === 'false') check(c.todo && c.todo.startsWith('What to do:'),
      `check ${c.id} is not in order and says nothing to do`);
  }
  check((await text(page, '#security-summary')).length > 0, 'no summary of the security check');
  check((await text(page, '#about-support')).startsWith('Security updates until'),
    'no support period on the lock\'s page');
  await page.waitForSelector('#lock-state:not(:empty)');
  await page.waitForSelector('#update-body:not(:empty)');
  await shot(page, '08-state');
  const bad = checks.filter((c) => c.ok === 'false' && c.id !== 'cloud_link' &&
    c.id !== 'data_processing').map((c) => c.id);
  console.log(`ok: the security check lists ${checks.length} checks, what to do for each ` +
    `one not in order (${bad.join(', ') || 'none'})`);

  // The choice can be changed at any time.
  check(await page.isChecked('#mychoice-processing'), 'the lock\'s page shows processing off');
  await page.uncheck('#mychoice-processing');
  let resp = await clickFor(page, '#mychoices-save', '/api/v1/setup');
  check(resp.status() === 204, `changing the choice: answer ${resp.status()}`);
  await page.waitForFunction(() => document.querySelector(
    '#security-list li[data-check="data_processing"]')?.dataset.ok === 'false');
  console.log('ok: optional processing turned off again from the lock\'s page');

  // The bolt.
  resp = await clickFor(page, '#lock-unlock', '/api/v1/lock');
  check(resp.status() === 200 && (await resp.json()).locked === false, 'unlock did not unlock');
  await until(page, '#lock-state', 'locked', 'false');
  resp = await clickFor(page, '#lock-lock', '/api/v1/lock');
  check(resp.status() === 200 && (await resp.json()).locked === true, 'lock did not lock');
  await until(page, '#lock-state', 'locked', 'true');
  await page.waitForFunction(() => [...document.querySelectorAll('#log-body tr')]
    .some((tr) => tr.dataset.event === 'unlocked' && tr.textContent.includes('This page')));
  console.log('ok: unlock and lock from the page; the access log shows both');

  // PIN codes: a weak one refused with the device's reason, one added, a duplicate refused.
  await page.fill('#pin-name', 'Anna');
  await page.fill('#pin-code', '123456');
  resp = await clickFor(page, '#pin-add', '/api/v1/pins');
  check(resp.status() === 400, `PIN 123456: answer ${resp.status()}`);
  await until(page, '#pin-error', 'reason', 'sequence');
  await page.fill('#pin-code', '480913');
  resp = await clickFor(page, '#pin-add', '/api/v1/pins');
  check(resp.status() === 201, `PIN 480913: answer ${resp.status()}`);
  await page.waitForSelector('#pin-list li:has-text("Anna")');
  await page.fill('#pin-name', 'Anna');
  await page.fill('#pin-code', '582047');
  resp = await clickFor(page, '#pin-add', '/api/v1/pins');
  check(resp.status() === 409, `a second PIN named Anna: answer ${resp.status()}`);
  await until(page, '#pin-error', 'reason', 'in use');
  await page.fill('#pin-name', '');
  await page.fill('#pin-code', '');
  await page.waitForFunction(() => [...document.querySelectorAll('#log-body tr')]
    .some((tr) => tr.dataset.event === 'pin_added'));
  await shot(page, '09-pins');
  resp = await clickFor(page, '#pin-list button', '/api/v1/pins/remove');
  check(resp.status() === 204, `removing Anna's PIN: answer ${resp.status()}`);
  await page.waitForFunction(() => document.querySelectorAll('#pin-list li').length === 0);
  console.log('ok: PIN codes: a run refused with its reason, one added and listed, a duplicate ' +
    'refused, removed');
}

// Reloading forgets the session (memory only): the page asks for the owner's password.
async function again(page) {
  await page.reload();
  await expectStep(page, 'step-login');
  await page.fill('#login-password', labelPassword);
  let resp = await clickFor(page, '#login-submit', '/api/v1/login');
  check(resp.status() === 401, `the label password after setup: answer ${resp.status()}`);
  await until(page, '#login-error', 'reason', 'wrong');
  await shot(page, '10-login');
  console.log('ok: after a reload the page asks for a login; the label password is refused');
  await page.fill('#login-password', newPassword);
  resp = await clickFor(page, '#login-submit', '/api/v1/login');
  check(resp.status() === 200, `the owner's password: answer ${resp.status()}`);
  await expectStep(page, 'step-state');
  await page.waitForFunction(() => document.querySelectorAll('#security-list li').length > 0);
  await page.waitForSelector('#lock-state:not(:empty)');
  await shot(page, '11-state-again');
  await clickFor(page, '#logout', '/api/v1/logout');
  await expectStep(page, 'step-login');
  console.log('ok: the owner logs in with their password and out again');
}

// The shortest setup: nothing chosen, nothing sent for the choices; the defaults stand.
// Meanwhile a second page waits at the label step, as a second person would: once setup is
// done there, the label password is refused and that page says the lock is already set up.
async function skip(page, sent, other) {
  await other.goto(url);
  await expectStep(other, 'step-welcome');
  await other.click('#welcome-start');
  await expectStep(other, 'step-label');
  await page.goto(url);
  await expectStep(page, 'step-welcome');
  await page.click('#welcome-start');
  let resp;
  if (labelPassword.startsWith('keel:setup?')) {
    // The text of the label's QR code (setup.sh decoded it): another lock's is refused on the
    // page, before anything is sent; this lock's logs in.
    const foreign = labelPassword.replace(/serial=[^&]*/, 'serial=KL000000000000');
    await page.fill('#label-password', foreign);
    await page.click('#label-submit');
    await page.waitForFunction(() => document.querySelector('#label-error')?.textContent
      .includes('belongs to another lock'));
    check(!sent.some((p) => p === '/api/v1/login'), 'another lock\'s QR code was sent to the lock');
    console.log('ok: the QR code of another lock is refused on the page, nothing sent');
  }
  await page.fill('#label-password', labelPassword);
  resp = await clickFor(page, '#label-submit', '/api/v1/login');
  check(resp.status() === 200, `the label password: answer ${resp.status()}`);
  await page.fill('#new-password', newPassword);
  await page.fill('#confirm-password', newPassword);
  resp = await clickFor(page, '#password-submit', '/api/v1/password');
  check(resp.status() === 204, `the owner's password: answer ${resp.status()}`);
  await expectStep(page, 'step-choices');
  await page.click('#choices-skip');
  await expectStep(page, 'step-done');
  check((await text(page, '#done-updates')).startsWith('On'), 'skipping turned updates off');
  check((await text(page, '#done-processing')).startsWith('Off'), 'skipping turned processing on');
  await shot(page, '12-skip-done');
  await page.click('#done-continue');
  await expectStep(page, 'step-state');
  await page.waitForFunction(() => document.querySelector(
    '#security-list li[data-check="data_processing"]')?.dataset.ok === 'false');
  check(await page.$eval('#security-list li[data-check="owner_password"]',
    (li) => li.dataset.ok) === 'true', 'the owner\'s password is not in order after skipping');
  check(!sent.some((p) => p === '/api/v1/setup'), 'skipping sent the choices');
  console.log('ok: "Skip" sends nothing; the lock\'s defaults stand (updates on, processing off)');

  await other.fill('#label-password', labelPassword);
  resp = await clickFor(other, '#label-submit', '/api/v1/login');
  check(resp.status() === 401, `the label password on the second page: answer ${resp.status()}`);
  await expectStep(other, 'step-login');
  check((await text(other, '#login-reason')).includes('already been set up'),
    `the second page says "${await text(other, '#login-reason')}"`);
  await shot(other, '13-already-set-up');
  console.log('ok: a second page still at the label step learns that the lock is already set up');
}

async function main() {
  const context = await launch(url, shots);
  // Everything a page of the device does is watched: script errors, CSP violations, requests
  // anywhere but the device, server errors. The 4xx answers are the checks' own business.
  const page = watch(await context.newPage(), { who: 'page:', timeout: 30000, failFrom: 500 });

  if (mode === 'skip') {
    const other = watch(await context.newPage(),
      { who: 'second page:', timeout: 30000, failFrom: 500 });
    await skip(page, sent, other);
  } else {
    await welcome(page);
    await wrongLabel(page);
    await rightLabel(page);
    await choosePassword(page);
    await choices(page);
    await statePage(page);
    await again(page);
  }

  // The page's own headers, as the device sent them.
  const resp = await page.goto(url);
  const csp = resp.headers()['content-security-policy'] ?? '';
  check(csp.includes("default-src 'self'"), `the page is served with CSP "${csp}"`);
  check(problems.length === 0, `problems in the browser:\n  ${problems.join('\n  ')}`);
  console.log('ok: no script error, no CSP violation, no request off the device');
}

await run(main);
