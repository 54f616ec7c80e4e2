// The owner's update notice on the lock's page, in Debian's headless Chromium (playwright-core,
// no browser download). The lock is set up with automatic installs off and an update waits
// (tests/browser/notice.sh). The owner logs in; the page must show the waiting update: its
// version, what it fixes, the risks it closes (5.3-11) and, in plain words, that the lock
// cannot be used while it installs and for how long (5.3-12), with the way to install it.
// Then the owner turns automatic installs on and postpones them (5.3-4B, 5.3-6), and
// asks for the install now while the update service cannot be reached (notice.sh stopped it).
// A screenshot of every step goes to SHOTS.
//
// usage: node notice.mjs URL PASSWORD SHOTS_DIR VERSION FIXES RISKS INTERRUPTION_SECONDS
// Prints "ok: ..." lines; exits 1 with "FAIL: ..." on the first check that does not hold.
import { check, clickFor, expectStep, launch, problems, run, shot, text, watch }
  from './page.mjs';

const [url, password, shots, version, fixes, risks, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
if (!url || !password || !shots || !version || !fixes || !risks || !(seconds > 0)) {
  console.error('usage: node notice.mjs URL PASSWORD SHOTS_DIR VERSION FIXES RISKS SECONDS');
  process.exit(2);
}

// The update card as a person reads it: the state line, the hints, the notice's facts.
async function updateCard(page) {
  return page.evaluate(() => {
    const body = document.querySelector('#update-body');
    const notice = body.querySelector('.update-notice');
    const facts = {};
    if (notice) {
      for (const dt of notice.querySelectorAll('dt')) {
        facts[dt.textContent] = dt.nextElementSibling?.textContent ?? null;
      }
    }
    const state = body.querySelector('.update-state');
    return {
      state: state?.dataset.state ?? null,
      stateText: state?.textContent ?? null,
      hints: [...body.querySelectorAll('.hint')].map((p) => p.textContent),
      heading: notice?.querySelector('h3')?.textContent ?? null,
      facts,
      elements: [...body.querySelectorAll('*')].map((e) => e.localName),
      postpone: [...body.querySelectorAll('button[data-hours]')].map((b) => b.dataset.hours),
      resume: !!body.querySelector('#update-resume'),
      text: body.textContent,
    };
  });
}

function checkOf(page, id) {
  return page.$eval(`#security-list li[data-check="${id}"]`, (li) => ({
    ok: li.dataset.ok, todo: li.querySelector('.todo')?.textContent ?? null,
  }));
}

// The interruption as a person would say it (not the raw number of seconds).
function plain(s) {
  if (s < 90) return s + (s === 1 ? ' second' : ' seconds');
  const m = Math.round(s / 60);
  return m + (m === 1 ? ' minute' : ' minutes');
}

const WHEN = /\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d/;

async function login(page) {
  await page.goto(url);
  await expectStep(page, 'step-login');
  await shot(page, '01-login');
  await page.fill('#login-password', password);
  const resp = await clickFor(page, '#login-submit', '/api/v1/login');
  check(resp.status() === 200, `the owner's password: answer ${resp.status()}`);
  await expectStep(page, 'step-state');
  console.log('ok: the owner logs in on the lock\'s page');
}

async function notice(page) {
  await page.waitForSelector('#update-body .update-notice');
  await page.waitForFunction(() => document.querySelectorAll('#security-list li').length > 0);
  const card = await updateCard(page);
  check(card.state === 'available', `the update state shown: ${card.state}`);
  check(/update is available/i.test(card.stateText), `the state reads "${card.stateText}"`);
  check(card.heading === 'Version ' + version, `the notice's heading reads "${card.heading}"`);
  check(card.facts['What it fixes'] === fixes,
    `"What it fixes" reads "${card.facts['What it fixes']}"`);
  check(card.facts['Risks it closes'] === risks,
    `"Risks it closes" reads "${card.facts['Risks it closes']}"`);
  // The notice is the repository's text: shown as typed, never taken as markup.
  check(!card.elements.includes('faster'), 'the notice\'s text was parsed as HTML');
  const during = card.facts['While it installs'] ?? '';
  const words = 'cannot be used for about ' + plain(seconds);
  check(during.includes(words), `"While it installs" reads "${during}", expected "${words}"`);
  check(!during.includes(String(seconds)) || seconds < 90,
    `the interruption is given in raw seconds: "${during}"`);
  check(card.hints.some((h) => /^Last checked: /.test(h) && WHEN.test(h)),
    `no time of the last check among: ${card.hints.join(' | ')}`);
  check(card.hints.some((h) => h.startsWith('Automatic installation is off')),
    `the card does not say that automatic installation is off: ${card.hints.join(' | ')}`);
  check(await page.isVisible('#update-install'), 'no way to install the waiting update');
  check((await text(page, '#update-install')).includes('install now'),
    `the install button reads "${await text(page, '#update-install')}"`);
  check(!(await page.isChecked('#mychoice-updates')),
    'the choices show automatic installs on, the lock has them off');
  const auto = await checkOf(page, 'automatic_updates');
  check(auto.ok === 'false' && auto.todo?.startsWith('What to do:'),
    `the security check's automatic_updates: ${JSON.stringify(auto)}`);
  const last = await checkOf(page, 'update_check');
  check(last.ok === 'true', `the security check's update_check: ${JSON.stringify(last)}`);
  await shot(page, '02-notice');
  await shot(page, '03-notice-card', '#updates');
  console.log(`ok: the page shows ${version} waiting, what it fixes, the risks it closes ` +
    `(as typed, no markup) and "${words}"; automatic installation off, with a button to ` +
    'install now');
}

// The owner turns automatic installs on under "Your choices"; then postpones them by a day,
// changes their mind and postpones them by a week.
async function choices(page) {
  await page.check('#mychoice-updates');
  let resp = await clickFor(page, '#mychoices-save', '/api/v1/setup');
  check(resp.status() === 204, `saving the choices: answer ${resp.status()}`);
  check(JSON.parse(resp.request().postData()).auto_install === true,
    'the choice did not reach the device');
  await page.waitForFunction(() => document.querySelector(
    '#security-list li[data-check="automatic_updates"]')?.dataset.ok === 'true');
  await page.waitForFunction(() => [...document.querySelectorAll('#update-body .hint')]
    .some((p) => p.textContent === 'Updates are installed automatically.'));
  let card = await updateCard(page);
  check(card.heading === 'Version ' + version, 'the notice is gone after the choice');
  check((await text(page, '#mychoices-status')).includes('Automatic security updates: on'),
    `the choices' status reads "${await text(page, '#mychoices-status')}"`);
  check(card.postpone.length > 0,
    'the page offers no way to postpone automatic installs (5.3-6)');
  await shot(page, '04-auto-on');
  console.log(`ok: automatic installs turned on from the page; it offers to postpone them ` +
    `(${card.postpone.join(', ')} hours)`);

  resp = await clickFor(page, '#update-body button[data-hours="24"]', '/api/v1/update/settings');
  check(resp.status() === 200, `postponing by a day: answer ${resp.status()}`);
  check(JSON.stringify(JSON.parse(resp.request().postData())) === '{"postpone_hours":24}',
    `postponing sent ${resp.request().postData()}`);
  const sent = await resp.json();
  await page.waitForSelector('#update-resume');
  card = await updateCard(page);
  const hint = card.hints.find((h) => h.includes('postponed until')) ?? '';
  check(WHEN.test(hint), `the postponement reads "${hint}"`);
  const expected = await page.evaluate((t) => {
    const d = new Date(t * 1000);
    return String(d.getDate()) + ' ' + d.toLocaleString('en-GB', { month: 'long' }) + ' ' +
      d.getFullYear() + ', ' + String(d.getHours()).padStart(2, '0') + ':' +
      String(d.getMinutes()).padStart(2, '0');
  }, sent.postponed_until);
  check(hint.includes(expected), `the postponement reads "${hint}", the lock says ${expected}`);
  check(card.postpone.length === 0, 'the page offers to postpone again while postponed');
  check(card.heading === 'Version ' + version, 'the notice is gone after postponing');
  check(await page.evaluate(() => document.activeElement?.id) === 'update-resume',
    'focus is lost after postponing');
  await shot(page, '05-postponed');
  console.log(`ok: postponed by a day from the page: "${hint}", with a way to stop postponing`);

  // Changed mind: stop postponing, then postpone by a week instead.
  resp = await clickFor(page, '#update-resume', '/api/v1/update/settings');
  check(resp.status() === 200 && (await resp.json()).postponed_until === 0,
    `stop postponing: answer ${resp.status()}`);
  await page.waitForSelector('#update-body button[data-hours="168"]');
  card = await updateCard(page);
  check(!card.resume && !card.hints.some((h) => h.includes('postponed until')),
    'the page still shows a postponement after stopping it');
  check(await page.evaluate(() => document.activeElement?.dataset.hours) === '24',
    'focus is lost after stopping the postponement');
  resp = await clickFor(page, '#update-body button[data-hours="168"]', '/api/v1/update/settings');
  check(resp.status() === 200, `postponing by a week: answer ${resp.status()}`);
  await page.waitForSelector('#update-resume');
  console.log('ok: the postponement stopped from the page, then postponed by a week instead');
}

// The owner asks for the install now while the update service cannot be reached (notice.sh
// stopped it): the page follows the lock's check and says what happened, and the security
// check says what to do. Nothing is installed, so the lock keeps running.
async function installUnreachable(page) {
  const resp = await clickFor(page, '#update-install', '/api/v1/update/install');
  check(resp.status() === 202, `install now: answer ${resp.status()}`);
  await page.waitForFunction(() => document.querySelector('#update-body .update-state')
    ?.dataset.state === 'refused', null, { timeout: 30000 });
  const card = await updateCard(page);
  check(card.stateText.includes('could not reach the maker\'s update service'),
    `the refused state reads "${card.stateText}"`);
  check(card.text.includes('The lock says: the update repository cannot be reached'),
    `the card does not give the lock's reason: "${card.text}"`);
  check(card.text.includes('Version 1.0.1') && card.text.includes('Found by an earlier check'),
    `the waiting update's notice is gone after the failed check: "${card.text}"`);
  const status = await text(page, '#state-status');
  check(status.includes('could not install'), `the page's status reads "${status}"`);
  await page.waitForFunction(() => document.querySelector(
    '#security-list li[data-check="update_check"]')?.dataset.ok === 'false');
  const last = await checkOf(page, 'update_check');
  check(last.todo?.includes('connected to your home network'),
    `the security check's update_check: ${JSON.stringify(last)}`);
  check(!(await page.isDisabled('#update-install')), 'the install button stays disabled');
  await shot(page, '06-install-unreachable');
  console.log('ok: "install now" with the update service unreachable: the page follows the ' +
    'lock\'s check and says it could not reach it, and what to do');
}

async function main() {
  const context = await launch(url, shots);
  // No refusal is expected here: any answer of 400 or more is a problem.
  const page = watch(await context.newPage(), { timeout: 20000, failFrom: 400 });

  await login(page);
  await notice(page);
  await choices(page);
  await installUnreachable(page);

  check(problems.length === 0, `problems in the browser:\n  ${problems.join('\n  ')}`);
  console.log('ok: no script error, no CSP violation, no failed request, ' +
    'no request off the device');
}

await run(main);
