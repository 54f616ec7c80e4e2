/*
 * keel's setup page: first-run setup (5.12-1) with guidance (5.12-2) and the lock's privacy
 * notice next to the optional processing (6-1, 6-2), then the lock's own page with its
 * security check (5.12-3), update notices, the bolt, PIN codes, the access log, and Privacy:
 * consent and its records (6-3A, 6-3B), the owner's export, deletion at the maker's service
 * (5.11-2, 5.11-4) and the factory reset (5.11-1). Plain JavaScript against keeld's local API (apps/keeld/keeld.h); no framework, no
 * resource from anywhere but the lock (the page is served with "default-src 'self'").
 *
 * The session token lives in this script's memory only: never in localStorage,
 * sessionStorage or a cookie, so closing or reloading the page logs out. Everything the
 * device sends is shown with textContent, never parsed as HTML.
 */
'use strict';

(function () {
  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
    'September', 'October', 'November', 'December'];
  const STEPS = ['welcome', 'label', 'password', 'choices', 'done', 'login', 'state', 'erased'];
  const SETUP_STEPS = ['welcome', 'label', 'password', 'choices', 'done'];
  const PASSWORD_MIN = 10; /* KEEL_AUTH_PASSWORD_MIN_CHARS */

  /* In memory only (see above). label is the label password between steps 2 and 3. */
  const session = { token: null, label: null, device: null, resume: null, updates: null,
    updateAt: 0, inventory: null };

  function $(id) {
    return document.getElementById(id);
  }

  function setText(id, text) {
    $(id).textContent = text;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /* ---- talking to the lock ---- */

  /* One request to the lock: {status, data, retryAfter}. status 0: the lock did not answer. */
  async function api(method, path, body) {
    const headers = {};
    const init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit',
      redirect: 'error' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (session.token) headers.Authorization = 'Bearer ' + session.token;
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      return { status: 0, data: null, retryAfter: 0 };
    }
    let data = null;
    try {
      const text = await res.text();
      if (text) data = JSON.parse(text);
    } catch (e) {
      data = null;
    }
    const retry = parseInt(res.headers.get('Retry-After') || '0', 10);
    return { status: res.status, data: data, retryAfter: retry > 0 ? retry : 0 };
  }

  /* A request that needs the session: when the lock says the session has ended (it lasts
   * 15 minutes), ask for the password again and come back to where the owner was. */
  async function authed(method, path, body) {
    const r = await api(method, path, body);
    if (r.status === 401 && session.token) {
      session.token = null;
      sessionEnded();
    }
    return r;
  }

  function sessionEnded() {
    const current = currentStep();
    $('logout').hidden = true;
    if (session.device && session.device.state === 'factory') {
      /* Still the label password's session: back to proving possession. */
      showError('label-error', 'For your safety, the lock ended the session after 15 minutes. ' +
        'Please type the password from the label again.');
      show('label');
      return;
    }
    session.resume = current === 'choices' ? 'choices' : 'state';
    const reason = $('login-reason');
    reason.textContent = 'For your safety, the lock logs you out after 15 minutes. ' +
      'Please log in again.';
    reason.hidden = false;
    show('login');
  }

  /* Words for a failure nobody can fix by typing something else. */
  function problem(r) {
    if (r.status === 0) {
      return 'The lock did not answer. Check that this computer or phone is on the same ' +
        'network as the lock and that the lock has power, then try again.';
    }
    if (r.status === 503 && r.data && r.data.error === 'busy') {
      return 'The lock is busy with other people logged in. Wait a few minutes and try again.';
    }
    if (r.status === 503) {
      return 'The lock found a problem with its own software and stopped accepting commands ' +
        'for your safety. See "Genuine software" in the user guide, under "Checking that the ' +
        'lock is still secure".';
    }
    if (r.status === 403) {
      return 'The lock is not set up yet. Load this page again to set it up.';
    }
    return 'Something went wrong in the lock (error ' + r.status + '). Try again; if it keeps ' +
      'happening, restart the lock.';
  }

  /* ---- showing steps ---- */

  function currentStep() {
    for (const s of STEPS) {
      if (!$('step-' + s).hidden) return s;
    }
    return null;
  }

  function show(step) {
    $('loading').hidden = true;
    for (const s of STEPS) $('step-' + s).hidden = s !== step;
    const progress = $('progress');
    const index = SETUP_STEPS.indexOf(step);
    progress.hidden = index < 0;
    for (const li of progress.querySelectorAll('li')) {
      const i = SETUP_STEPS.indexOf(li.dataset.step);
      li.classList.toggle('past', i < index);
      if (li.dataset.step === step) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    }
    document.title = $('step-' + step).querySelector('h1').textContent + ' - keel lock';
    const heading = $('step-' + step).querySelector('h1');
    heading.focus();
    window.scrollTo(0, 0);
  }

  function showError(id, text) {
    const e = $(id);
    e.textContent = text;
    const form = e.closest('form');
    if (form) {
      for (const input of form.querySelectorAll('input[aria-describedby~="' + id + '"]')) {
        input.setAttribute('aria-invalid', text ? 'true' : 'false');
      }
    }
  }

  function clearError(id) {
    showError(id, '');
    delete $(id).dataset.reason;
  }

  function busy(button, on) {
    button.disabled = on;
    button.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  /* The lock makes a client wait after wrong passwords (5.1-5): count down Retry-After. */
  const waits = {};
  function waitThen(errorId, button, seconds) {
    clearInterval(waits[errorId]);
    let left = seconds;
    const say = function () {
      showError(errorId, 'Too many wrong tries. For your safety the lock accepts the next try ' +
        'in ' + duration(left) + '.');
      $(errorId).dataset.reason = 'wait';
    };
    button.disabled = true;
    say();
    waits[errorId] = setInterval(function () {
      left -= 1;
      if (left > 0) {
        say();
        return;
      }
      clearInterval(waits[errorId]);
      button.disabled = false;
      showError(errorId, 'You can try again now.');
      $(errorId).dataset.reason = 'wait-over';
    }, 1000);
  }

  /* ---- words for values ---- */

  function duration(seconds) {
    if (seconds < 90) return seconds + (seconds === 1 ? ' second' : ' seconds');
    const minutes = Math.round(seconds / 60);
    return minutes + (minutes === 1 ? ' minute' : ' minutes');
  }

  /* "2031-12-31" -> "31 December 2031" (the same for every browser language). */
  function dayText(ymd) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return String(ymd || 'unknown');
    return Number(m[3]) + ' ' + MONTHS[Number(m[2]) - 1] + ' ' + m[1];
  }

  function timeText(value) {
    const d = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
    if (isNaN(d.getTime())) return String(value);
    return d.getDate() + ' ' + MONTHS[d.getMonth()] + ' ' + d.getFullYear() + ', ' +
      String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  function supportText(device) {
    if (device.supported === false) {
      return 'Security updates ended on ' + dayText(device.support_until) + '.';
    }
    return 'Security updates until ' + dayText(device.support_until);
  }

  function codePoints(text) {
    return Array.from(text).length;
  }

  /* ---- step 1: welcome ---- */

  function fillDevice(device) {
    setText('welcome-model', device.model);
    setText('welcome-serial', device.serial);
    setText('welcome-version', device.firmware_version);
    setText('welcome-support', supportText(device));
    setText('about-model', device.model);
    setText('about-serial', device.serial);
    setText('about-version', device.firmware_version);
    setText('about-support', supportText(device));
    const contact = $('about-contact');
    contact.textContent = '';
    const c = String(device.security_contact || '');
    if (/^(mailto:|https:\/\/)/.test(c)) {
      const a = el('a', null, c.replace(/^mailto:/, ''));
      a.href = c;
      a.rel = 'noopener noreferrer';
      contact.appendChild(a);
    } else {
      contact.textContent = c;
    }
    if (device.security_txt) {
      contact.appendChild(document.createTextNode(' (the lock also publishes it at '));
      const t = el('a', 'mono', device.security_txt);
      t.href = device.security_txt;
      contact.appendChild(t);
      contact.appendChild(document.createTextNode(')'));
    }
    setText('device-line', device.model + ', serial ' + device.serial);
  }

  async function start() {
    $('fatal').hidden = true;
    $('loading').hidden = false;
    const r = await api('GET', '/api/v1/device');
    if (r.status !== 200 || !r.data) {
      $('loading').hidden = true;
      setText('fatal-text', problem(r));
      $('fatal').hidden = false;
      $('fatal-retry').focus();
      return;
    }
    session.device = r.data;
    fillDevice(r.data);
    show(r.data.state === 'factory' ? 'welcome' : 'login');
    await loadNotice();
  }

  /* ---- step 2: the label password ---- */

  const QR_PREFIX = 'keel:setup?';

  async function submitLabel(event) {
    event.preventDefault();
    const input = $('label-password');
    const button = $('label-submit');
    let typed = input.value.trim();
    clearError('label-error');
    /* The label's QR code holds "keel:setup?v=1&serial=...&pw=...&fp=...": a phone's camera
     * shows that text, and it may be pasted here instead of typing the password. */
    if (typed.startsWith(QR_PREFIX)) {
      const qr = new URLSearchParams(typed.slice(QR_PREFIX.length));
      const serial = qr.get('serial');
      if (serial && session.device && session.device.serial && serial !== session.device.serial) {
        showError('label-error', 'This QR code belongs to another lock (serial ' + serial +
          '). Use the label of the lock you are setting up.');
        input.focus();
        return;
      }
      typed = (qr.get('pw') || '').trim();
    }
    const symbols = typed.replace(/[\s-]/g, '');
    if (symbols.length === 0) {
      showError('label-error', 'Please type the password from the label.');
      input.focus();
      return;
    }
    if (symbols.length !== 16) {
      showError('label-error', 'The password on the label has 16 letters and digits in four ' +
        'groups of four. You typed ' + symbols.length + '. Please check it.');
      input.focus();
      return;
    }
    busy(button, true);
    const r = await api('POST', '/api/v1/login', { password: typed });
    /* Did someone else set the lock up meanwhile? Then no label password works. */
    const d = r.status === 401 ? await api('GET', '/api/v1/device') : null;
    busy(button, false);
    if (r.status === 200 && r.data && r.data.token) {
      session.token = r.data.token;
      session.label = typed;
      input.value = '';
      clearError('label-error');
      show('password');
      return;
    }
    if (r.status === 401) {
      if (d.status === 200 && d.data && d.data.state !== 'factory') {
        session.device = d.data;
        const reason = $('login-reason');
        reason.textContent = 'This lock has already been set up: someone chose its own ' +
          'password, so the label password no longer works. If that was not you, contact the ' +
          'maker\'s support.';
        reason.hidden = false;
        show('login');
        return;
      }
      showError('label-error', 'That is not the password on this lock\'s label. Check each ' +
        'character and try again.');
      $('label-error').dataset.reason = 'wrong';
      input.focus();
      input.select();
    } else if (r.status === 429) {
      waitThen('label-error', button, r.retryAfter || 1);
    } else {
      showError('label-error', problem(r));
    }
  }

  /* ---- step 3: the owner's password ---- */

  const WEAK = {
    'too short': 'This password is too short. Use at least 10 characters: a short sentence ' +
      'or a few words is long enough and easy to remember.',
    'too long': 'This password is too long for the lock. Use at most 128 letters, digits and ' +
      'signs.',
    'one character': 'This password repeats a single character. Choose one that is harder to ' +
      'guess.',
    'common password': 'Many people use this password, so it is among the first that ' +
      'attackers try. Choose one that is personal to you.',
    'label password': 'This is the password from the label. Anyone who has seen the label ' +
      'knows it: choose a new one.',
    'not utf-8': 'This password holds characters the lock cannot store. Use other characters.',
  };

  function countPassword() {
    const n = codePoints($('new-password').value);
    setText('new-password-count', n + (n === 1 ? ' character' : ' characters') +
      (n < PASSWORD_MIN ? ' (at least ' + PASSWORD_MIN + ')' : ' - long enough'));
  }

  async function submitPassword(event) {
    event.preventDefault();
    const pw = $('new-password');
    const again = $('confirm-password');
    const button = $('password-submit');
    clearError('password-error');
    if (pw.value.length === 0) {
      showError('password-error', 'Please type the password you want to use.');
      pw.focus();
      return;
    }
    if (pw.value !== again.value) {
      showError('password-error', 'The two passwords are not the same. Please type them ' +
        'again.');
      $('password-error').dataset.reason = 'mismatch';
      again.value = '';
      again.focus();
      return;
    }
    busy(button, true);
    const r = await authed('POST', '/api/v1/password', { current: session.label, new: pw.value });
    if (r.status === 204) {
      /* Every session ended with the label password: log in with the owner's own. */
      session.label = null;
      session.device.state = 'initialised';
      const l = await api('POST', '/api/v1/login', { password: pw.value });
      busy(button, false);
      pw.value = '';
      again.value = '';
      countPassword();
      if (l.status === 200 && l.data && l.data.token) {
        session.token = l.data.token;
        $('logout').hidden = false;
        show('choices');
      } else {
        session.resume = 'choices';
        const reason = $('login-reason');
        reason.textContent = 'Your password is set. Please log in with it to continue.';
        reason.hidden = false;
        show('login');
      }
      return;
    }
    busy(button, false);
    if (r.status === 400 && r.data && r.data.error === 'weak password') {
      const reason = String(r.data.reason || '');
      showError('password-error', WEAK[reason] ||
        'The lock did not accept this password (' + reason + '). Please choose another one.');
      $('password-error').dataset.reason = reason;
      pw.focus();
      pw.select();
    } else if (r.status === 429) {
      waitThen('password-error', button, r.retryAfter || 1);
    } else if (r.status !== 401) {
      showError('password-error', problem(r));
    }
  }

  /* ---- step 4: choices ---- */

  async function saveChoices(auto, processing, errorId, button) {
    busy(button, true);
    const r = await authed('POST', '/api/v1/setup', { auto_install: auto,
      data_processing: processing });
    busy(button, false);
    if (r.status === 204) return true;
    if (r.status !== 401) showError(errorId, problem(r));
    return false;
  }

  function onOff(on) {
    return on ? 'On' : 'Off';
  }

  async function submitChoices(event) {
    event.preventDefault();
    clearError('choices-error');
    const auto = $('choice-updates').checked;
    const processing = $('choice-processing').checked;
    if (await saveChoices(auto, processing, 'choices-error', $('choices-save'))) {
      setText('done-updates', onOff(auto));
      setText('done-processing', onOff(processing));
      show('done');
    }
  }

  function skipChoices() {
    /* Nothing is sent: the lock's own defaults are the safe ones (updates on, optional
     * processing off). */
    setText('done-updates', 'On (the safe default)');
    setText('done-processing', 'Off (the safe default)');
    show('done');
  }

  /* ---- login of a lock that is set up ---- */

  async function submitLogin(event) {
    event.preventDefault();
    const input = $('login-password');
    const button = $('login-submit');
    clearError('login-error');
    if (input.value.length === 0) {
      showError('login-error', 'Please type your password.');
      input.focus();
      return;
    }
    busy(button, true);
    const r = await api('POST', '/api/v1/login', { password: input.value });
    busy(button, false);
    if (r.status === 200 && r.data && r.data.token) {
      session.token = r.data.token;
      input.value = '';
      $('login-reason').hidden = true;
      $('logout').hidden = false;
      const next = session.resume || 'state';
      session.resume = null;
      if (next === 'choices') show('choices');
      else await openState();
      return;
    }
    if (r.status === 401) {
      showError('login-error', 'That password is not right. Please try again. If you have ' +
        'forgotten it, see "Forgotten password" in the user guide.');
      $('login-error').dataset.reason = 'wrong';
      input.focus();
      input.select();
    } else if (r.status === 429) {
      waitThen('login-error', button, r.retryAfter || 1);
    } else {
      showError('login-error', problem(r));
    }
  }

  async function logout() {
    await api('POST', '/api/v1/logout');
    session.token = null;
    $('logout').hidden = true;
    const reason = $('login-reason');
    reason.textContent = 'You are logged out.';
    reason.hidden = false;
    show('login');
  }

  /* ---- the lock's page: security check (5.12-3) ---- */

  /* For each check: what it means when all is well, what it means when not, and what the
   * owner does about it. Information checks are neither good nor bad. */
  const CHECKS = {
    owner_password: {
      title: 'Your own password',
      ok: 'The lock uses the password you chose. The label password no longer works.',
      bad: 'The lock still accepts the password printed on its label.',
      todo: 'Load this page again and finish the setup: choose your own password.',
    },
    software_integrity: {
      title: 'Genuine software',
      ok: 'The lock checked its own software when it started: it is the maker\'s, unchanged.',
      bad: 'The lock\'s software does not match what the maker signed. Someone or something ' +
        'may have changed it.',
      todo: 'Do not rely on the lock until this is solved. Restart the lock; if the problem ' +
        'stays, contact the maker\'s support (see "About this lock" below).',
    },
    automatic_updates: {
      title: 'Automatic security updates',
      ok: 'The lock installs security updates by itself.',
      bad: 'Security updates are not installed automatically.',
      todo: 'Turn on "Install security updates automatically" under "Your choices" below. ' +
        'If you prefer to keep it off, look at "Updates" regularly and install each update.',
    },
    update_check: {
      title: 'Checking for updates',
      ok: 'The lock\'s latest look for updates went well.',
      bad: 'The lock has not finished a look for updates yet, or the latest one found a ' +
        'problem.',
      todo: 'Check that the lock is connected to your home network and that the internet ' +
        'works, then come back in a while. The lock keeps locking and unlocking without the ' +
        'internet in the meantime.',
    },
    root_of_trust: {
      title: 'Protected keys',
      ok: 'The lock keeps its secret keys in its security chip.',
      bad: 'The lock keeps its secret keys in ordinary storage, as only test devices do.',
      todo: 'This is a development device. Do not use it to protect a real door; contact ' +
        'the seller.',
    },
    support_period: {
      title: 'Support period',
      ok: 'The maker still fixes security problems in this model.',
      bad: 'The support period of this model has ended: security problems found from now on ' +
        'are no longer fixed.',
      todo: 'Plan to replace the lock with a model that is still supported.',
    },
    /* Information: "on" says which of the two texts applies. */
    cloud_link: {
      title: 'Connection to the maker\'s service',
      info: true,
      on: function (c) { return c.on === true; },
      ok: 'Connected. Events of the lock reach the maker\'s service.',
      bad: 'Not connected. The lock works without it: the keypad, the button and this page ' +
        'keep working, and events wait in the lock until the connection is back.',
    },
    data_processing: {
      title: 'Optional data processing',
      info: true,
      /* Its "ok" is always true (it is information); "on" says the owner's choice. */
      on: function (c) { return c.on === true; },
      ok: 'You allowed the copy of the access log to your account at the maker\'s service. ' +
        'You can withdraw it at any time under "Privacy".',
      bad: 'Off. The lock works fully without it; you can turn it on under "Privacy".',
    },
  };

  /* Without an update service the owner cannot fix the update checks by a setting. */
  const NO_UPDATES = 'This lock has no update service set up, so it cannot receive security ' +
    'updates, and a lock without them becomes less safe over time. Contact the seller.';

  function renderSecurity(data) {
    const list = $('security-list');
    list.textContent = '';
    const checks = Array.isArray(data.checks) ? data.checks : [];
    let problems = 0;
    for (const c of checks) {
      const words = CHECKS[c.id] || { title: String(c.id), ok: 'In order.', bad: 'Not in order.',
        todo: 'See the user guide.' };
      const ok = words.info ? words.on(c) : c.ok === true;
      const li = el('li', words.info ? 'info' : ok ? 'ok' : 'bad');
      li.dataset.check = String(c.id);
      li.dataset.ok = ok ? 'true' : 'false';
      const mark = el('span', 'mark', words.info ? 'i' : ok ? '\u2713' : '!');
      mark.setAttribute('aria-hidden', 'true');
      li.appendChild(mark);
      const body = el('div', 'what');
      const head = el('p', 'title');
      head.appendChild(el('strong', null, words.title));
      head.appendChild(document.createTextNode(': ' +
        (words.info ? (ok ? 'on' : 'off') : ok ? 'in order' : 'needs your attention')));
      body.appendChild(head);
      body.appendChild(el('p', null, ok ? words.ok : words.bad));
      if (c.detail) body.appendChild(el('p', 'detail', 'The lock says: ' + c.detail));
      if (!ok && !words.info) {
        const updates = c.id === 'automatic_updates' || c.id === 'update_check';
        const todo = el('p', 'todo');
        todo.appendChild(el('strong', null, 'What to do: '));
        todo.appendChild(document.createTextNode(updates && session.updates === false ?
          NO_UPDATES : words.todo || 'See the user guide.'));
        body.appendChild(todo);
        problems += 1;
      }
      li.appendChild(body);
      list.appendChild(li);
    }
    const summary = $('security-summary');
    summary.classList.toggle('good', data.ok === true);
    summary.classList.toggle('bad', data.ok !== true);
    if (data.ok === true) {
      summary.textContent = 'Everything is in order: your lock is set up securely.';
    } else {
      summary.textContent = (problems === 1 ? 'One thing needs' : problems + ' things need') +
        ' your attention. Each says below what to do.';
    }
    const processing = checks.find(function (c) { return c.id === 'data_processing'; });
    if (processing) $('mychoice-processing').checked = CHECKS.data_processing.on(processing);
  }

  async function loadSecurity() {
    clearError('security-error');
    const r = await authed('GET', '/api/v1/security');
    if (r.status === 200 && r.data) renderSecurity(r.data);
    else if (r.status !== 401) showError('security-error', problem(r));
  }

  /* ---- the bolt, the door, the battery ---- */

  function renderLock(data) {
    setText('lock-state', data.locked ? 'Locked' : 'Unlocked');
    $('lock-state').className = 'big ' + (data.locked ? 'locked' : 'unlocked');
    $('lock-state').dataset.locked = data.locked ? 'true' : 'false';
    const details = $('lock-details');
    details.textContent = '';
    details.appendChild(el('li', null, data.door === 'open' ? 'The door is open.' :
      'The door is closed.'));
    const battery = Number(data.battery);
    details.appendChild(el('li', battery <= 20 ? 'warn' : null, 'Battery: ' + battery + '%' +
      (battery <= 20 ? '. Replace the batteries soon.' : '')));
    if (data.changed_at) {
      details.appendChild(el('li', null, (data.locked ? 'Locked' : 'Unlocked') + ' since ' +
        timeText(data.changed_at) + '.'));
    }
    if (data.unclean_start) {
      details.appendChild(el('li', 'warn', 'The lock locked itself when it started, because ' +
        'it had lost power or stopped unexpectedly. This is a safety measure.'));
    }
    if (data.queued > 0) {
      details.appendChild(el('li', null, data.queued + (data.queued === 1 ? ' event waits' :
        ' events wait') + ' to be sent to the maker\'s service when it can be reached.'));
    }
    $('lock-lock').classList.toggle('primary', !data.locked);
    $('lock-unlock').classList.toggle('primary', !!data.locked);
  }

  async function loadLock() {
    clearError('lock-error');
    const r = await authed('GET', '/api/v1/lock');
    if (r.status === 200 && r.data) renderLock(r.data);
    else if (r.status !== 401) showError('lock-error', problem(r));
  }

  async function setLock(action, button) {
    clearError('lock-error');
    busy(button, true);
    const r = await authed('POST', '/api/v1/lock', { action: action });
    busy(button, false);
    if (r.status === 200 && r.data) {
      renderLock(r.data);
      setText('state-status', action === 'lock' ? 'The door is locked.' : 'The door is unlocked.');
      await loadLog();
    } else if (r.status !== 401) {
      showError('lock-error', problem(r));
    }
  }

  /* ---- updates (5.3-11, 5.3-12: what an update fixes, whether the lock is interrupted) ---- */

  const UPDATE_STATE = {
    nothing: 'Your lock\'s software is up to date.',
    available: 'An update is available.',
    installed: 'An update has been installed. The lock restarts to use it.',
    trial: 'The lock is trying out new software. If anything is wrong with it, the lock goes ' +
      'back to its previous software by itself.',
    confirmed: 'The lock now runs new software.',
    'rolled-back': 'An update did not work, so the lock went back to its previous software. ' +
      'It works as before.',
    /* "refused" is also an update service that cannot be reached: the words fit both. */
    refused: 'The lock\'s latest look for updates did not work: it could not reach the ' +
      'maker\'s update service, or could not verify what it received as the maker\'s. Your ' +
      'lock keeps its current software and tries again later.',
  };

  function renderUpdate(data) {
    const box = $('update-body');
    box.textContent = '';
    const install = $('update-install');
    session.updates = data.state !== 'unconfigured';
    session.updateAt = Number(data.at) || 0;
    if (data.state === 'unconfigured') {
      box.appendChild(el('p', 'notice bad', 'This lock has no update service set up, so it ' +
        'cannot receive security updates. Contact the seller.'));
      install.hidden = true;
      /* The lock keeps the choice for when it has an update service; it cannot say what
       * was chosen, so the safe choice is shown. */
      $('mychoice-updates').checked = true;
      setText('mychoice-updates-help', 'This lock has no update service yet: your choice ' +
        'applies once it has one.');
      return;
    }
    $('mychoice-updates').checked = data.auto_install === true;
    setText('mychoice-updates-help', 'Keeps the lock safe without you having to remember to ' +
      'update it.');
    install.hidden = false;
    if (data.waiting_for_setup) {
      box.appendChild(el('p', null, 'Updates start once setup is finished.'));
    }
    const state = el('p', 'update-state', UPDATE_STATE[data.state] ||
      'Update state: ' + String(data.state));
    state.dataset.state = String(data.state);
    box.appendChild(state);
    if (data.at > 0) box.appendChild(el('p', 'hint', 'Last checked: ' + timeText(data.at) + '.'));
    if (data.error) box.appendChild(el('p', 'detail', 'The lock says: ' + data.error));
    box.appendChild(el('p', 'hint', data.auto_install ?
      'Updates are installed automatically.' :
      'Automatic installation is off: install updates yourself with the button below.'));
    const postponed = data.postponed_until > Date.now() / 1000;
    if (postponed) {
      box.appendChild(el('p', 'hint', 'Installing is postponed until ' +
        timeText(data.postponed_until) + '.'));
    }
    const t = data.target;
    if (t && t.name) {
      const notice = el('div', 'notice update-notice');
      notice.appendChild(el('h3', null, 'Version ' + t.version));
      if (t.from_earlier_check === true) {
        notice.appendChild(el('p', 'hint', 'Found by an earlier check; it still waits for ' +
          'you, and installs once the lock reaches the update service again.'));
      }
      const dl = el('dl', 'facts');
      const add = function (term, value) {
        dl.appendChild(el('dt', null, term));
        dl.appendChild(el('dd', null, value));
      };
      add('What it fixes', t.fixes || 'Not stated.');
      add('Risks it closes', t.risks_mitigated || 'Not stated.');
      add('While it installs', t.interrupts_function ?
        'The lock restarts and cannot be used for about ' +
        duration(Number(t.interruption_seconds)) + '. Keep a key or another way in at hand ' +
        'if it installs while you are outside.' :
        'The lock keeps working.');
      notice.appendChild(dl);
      box.appendChild(notice);
    }
    box.appendChild(postponeControls(data, postponed));
  }

  /* Postponing automatic installs (5.3-6): for a day, a week or at most 30 days (the lock's
   * limit, so that a fix is delayed, never forgotten); a postponement can end at any time. */
  const POSTPONE = [[24, '1 day'], [168, '1 week'], [720, '30 days']];

  function postponeControls(data, postponed) {
    const wrap = el('div', 'postpone');
    if (postponed) {
      const resume = el('button', 'quiet', 'Stop postponing');
      resume.type = 'button';
      resume.id = 'update-resume';
      resume.addEventListener('click', function () { postpone(0, resume); });
      const row = el('div', 'actions');
      row.appendChild(resume);
      wrap.appendChild(row);
    } else if (data.auto_install) {
      const help = el('p', 'hint', 'Not a good moment for the lock to restart? Postpone ' +
        'automatic installs for:');
      help.id = 'update-postpone-help';
      wrap.appendChild(help);
      const row = el('div', 'actions');
      row.setAttribute('role', 'group');
      row.setAttribute('aria-labelledby', 'update-postpone-help');
      for (const [hours, words] of POSTPONE) {
        const b = el('button', 'quiet', words);
        b.type = 'button';
        b.dataset.hours = String(hours);
        b.setAttribute('aria-label', 'Postpone automatic installs for ' + words);
        b.addEventListener('click', function () { postpone(hours, b); });
        row.appendChild(b);
      }
      wrap.appendChild(row);
    }
    return wrap;
  }

  async function postpone(hours, button) {
    clearError('update-error');
    busy(button, true);
    const r = await authed('POST', '/api/v1/update/settings', { postpone_hours: hours });
    busy(button, false);
    if (r.status === 200 && r.data) {
      renderUpdate(r.data);
      setText('state-status', hours > 0 ? 'Automatic installs are postponed until ' +
        timeText(r.data.postponed_until) + '.' : 'Automatic installs are no longer postponed.');
      /* The button pressed is gone with the old card: keep the keyboard where it was. */
      const next = $('update-resume') || $('update-body').querySelector('button[data-hours]');
      if (next) next.focus();
    } else if (r.status === 409) {
      showError('update-error', 'This lock has no update service set up.');
    } else if (r.status !== 401) {
      showError('update-error', problem(r));
    }
  }

  async function loadUpdate() {
    clearError('update-error');
    const r = await authed('GET', '/api/v1/update');
    if (r.status === 200 && r.data) renderUpdate(r.data);
    else if (r.status !== 401) showError('update-error', problem(r));
  }

  /* After "install now": what the lock decided, once its check has finished (its time "at"
   * moves on). An install ends with the lock restarting, so it may stop answering. */
  const INSTALL_WAIT_S = 120;
  const INSTALL_RESULT = {
    nothing: 'The lock looked for updates: its software is up to date.',
    installed: 'The update is installed. The lock restarts now to use it: it cannot be used ' +
      'for a moment, and this page loses the connection. Load it again in a few minutes.',
    refused: 'The lock could not install an update. See "Updates" below.',
  };

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  async function followCheck(before) {
    for (let waited = 0; waited < INSTALL_WAIT_S; waited += 1) {
      await sleep(1000);
      const r = await authed('GET', '/api/v1/update');
      if (r.status === 0) {
        setText('state-status', 'The lock stopped answering: it restarts to use new ' +
          'software. Load this page again in a few minutes.');
        return;
      }
      if (r.status === 401) return;
      if (r.status === 200 && r.data && Number(r.data.at) > before) {
        renderUpdate(r.data);
        setText('state-status', INSTALL_RESULT[r.data.state] ||
          UPDATE_STATE[r.data.state] || 'Update state: ' + String(r.data.state));
        await loadSecurity();
        return;
      }
    }
    setText('state-status', 'The lock is still busy with the update. Look at "Updates" ' +
      'again in a few minutes.');
  }

  async function installNow() {
    clearError('update-error');
    const button = $('update-install');
    const before = session.updateAt || 0;
    busy(button, true);
    const r = await authed('POST', '/api/v1/update/install');
    if (r.status === 202) {
      setText('state-status', 'The lock is looking for updates. If it finds one, it installs ' +
        'it; this page shows what it did.');
      await followCheck(before);
      busy(button, false);
      return;
    }
    busy(button, false);
    if (r.status === 409) {
      showError('update-error', 'This lock has no update service set up.');
    } else if (r.status !== 401) {
      showError('update-error', problem(r));
    }
  }

  async function submitMyChoices(event) {
    event.preventDefault();
    clearError('mychoices-error');
    setText('mychoices-status', '');
    const auto = $('mychoice-updates').checked;
    const processing = $('mychoice-processing').checked;
    if (await saveChoices(auto, processing, 'mychoices-error', $('mychoices-save'))) {
      setText('mychoices-status', 'Saved. Automatic security updates: ' +
        onOff(auto).toLowerCase() + '. Optional data processing: ' +
        onOff(processing).toLowerCase() + '.');
      await loadUpdate();
      await Promise.all([loadSecurity(), loadPrivacy()]);
    }
  }

  /* ---- PIN codes ---- */

  const PIN_WEAK = {
    length: 'A PIN has 6 to 12 digits.',
    digits: 'A PIN has only the digits 0 to 9.',
    repeated: 'A PIN that repeats one digit is too easy to guess. Choose another.',
    sequence: 'A PIN that counts up or down (like 123456 or 987654) is too easy to guess. ' +
      'Choose another.',
  };

  function renderPins(data) {
    const list = $('pin-list');
    list.textContent = '';
    const pins = Array.isArray(data.pins) ? data.pins : [];
    $('pin-empty').hidden = pins.length > 0;
    for (const p of pins) {
      const li = el('li');
      li.dataset.pin = String(p.id);
      const who = el('span', 'who');
      who.appendChild(el('strong', null, p.name));
      if (p.created) who.appendChild(el('span', 'hint', ' added ' + timeText(p.created)));
      li.appendChild(who);
      const remove = el('button', 'quiet', 'Remove');
      remove.type = 'button';
      remove.setAttribute('aria-label', 'Remove the PIN code of ' + p.name);
      remove.addEventListener('click', function () { removePin(p.id, p.name, remove); });
      li.appendChild(remove);
      list.appendChild(li);
    }
  }

  async function loadPins() {
    const r = await authed('GET', '/api/v1/pins');
    if (r.status === 200 && r.data) renderPins(r.data);
    else if (r.status !== 401) showError('pin-error', problem(r));
  }

  async function submitPin(event) {
    event.preventDefault();
    clearError('pin-error');
    setText('pin-status', '');
    const name = $('pin-name');
    const code = $('pin-code');
    if (name.value.trim().length === 0) {
      showError('pin-error', 'Please type whose PIN code it is.');
      name.focus();
      return;
    }
    if (!/^[0-9]{6,12}$/.test(code.value)) {
      showError('pin-error', PIN_WEAK[/^[0-9]*$/.test(code.value) ? 'length' : 'digits']);
      code.focus();
      return;
    }
    const button = $('pin-add');
    busy(button, true);
    const r = await authed('POST', '/api/v1/pins', { name: name.value.trim(), pin: code.value });
    busy(button, false);
    if (r.status === 201) {
      setText('pin-status', 'PIN code for ' + name.value.trim() + ' added. It works on the ' +
        'keypad from now on.');
      name.value = '';
      code.value = '';
      await Promise.all([loadPins(), loadLog()]);
      return;
    }
    if (r.status === 400 && r.data && r.data.error === 'weak pin') {
      const reason = String(r.data.reason || '');
      showError('pin-error', PIN_WEAK[reason] || 'The lock did not accept this PIN code (' +
        reason + '). Choose another.');
      $('pin-error').dataset.reason = reason;
      code.focus();
    } else if (r.status === 409) {
      showError('pin-error', 'This PIN code or this name is already in use, or the lock ' +
        'already holds as many PIN codes as it can (16). Choose another, or remove one first.');
      $('pin-error').dataset.reason = 'in use';
    } else if (r.status === 400) {
      showError('pin-error', 'The lock did not accept this name. Use 1 to 32 letters, ' +
        'digits or spaces.');
    } else if (r.status !== 401) {
      showError('pin-error', problem(r));
    }
  }

  async function removePin(id, name, button) {
    clearError('pin-error');
    busy(button, true);
    const r = await authed('POST', '/api/v1/pins/remove', { id: id });
    busy(button, false);
    if (r.status === 204 || r.status === 404) {
      setText('pin-status', 'PIN code of ' + name + ' removed. It no longer opens the door.');
      await Promise.all([loadPins(), loadLog()]);
      $('pin-name').focus();
    } else if (r.status !== 401) {
      showError('pin-error', problem(r));
    }
  }

  /* ---- the access log ---- */

  const EVENTS = {
    locked: 'Locked',
    unlocked: 'Unlocked',
    pin_rejected: 'Wrong PIN code typed',
    pin_added: 'PIN code added',
    pin_removed: 'PIN code removed',
    door_open: 'Door opened',
    door_closed: 'Door closed',
    battery_low: 'Battery low',
    fail_secure: 'Locked itself after a power cut or an unexpected stop',
    'auth.failure': 'Wrong password typed',
    'auth.lockout': 'Logins refused for a while after wrong passwords',
    'auth.throttled': 'Logins slowed down after wrong passwords',
    'auth.password_changed': 'Password changed',
    'setup.completed': 'Setup finished',
    'config.changed': 'Settings changed',
    'consent.granted': 'Consent given',
    'consent.withdrawn': 'Consent withdrawn',
    'integrity.failed': 'The lock\'s software failed its check',
    'link.up': 'Connected to the maker\'s service',
    factory_reset: 'Factory reset',
  };
  const SOURCES = {
    keypad: 'Keypad',
    button: 'Button on the lock',
    api: 'This page',
    cloud: 'Remotely, through the maker\'s service',
    system: 'The lock itself',
  };

  function renderLog(data) {
    const body = $('log-body');
    body.textContent = '';
    const entries = Array.isArray(data.entries) ? data.entries : [];
    $('log-empty').hidden = entries.length > 0;
    $('log-table').hidden = entries.length === 0;
    for (const e of entries) {
      const tr = el('tr');
      tr.dataset.event = String(e.event);
      tr.appendChild(el('td', null, timeText(e.time)));
      tr.appendChild(el('td', null, EVENTS[e.event] || (/^update\./.test(String(e.event)) ?
        'Update: ' + String(e.event).slice(7).replace(/[._]/g, ' ') : String(e.event))));
      tr.appendChild(el('td', null, SOURCES[e.source] || String(e.source || '')));
      tr.appendChild(el('td', null, e.who || ''));
      body.appendChild(tr);
    }
  }

  async function loadLog() {
    clearError('log-error');
    const r = await authed('GET', '/api/v1/log');
    if (r.status === 200 && r.data) renderLog(r.data);
    else if (r.status !== 401) showError('log-error', problem(r));
  }

  /* ---- privacy (6-1 .. 6-3, 5.11) ----
   * The notice is the lock's data inventory (GET /api/v1/privacy, public, the factory state
   * too), put in plain words here at run time: the page says what the lock says, nothing of
   * its own. */

  const BASIS = {
    contract: 'needed for the lock\'s functions you use',
    consent: 'only with your consent',
    legitimate_interest: 'for the lock\'s security',
    legal_obligation: 'required by law',
  };

  /* Why a notice could not be read, and what holds meanwhile. */
  function noticeFailed(box, r) {
    box.textContent = '';
    box.dataset.loaded = 'false';
    box.appendChild(el('p', 'notice bad', 'The lock\'s privacy notice could not be read: ' +
      problem(r) + ' Every optional processing stays off unless you turn it on.'));
  }

  /* The notice into box: the summary, then each datum (why, how long, who receives it),
   * the security telemetry, what the lock senses, and who to ask. */
  function renderNotice(box, inv) {
    box.textContent = '';
    box.appendChild(el('p', null, inv.summary));
    const data = Array.isArray(inv.data) ? inv.data : [];
    const details = el('details', 'inventory');
    details.appendChild(el('summary', null, 'What the lock keeps about you (' + data.length +
      ' kinds of data)'));
    const list = el('dl');
    for (const d of data) {
      const dt = el('dt', null, d.name);
      dt.dataset.datum = String(d.id);
      list.appendChild(dt);
      const dd = el('dd');
      dd.appendChild(el('p', null, d.datum + '. ' + d.purpose));
      const recipients = Array.isArray(d.recipients) ? d.recipients : [];
      dd.appendChild(el('p', 'hint', 'Kept: ' + d.retention + ' ' +
        (recipients.length ? 'Goes to ' + recipients.join('; ') + '.' :
          'It stays in the lock.') + ' Why it may: ' + (BASIS[d.legal_basis] ||
          String(d.legal_basis)) + '.' + (d.export_member ? ' In "Download my data".' : '')));
      list.appendChild(dd);
    }
    details.appendChild(list);
    const t = inv.telemetry;
    if (t && Array.isArray(t.fields)) {
      details.appendChild(el('p', null, 'Security events go to ' + t.recipient + '. ' +
        t.purpose + ' Each says only: ' + t.fields.map(function (f) { return f.name; })
        .join(', ') + '. They carry no names, no PIN codes and no network addresses.'));
    }
    if (Array.isArray(inv.sensing) && inv.sensing.length) {
      const senses = el('ul', 'plain');
      for (const c of inv.sensing) {
        const li = el('li');
        li.appendChild(el('strong', null, c.capability + ': '));
        li.appendChild(document.createTextNode(c.what));
        senses.appendChild(li);
      }
      details.appendChild(el('p', null, 'What the lock senses:'));
      details.appendChild(senses);
    }
    details.appendChild(el('p', 'hint', 'Responsible: ' + inv.controller + ' Questions: ' +
      String(inv.contact || '').replace(/^mailto:/, '') + '.'));
    box.appendChild(details);
    box.dataset.loaded = 'true';
  }

  /* The consent purpose's words from the notice, where the lock has them. */
  function consentWords(purpose) {
    const list = session.inventory && Array.isArray(session.inventory.consent) ?
      session.inventory.consent : [];
    return list.find(function (c) { return c.purpose === purpose; }) || null;
  }

  async function loadNotice() {
    if (session.inventory) return;
    const r = await api('GET', '/api/v1/privacy');
    if (r.status !== 200 || !r.data || !Array.isArray(r.data.data)) {
      noticeFailed($('choices-notice'), r);
      noticeFailed($('privacy-notice'), r);
      return;
    }
    session.inventory = r.data;
    renderNotice($('choices-notice'), r.data);
    renderNotice($('privacy-notice'), r.data);
    /* The optional processing of setup is the access log's copy: its words are the lock's. */
    const words = consentWords('access_log_sync');
    if (words) {
      setText('choice-processing-label', words.title + ' (optional)');
      setText('choice-processing-help', words.description);
    }
    const erases = $('reset-erases');
    erases.textContent = '';
    for (const d of r.data.data) {
      if (d.erased_at_reset) erases.appendChild(el('li', null, d.name));
    }
    const stays = $('erased-stays');
    stays.textContent = '';
    for (const f of Array.isArray(r.data.factory_data) ? r.data.factory_data : []) {
      stays.appendChild(el('li', null, f.what));
    }
  }

  /* ---- consent and its records ---- */

  const VIA = { setup: 'During setup', api: 'On this page' };

  function renderConsent(data) {
    const list = $('consent-list');
    list.textContent = '';
    const consents = Array.isArray(data.consents) ? data.consents : [];
    for (const c of consents) {
      const words = consentWords(c.purpose) || { title: String(c.purpose), description: '' };
      const box = el('div', 'consent');
      const row = el('div', 'check');
      const input = el('input');
      input.type = 'checkbox';
      input.id = 'consent-' + c.purpose;
      input.dataset.purpose = String(c.purpose);
      input.setAttribute('role', 'switch');
      input.checked = c.granted === true;
      input.setAttribute('aria-describedby', 'consent-' + c.purpose + '-help');
      input.addEventListener('change', function () { setConsent(input); });
      row.appendChild(input);
      const label = el('label', null, words.title);
      label.htmlFor = input.id;
      row.appendChild(label);
      box.appendChild(row);
      const help = el('p', 'hint');
      help.id = 'consent-' + c.purpose + '-help';
      const state = el('span', 'state', c.granted ? 'On' : 'Off');
      state.dataset.granted = c.granted ? 'true' : 'false';
      help.appendChild(state);
      help.appendChild(document.createTextNode((c.changed ? ' since ' + timeText(c.changed) :
        ' (you have not turned it on)') + '. ' + words.description));
      box.appendChild(help);
      list.appendChild(box);
      if (c.purpose === 'access_log_sync') $('mychoice-processing').checked = c.granted === true;
    }
    const body = $('consent-records');
    body.textContent = '';
    const records = Array.isArray(data.records) ? data.records : [];
    $('consent-empty').hidden = records.length > 0;
    $('consent-table').hidden = records.length === 0;
    for (const rec of records) {
      const tr = el('tr');
      tr.dataset.granted = rec.granted ? 'true' : 'false';
      tr.dataset.via = String(rec.via);
      tr.appendChild(el('td', null, timeText(rec.time)));
      const words = consentWords(rec.purpose);
      tr.appendChild(el('td', null, words ? words.title : String(rec.purpose)));
      tr.appendChild(el('td', null, rec.granted ? 'Allowed' : 'Not allowed'));
      tr.appendChild(el('td', null, VIA[rec.via] || String(rec.via)));
      body.appendChild(tr);
    }
  }

  async function setConsent(input) {
    clearError('consent-error');
    setText('consent-status', '');
    const granted = input.checked;
    input.disabled = true;
    const r = await authed('POST', '/api/v1/privacy/consent',
      { purpose: input.dataset.purpose, granted: granted });
    input.disabled = false;
    if (r.status === 200 && r.data) {
      renderConsent(r.data);
      setText('consent-status', granted ? 'Allowed. The lock records your consent and starts ' +
        'now; you can withdraw it at any time.' : 'Withdrawn. The lock stopped at once and ' +
        'deleted the copies that were still waiting to be sent.');
      const again = document.querySelector('#consent-list input[data-purpose="' +
        input.dataset.purpose + '"]');
      if (again) again.focus();
      await loadSecurity();
      return;
    }
    input.checked = !granted;
    if (r.status !== 401) showError('consent-error', problem(r));
  }

  async function loadConsent() {
    clearError('consent-error');
    const r = await authed('GET', '/api/v1/privacy/consent');
    if (r.status === 200 && r.data) renderConsent(r.data);
    else if (r.status !== 401) showError('consent-error', problem(r));
  }

  /* ---- the owner's export: the lock's answer saved as it came, as a file ---- */

  async function downloadExport() {
    clearError('export-error');
    setText('export-status', '');
    const button = $('export-download');
    busy(button, true);
    let res;
    let text = '';
    try {
      res = await fetch('/api/v1/privacy/export', { method: 'GET', cache: 'no-store',
        credentials: 'omit', redirect: 'error',
        headers: { Authorization: 'Bearer ' + session.token } });
      text = await res.text();
    } catch (e) {
      res = null;
    }
    busy(button, false);
    if (!res || res.status !== 200) {
      const r = { status: res ? res.status : 0, data: null };
      if (r.status === 401) {
        session.token = null;
        sessionEnded();
      } else {
        showError('export-error', problem(r));
      }
      return;
    }
    let doc;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      showError('export-error', 'The lock sent something that is not a readable file. Try ' +
        'again; if it keeps happening, restart the lock.');
      return;
    }
    const m = /filename="([A-Za-z0-9._-]{1,64})"/.exec(res.headers.get('Content-Disposition') ||
      '');
    const name = m ? m[1] : 'keel-export.json';
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const a = el('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    const count = function (v) { return Array.isArray(v) ? v.length : 0; };
    setText('export-status', 'Saved as ' + name + ': ' + count(doc.pins) + ' PIN code names, ' +
      count(doc.access_log) + ' access-log entries, ' + count(doc.consent_records) +
      ' consent records. It stays on this phone or computer.');
    $('export-status').dataset.file = name;
  }

  /* ---- deletion at the maker's service (5.11-2, 5.11-4) ---- */

  let deletionTimer = null;

  function renderDeletion(data) {
    const box = $('cloud-delete-state');
    const state = String(data.state || 'none');
    box.dataset.state = state;
    box.classList.toggle('good', state === 'confirmed');
    clearTimeout(deletionTimer);
    deletionTimer = null;
    if (state === 'pending') {
      box.textContent = 'Pending: you asked on ' + timeText(data.requested) + '. The lock has ' +
        'sent your request (number ' + String(data.request).slice(0, 8) + '\u2026) and waits ' +
        'for the maker\'s service to confirm. If the lock is offline, it sends the request as ' +
        'soon as it is back online.';
      /* Look again while the request waits, as long as this page shows the lock. */
      deletionTimer = setTimeout(function () {
        if (session.token && currentStep() === 'state') loadDeletion();
      }, 5000);
    } else if (state === 'confirmed') {
      const items = Number(data.items);
      box.textContent = 'Confirmed: on ' + timeText(data.confirmed) + ' the maker\'s service ' +
        'deleted your data (' + items + (items === 1 ? ' item' : ' items') + '). You asked on ' +
        timeText(data.requested) + '.';
    } else {
      box.textContent = 'You have not asked the maker\'s service to delete your data.';
    }
  }

  async function loadDeletion() {
    clearError('cloud-delete-error');
    const r = await authed('GET', '/api/v1/privacy/cloud-delete');
    if (r.status === 200 && r.data) renderDeletion(r.data);
    else if (r.status !== 401) showError('cloud-delete-error', problem(r));
  }

  async function askCloudDelete() {
    clearError('cloud-delete-error');
    const button = $('cloud-delete');
    busy(button, true);
    const r = await authed('POST', '/api/v1/privacy/cloud-delete', {});
    busy(button, false);
    if (r.status === 202) {
      await loadDeletion();
    } else if (r.status === 409) {
      const box = $('cloud-delete-state');
      box.dataset.state = 'no-service';
      box.classList.remove('good');
      box.textContent = 'This lock is not connected to a maker\'s service, so no data of yours ' +
        'is kept at one: there is nothing to delete there. Nothing was sent.';
    } else if (r.status !== 401) {
      showError('cloud-delete-error', problem(r));
    }
  }

  async function loadPrivacy() {
    await loadNotice();
    await Promise.all([loadConsent(), loadDeletion()]);
  }

  /* ---- factory reset (5.11-1) ---- */

  /* What a reset erased, as keeld names it: the inventory's ids (said with the notice's
   * names) and the keys that protected them. */
  const KEYS = {
    pin_key: 'The key of the PIN codes',
    data_key: 'The key that encrypted the names and who came in',
    telemetry_pseudonym: 'The random number the lock\'s events carried instead of its serial',
  };

  function erasedWords(name) {
    const d = session.inventory && Array.isArray(session.inventory.data) ?
      session.inventory.data.find(function (x) { return x.id === name; }) : null;
    if (d) return d.name;
    return KEYS[name] || String(name);
  }

  function openReset(open) {
    $('reset-form').hidden = !open;
    $('reset-open').setAttribute('aria-expanded', open ? 'true' : 'false');
    clearError('reset-error');
    $('reset-password').value = '';
    $('reset-confirm').value = '';
    if (open) $('reset-password').focus();
    else $('reset-open').focus();
  }

  async function submitReset(event) {
    event.preventDefault();
    clearError('reset-error');
    const pw = $('reset-password');
    const confirm = $('reset-confirm');
    const button = $('reset-submit');
    if (pw.value.length === 0) {
      showError('reset-error', 'Please type your password. Nothing was erased.');
      pw.focus();
      return;
    }
    if (confirm.value.trim().toLowerCase() !== 'erase') {
      showError('reset-error', 'To confirm, type the word "erase" in the second field. ' +
        'Nothing was erased.');
      $('reset-error').dataset.reason = 'confirm';
      confirm.focus();
      return;
    }
    busy(button, true);
    const r = await api('POST', '/api/v1/reset', { password: pw.value, confirm: 'erase' });
    if (r.status === 200 && r.data && r.data.reset === 'done') {
      busy(button, false);
      pw.value = '';
      confirm.value = '';
      erased(Array.isArray(r.data.erased) ? r.data.erased : []);
      return;
    }
    /* 401 is a wrong password, or a session that ended: the session tells which. */
    const s = r.status === 401 ? await api('GET', '/api/v1/privacy/consent') : null;
    busy(button, false);
    if (r.status === 401 && s.status === 401) {
      session.token = null;
      sessionEnded();
    } else if (r.status === 401) {
      showError('reset-error', 'That password is not right. Nothing was erased.');
      $('reset-error').dataset.reason = 'wrong';
      pw.focus();
      pw.select();
    } else if (r.status === 429) {
      waitThen('reset-error', button, r.retryAfter || 1);
    } else {
      showError('reset-error', problem(r) + ' Nothing was erased unless the lock says so ' +
        'when it is back.');
    }
  }

  /* The lock erased everything and restarts: say what was erased, then wait for it to come
   * back in the factory state and show the first setup page. */
  const RESTART_WAIT_S = 120;

  async function erased(names) {
    session.token = null;
    clearTimeout(deletionTimer);
    $('logout').hidden = true;
    /* The next setup starts from the safe choices again. */
    $('choice-updates').checked = true;
    $('choice-processing').checked = false;
    const list = $('erased-list');
    list.textContent = '';
    for (const n of names) {
      const li = el('li', null, erasedWords(n));
      li.dataset.erased = String(n);
      list.appendChild(li);
    }
    show('erased');
    setText('erased-status', 'The lock is restarting. This page shows the first setup page ' +
      'as soon as the lock is back, as for a new lock.');
    for (let waited = 0; waited < RESTART_WAIT_S; waited += 1) {
      await sleep(1000);
      const r = await api('GET', '/api/v1/device');
      if (r.status === 200 && r.data && r.data.state === 'factory') {
        await start();
        return;
      }
    }
    setText('erased-status', 'The lock has not come back yet. Check that it has power, then ' +
      'load this page again in a minute.');
  }

  /* ---- the lock's page ---- */

  async function openState() {
    $('logout').hidden = false;
    show('state');
    setText('state-status', 'Reading the lock\'s state\u2026');
    await loadUpdate(); /* first: the security check's advice depends on it */
    await Promise.all([loadSecurity(), loadLock(), loadPins(), loadLog(), loadPrivacy()]);
    if (session.token) {
      setText('state-status', 'Up to date as of ' + timeText(Date.now() / 1000) + '.');
    }
  }

  /* ---- wiring ---- */

  function wire() {
    $('fatal-retry').addEventListener('click', start);
    $('welcome-start').addEventListener('click', function () { show('label'); });
    $('label-form').addEventListener('submit', submitLabel);
    $('label-back').addEventListener('click', function () { show('welcome'); });
    $('password-form').addEventListener('submit', submitPassword);
    $('new-password').addEventListener('input', countPassword);
    $('show-password').addEventListener('change', function () {
      const type = $('show-password').checked ? 'text' : 'password';
      $('new-password').type = type;
      $('confirm-password').type = type;
    });
    $('choices-form').addEventListener('submit', submitChoices);
    $('choices-skip').addEventListener('click', skipChoices);
    $('done-continue').addEventListener('click', openState);
    $('login-form').addEventListener('submit', submitLogin);
    $('logout').addEventListener('click', logout);
    $('security-refresh').addEventListener('click', loadSecurity);
    $('lock-lock').addEventListener('click', function () { setLock('lock', $('lock-lock')); });
    $('lock-unlock').addEventListener('click', function () {
      setLock('unlock', $('lock-unlock'));
    });
    $('lock-refresh').addEventListener('click', loadLock);
    $('update-install').addEventListener('click', installNow);
    $('mychoices-form').addEventListener('submit', submitMyChoices);
    $('pin-form').addEventListener('submit', submitPin);
    $('log-refresh').addEventListener('click', loadLog);
    $('export-download').addEventListener('click', downloadExport);
    $('cloud-delete').addEventListener('click', askCloudDelete);
    $('privacy-refresh').addEventListener('click', loadPrivacy);
    $('reset-open').addEventListener('click', function () { openReset(true); });
    $('reset-cancel').addEventListener('click', function () { openReset(false); });
    $('reset-form').addEventListener('submit', submitReset);
    countPassword();
  }

  document.addEventListener('DOMContentLoaded', function () {
    wire();
    start();
  });
}());
