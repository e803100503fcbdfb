/*
 * lttricks dashboard: runs, one run (live progress, curves, per-class accuracy, confusion matrix)
 * and a comparison of runs. Plain ES2020, no libraries, no build step; charts are hand-written SVG.
 *
 * API conventions (protobuf JsonFormat): int64 values arrive as strings and are read with num();
 * enums are their names; optional fields and unset messages are absent.
 */
'use strict';

(() => {

  // ------------------------------------------------------------------ formatting

  const DASH = '–';

  function esc(value) {
    return String(value ?? '').replace(/[&<>"']/g,
      c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  /** A number from a JSON value; int64 fields are strings. Missing or empty -> NaN. */
  function num(value) {
    if (value === null || value === undefined || value === '') return NaN;
    return Number(value);
  }

  function isNum(value) {
    return Number.isFinite(num(value));
  }

  /** A fraction as a percentage with 2 decimals. */
  function pct(fraction) {
    const n = num(fraction);
    return Number.isFinite(n) ? (n * 100).toFixed(2) + '%' : DASH;
  }

  /** A difference of two fractions in percentage points, signed. */
  function pp(diff) {
    const n = num(diff);
    if (!Number.isFinite(n)) return DASH;
    const v = n * 100;
    return (v > 0 ? '+' : v < 0 ? '−' : '±') + Math.abs(v).toFixed(2) + ' pp';
  }

  function fmtLoss(value) {
    const n = num(value);
    return Number.isFinite(n) ? n.toPrecision(4) : DASH;
  }

  function fmtLr(value) {
    const n = num(value);
    if (!Number.isFinite(n)) return DASH;
    if (n === 0) return '0';
    if (Math.abs(n) < 1e-3) return n.toExponential(2).replace(/\.?0+e/, 'e');
    return String(Number(n.toPrecision(4)));
  }

  function fmtInt(value) {
    const n = num(value);
    return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : DASH;
  }

  function fmtRate(value) {
    const n = num(value);
    return Number.isFinite(n) && n > 0 ? n.toFixed(1) : DASH;
  }

  const pad2 = n => String(n).padStart(2, '0');

  /** Epoch milliseconds (string or number) as local YYYY-MM-DD HH:MM. */
  function fmtTime(ms) {
    const n = num(ms);
    if (!(n > 0)) return DASH;
    const d = new Date(n);
    return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  }

  function fmtDuration(seconds) {
    const n = num(seconds);
    if (!Number.isFinite(n) || n < 0) return DASH;
    const s = Math.round(n);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${pad2(s % 60)}s`;
    return `${Math.floor(s / 3600)}h ${pad2(Math.floor((s % 3600) / 60))}m`;
  }

  /** RUN_SUCCEEDED / STAGE_RUNNING -> succeeded / running. */
  function phaseName(phase) {
    return String(phase || '').replace(/^(RUN|STAGE)_/, '').toLowerCase() || 'unknown';
  }

  function badge(phase, id) {
    const name = phaseName(phase);
    return `<span class="badge phase-${esc(name)}"${id ? ` id="${id}"` : ''}>${esc(name)}</span>`;
  }

  const isActive = phase => phase === 'RUN_QUEUED' || phase === 'RUN_RUNNING';
  const enc = encodeURIComponent;
  const basename = key => String(key).split('/').pop();

  /** JSON.parse that also accepts the NaN / Infinity some writers put into reports (read as null). */
  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return JSON.parse(text.replace(/(?<=[:[,]\s*)-?(?:NaN|Infinity)(?=\s*[,\]}])/g, 'null'));
    }
  }

  // ------------------------------------------------------------------ API

  class AuthRequired extends Error {}

  async function api(path, options = {}) {
    const headers = { Accept: 'application/json' };
    if (options.body) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method: options.method || 'GET', body: options.body, headers, credentials: 'same-origin' });
    } catch (e) {
      throw new Error('The server cannot be reached.');
    }
    if (res.status === 401 && !options.noLoginRedirect) {
      requireLogin();
      throw new AuthRequired('sign in');
    }
    const text = await res.text();
    let body = null;
    if (text) {
      try { body = parseJson(text); } catch (e) { body = null; }
    }
    if (!res.ok) {
      const err = new Error((body && body.error) || `${res.status} ${res.statusText || 'error'}`);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  const fileUrl = (runId, key) => `api/runs/${enc(runId)}/file?key=${enc(key)}`;

  /** A result file as text, or null when it is not stored (yet). */
  async function fetchFile(runId, key) {
    let res;
    try {
      res = await fetch(fileUrl(runId, key), { credentials: 'same-origin' });
    } catch (e) {
      throw new Error('The server cannot be reached.');
    }
    if (res.status === 401) {
      requireLogin();
      throw new AuthRequired('sign in');
    }
    if (res.status === 404) return null;
    if (!res.ok) {
      let message = `${res.status} ${res.statusText || 'error'}`;
      try { message = JSON.parse(await res.text()).error || message; } catch (e) { /* keep the status */ }
      throw new Error(message);
    }
    return res.text();
  }

  /** report.json / history.jsonl of a stage result: {data} or {missing: sentence}. */
  async function loadStageFiles(runId, result) {
    const keys = (result && result.fileKeys) || [];
    const reportKey = keys.find(k => k.endsWith('report.json'));
    const historyKey = keys.find(k => k.endsWith('history.jsonl'));
    const load = async (key, what, parse) => {
      if (!key) return { missing: `This stage lists no ${what}.` };
      try {
        const text = await fetchFile(runId, key);
        if (text === null) return { missing: `The ${what} is not stored yet.` };
        return { data: parse(text) };
      } catch (e) {
        if (e instanceof AuthRequired) throw e;
        return { missing: `The ${what} could not be read: ${e.message}` };
      }
    };
    const [report, history] = await Promise.all([
      load(reportKey, 'report (report.json)', parseJson),
      load(historyKey, 'training history (history.jsonl)', parseHistory),
    ]);
    return { report, history };
  }

  /** history.jsonl: one object per epoch; a resumed stage may repeat epochs, the last line wins. */
  function parseHistory(text) {
    const byEpoch = new Map();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let row;
      try { row = parseJson(line); } catch (e) { continue; }
      const epoch = num(row && row.epoch);
      if (Number.isFinite(epoch)) byEpoch.set(epoch, row);
    }
    return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  }

  // ------------------------------------------------------------------ session and routing

  const main = document.getElementById('main');
  const app = { session: null, view: 0, cleanups: [], selected: new Set() };

  /** Starts a new view: stops the previous one's timers and event streams. */
  function newView() {
    for (const stop of app.cleanups) {
      try { stop(); } catch (e) { /* already stopped */ }
    }
    app.cleanups = [];
    hideTooltip();
    return ++app.view;
  }

  const alive = token => token === app.view;

  /** Runs fn now and then every ms while the view lives (no overlap: the next run waits for this one). */
  function poll(token, fn, intervalOf) {
    let timer = null;
    const tick = async () => {
      let ms = null;
      try { ms = await fn(); } catch (e) { if (e instanceof AuthRequired) return; ms = 10000; }
      if (alive(token) && ms) timer = setTimeout(tick, ms);
    };
    app.cleanups.push(() => clearTimeout(timer));
    return tick();
  }

  async function loadSession() {
    app.session = await api('api/session', { noLoginRedirect: true });
    renderSessionInfo();
  }

  function needsLogin() {
    const s = app.session;
    return !!(s && s.needsToken && !s.authenticated);
  }

  function requireLogin() {
    if (app.session) app.session.authenticated = false;
    renderSessionInfo();
    showLogin();
  }

  function renderSessionInfo() {
    const el = document.getElementById('session-info');
    const s = app.session;
    if (!s) { el.innerHTML = ''; return; }
    const parts = [];
    if (s.authenticated && s.role) parts.push(`<span id="session-role">${s.role === 'read' ? 'read-only' : 'full access'}</span>`);
    if (s.needsToken && s.authenticated) parts.push('<a href="#" id="signout">Sign out</a>');
    el.innerHTML = parts.join('');
    const out = document.getElementById('signout');
    if (out) {
      out.addEventListener('click', async ev => {
        ev.preventDefault();
        try { await api('api/logout', { method: 'POST', noLoginRedirect: true }); } catch (e) { /* signed out anyway */ }
        try { await loadSession(); } catch (e) { app.session = { needsToken: true, authenticated: false }; }
        requireLogin();
      });
    }
  }

  function showLogin(message) {
    newView();
    const s = app.session || {};
    const insecure = s.tls === false && !/^(localhost|127\.|\[::1\])/.test(location.hostname);
    main.innerHTML = `
      <section class="card login">
        <h1>Sign in</h1>
        <p class="muted">This server asks for an access token.</p>
        <form id="login-form" autocomplete="off">
          <input type="text" name="username" autocomplete="username" value="lttricks" hidden aria-hidden="true">
          <label for="token">Access token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required>
          <button id="login-btn" type="submit">Sign in</button>
          <p id="login-error" class="error"${message ? '' : ' hidden'}>${esc(message || '')}</p>
          ${insecure ? '<p class="small muted">This connection is not encrypted (no TLS): the token travels in clear.</p>' : ''}
        </form>
      </section>`;
    const form = document.getElementById('login-form');
    const input = document.getElementById('token');
    const button = document.getElementById('login-btn');
    const error = document.getElementById('login-error');
    input.focus();
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      button.disabled = true;
      error.hidden = true;
      try {
        await api('api/login', { method: 'POST', body: JSON.stringify({ token: input.value }), noLoginRedirect: true });
        await loadSession();
        route();
      } catch (e) {
        error.textContent = e.status === 401 ? (e.message || 'The token was refused.') : e.message;
        error.hidden = false;
        button.disabled = false;
        input.select();
      }
    });
  }

  function showError(e) {
    main.innerHTML = `<div class="card"><p class="error" id="page-error">${esc(e && e.message ? e.message : String(e))}</p>
      <p><a href="#/">Back to the runs</a></p></div>`;
  }

  async function route() {
    const token = newView();
    if (needsLogin()) { showLogin(); return; }
    const parts = (location.hash.replace(/^#\/?/, '')).split('/').filter(Boolean);
    try {
      if (parts.length === 0) {
        await renderRuns(token);
      } else if (parts[0] === 'run' && parts.length >= 2) {
        await renderRun(token, decodeURIComponent(parts.slice(1).join('/')));
      } else if (parts[0] === 'compare' && parts.length >= 2) {
        const ids = parts.slice(1).join('/').split(',').map(s => decodeURIComponent(s.trim())).filter(Boolean);
        await renderCompare(token, ids);
      } else {
        main.innerHTML = '<div class="card"><p>No such page. <a href="#/">Back to the runs</a>.</p></div>';
      }
    } catch (e) {
      if (!(e instanceof AuthRequired) && alive(token)) showError(e);
    }
  }

  async function boot() {
    window.addEventListener('hashchange', route);
    try {
      await loadSession();
    } catch (e) {
      showError(new Error(`The dashboard cannot reach its server: ${e.message}`));
      return;
    }
    route();
  }

  // ------------------------------------------------------------------ shared pieces

  /** The last stage of a run that has metrics, or null. */
  function lastEvaluatedStage(run) {
    const stages = (run && run.stages) || [];
    for (let i = stages.length - 1; i >= 0; i--) if (stages[i].metrics) return stages[i];
    return null;
  }

  /** The last stage result that has metrics, or null. */
  function lastResult(results) {
    const list = (results && results.stages) || [];
    for (let i = list.length - 1; i >= 0; i--) if (list[i].metrics) return list[i];
    return null;
  }

  function stageProgress(stage) {
    const done = num(stage.done), total = num(stage.total);
    if (!(total > 0)) return Number.isFinite(done) && done > 0 ? String(done) : DASH;
    return `${Number.isFinite(done) ? done : 0}/${total} ${stage.type === 'cam' ? 'shards' : 'epochs'}`;
  }

  function stageDuration(stage) {
    const start = num(stage.startedMs), end = num(stage.finishedMs);
    if (!(start > 0)) return DASH;
    if (end > 0) return fmtDuration((end - start) / 1000);
    return stage.phase === 'STAGE_RUNNING' ? fmtDuration((Date.now() - start) / 1000) + ' so far' : DASH;
  }

  /** Shot band by training images per class: many > 100, 20 <= medium <= 100, few < 20. */
  function bandOf(trainCount) {
    if (!Number.isFinite(trainCount)) return null;
    return trainCount > 100 ? 'many' : trainCount >= 20 ? 'medium' : 'few';
  }

  const BANDS = {
    many: { label: 'Many-shot', rule: '>100 train', fill: '#e6eef8', line: '#2f5f98' },
    medium: { label: 'Medium-shot', rule: '20–100', fill: '#fbf1df', line: '#9a6700' },
    few: { label: 'Few-shot', rule: '<20', fill: '#f8e4e4', line: '#b3261e' },
  };

  /** Per-class rows {name, train, test, acc} from a report, or from the metrics when there is none. */
  function classRows(report, metrics) {
    const source = report && Array.isArray(report.classes) ? report : metrics;
    if (!source || !Array.isArray(source.classes)) return [];
    const acc = source.perClassAccuracy || [];
    return source.classes.map((name, i) => ({
      name: String(name),
      index: i,
      train: num(report && report.trainCounts ? report.trainCounts[i] : NaN),
      test: num(report && report.testCounts ? report.testCounts[i] : NaN),
      acc: num(acc[i]),
    }));
  }

  /** Classes by training count, most first; a stable sort keeps the report's order among equals. */
  function byTrainCount(rows) {
    if (!rows.every(r => Number.isFinite(r.train))) return rows.slice();
    return rows.slice().sort((a, b) => (b.train - a.train) || (a.index - b.index));
  }

  function shotValue(metrics, report, band) {
    const key = band + 'Shot';
    if (metrics && isNum(metrics[key])) return num(metrics[key]);
    if (report && isNum(report[key])) return num(report[key]);
    return NaN;
  }

  function fileLinks(runId, result) {
    const keys = (result && result.fileKeys) || [];
    const items = keys.map(k => `<li><a class="file-link" data-key="${esc(k)}" href="${esc(fileUrl(runId, k))}" target="_blank" rel="noopener" title="${esc(k)}">${esc(basename(k))}</a></li>`);
    // The checkpoint is served to a token of role 'all' only (or to anyone where no token is needed).
    const mayDownload = app.session && (app.session.role === 'all' || !app.session.needsToken);
    if (result && result.checkpointKey && mayDownload) {
      items.push(`<li><a class="file-link checkpoint-link" data-key="${esc(result.checkpointKey)}" href="${esc(fileUrl(runId, result.checkpointKey))}" download title="${esc(result.checkpointKey)}">${esc(basename(result.checkpointKey))}</a> <span class="muted small">(checkpoint)</span></li>`);
    }
    return items.length ? `<ul class="files">${items.join('')}</ul>` : '<p class="muted">No files listed.</p>';
  }

  // ------------------------------------------------------------------ page: runs

  async function renderRuns(token) {
    main.innerHTML = `
      <div class="page-head">
        <div><h1>Runs</h1><div class="sub" id="runs-sub">Newest first.</div></div>
        <div class="actions"><button id="compare-btn" type="button" disabled>Compare selected</button></div>
      </div>
      <div id="runs-body"><p class="muted">Loading runs…</p></div>
      <p id="runs-refresh" class="small muted"></p>`;
    const body = document.getElementById('runs-body');
    const button = document.getElementById('compare-btn');
    const refreshNote = document.getElementById('runs-refresh');
    let lastHtml = null;
    let ids = [];

    const updateButton = () => {
      button.disabled = app.selected.size < 2;
      button.textContent = app.selected.size >= 2 ? `Compare selected (${app.selected.size})` : 'Compare selected';
    };
    body.addEventListener('change', ev => {
      const box = ev.target.closest('input.select-run');
      if (!box) return;
      if (box.checked) app.selected.add(box.value); else app.selected.delete(box.value);
      updateButton();
    });
    button.addEventListener('click', () => {
      // The order of selection: the first run checked is the reference of the comparison.
      const chosen = [...app.selected].filter(id => ids.includes(id));
      if (chosen.length >= 2) location.hash = '#/compare/' + chosen.map(enc).join(',');
    });

    await poll(token, async () => {
      let data;
      try {
        data = await api('api/runs');
      } catch (e) {
        if (e instanceof AuthRequired) throw e;
        if (!alive(token)) return null;
        if (lastHtml === null) body.innerHTML = `<p class="error">The runs could not be loaded: ${esc(e.message)}</p>`;
        else refreshNote.textContent = `Refresh failed (${e.message}); trying again.`;
        return 10000;
      }
      if (!alive(token)) return null;
      const runs = (data && data.runs) || [];
      ids = runs.map(r => r.runId);
      for (const id of [...app.selected]) if (!ids.includes(id)) app.selected.delete(id);
      const html = runs.length ? runsTable(runs) : `
        <div class="card" id="runs-empty"><p>No runs yet. Start one with <code>lt submit recipes/pipeline_demo.yaml</code>
        (against running services, <code>lt up</code>) or <code>lt run recipes/pipeline_demo.yaml</code>; it appears here.</p></div>`;
      // Replace the table only when something changed, so a refresh neither flickers nor loses a selection.
      if (html !== lastHtml) {
        body.innerHTML = html;
        lastHtml = html;
      }
      updateButton();
      const active = runs.some(r => isActive(r.phase));
      refreshNote.textContent = active ? 'Refreshing every 5 s while a run is queued or running.' : '';
      return active ? 5000 : runs.length ? 30000 : 10000;
    });
  }

  function runsTable(runs) {
    const rows = runs.map(run => {
      const id = run.runId || '';
      const stages = run.stages || [];
      const succeeded = stages.filter(s => s.phase === 'STAGE_SUCCEEDED').length;
      const current = stages.find(s => s.phase === 'STAGE_RUNNING');
      let progress = `${succeeded}/${stages.length} stages`;
      if (current) {
        const unit = current.type === 'cam' ? 'shard' : 'epoch';
        progress += ` <span class="muted">· ${esc(current.name)}</span> ${unit} ${isNum(current.done) ? num(current.done) : 0}/${isNum(current.total) ? num(current.total) : '?'}`;
      }
      const evaluated = lastEvaluatedStage(run);
      const m = evaluated ? evaluated.metrics : null;
      const dead = (run.deadLetters || []).length;
      return `
        <tr data-run-id="${esc(id)}">
          <td><input type="checkbox" class="select-run" value="${esc(id)}" aria-label="select ${esc(run.name || id)}"${app.selected.has(id) ? ' checked' : ''}></td>
          <td class="wrap"><a class="run-link" href="#/run/${esc(enc(id))}">${esc(run.name || id)}</a></td>
          <td class="mono">${esc(id)}</td>
          <td>${badge(run.phase)}${dead ? ` <span class="small error" title="dead letters">${dead} dead</span>` : ''}</td>
          <td class="progress-cell">${progress}</td>
          <td class="num top1" title="${evaluated ? esc('stage ' + evaluated.name) : ''}">${m ? pct(m.top1Error) : DASH}</td>
          <td class="num many">${m ? pct(m.manyShot) : DASH}</td>
          <td class="num medium">${m ? pct(m.mediumShot) : DASH}</td>
          <td class="num few">${m ? pct(m.fewShot) : DASH}</td>
          <td class="num">${fmtTime(run.submittedMs)}</td>
          <td class="num">${fmtTime(run.updatedMs)}</td>
        </tr>`;
    });
    return `
      <div class="table-wrap">
        <table class="data" id="runs-table">
          <thead><tr>
            <th></th><th>Name</th><th>Run id</th><th>Phase</th><th>Progress</th>
            <th class="num">Top-1 error</th><th class="num">Many</th><th class="num">Medium</th><th class="num">Few</th>
            <th class="num">Submitted</th><th class="num">Updated</th>
          </tr></thead>
          <tbody>${rows.join('')}</tbody>
        </table>
      </div>`;
  }

  // ------------------------------------------------------------------ page: one run

  async function renderRun(token, runId) {
    main.innerHTML = '<p class="muted">Loading the run…</p>';
    let results;
    try {
      results = await api(`api/runs/${enc(runId)}`);
    } catch (e) {
      if (e instanceof AuthRequired || !alive(token)) throw e;
      if (e.status === 404) throw new Error(`No run with id ${runId}.`);
      throw e;
    }
    if (!alive(token)) return;
    main.innerHTML = `
      <div id="run-head"></div>
      <section class="card" id="live" hidden></section>
      <section class="card" id="stages"><h2>Stages</h2><div id="stages-body"></div></section>
      <div id="stage-sections"></div>
      <section class="card" id="dead-letters"><h2>Dead letters</h2><div id="dead-letters-body"></div></section>
      <section class="card"><details id="recipe"><summary>Recipe</summary><pre class="recipe" id="recipe-json"></pre></details></section>`;

    let sectionsSig = null;
    let live = null;

    const show = res => {
      const run = (res && res.run) || {};
      renderRunHead(run);
      document.getElementById('stages-body').innerHTML = stagesTable(run);
      document.getElementById('dead-letters-body').innerHTML = deadLettersTable(run);
      const recipe = document.getElementById('recipe-json');
      const recipeText = run.recipe ? JSON.stringify(run.recipe, null, 2) : 'No recipe recorded.';
      if (recipe.textContent !== recipeText) recipe.textContent = recipeText;
      // The stage sections fetch files and hold zoom state: redraw them only when what they show changed.
      const sig = sectionsSignature(res);
      if (sig !== sectionsSig) {
        sectionsSig = sig;
        renderStageSections(token, runId, res);
      }
      if (isActive(run.phase) && !live) live = startLive(token, runId, run, () => reload());
      if (live) live.update(run);
    };

    let reloading = null;
    const reload = () => {
      // Coalesce the reloads that a burst of events asks for.
      if (!reloading) {
        reloading = setTimeout(async () => {
          reloading = null;
          try {
            const res = await api(`api/runs/${enc(runId)}`);
            if (alive(token)) show(res);
          } catch (e) { /* the poll below tries again */ }
        }, 300);
      }
    };
    app.cleanups.push(() => clearTimeout(reloading));

    show(results);
    // Events drive the live panel; this slower poll keeps the page right if the stream is cut.
    if (isActive(results.run && results.run.phase)) {
      const timer = setTimeout(() => poll(token, async () => {
        const res = await api(`api/runs/${enc(runId)}`);
        if (!alive(token)) return null;
        show(res);
        return isActive(res.run && res.run.phase) ? 10000 : null;
      }), 10000);
      app.cleanups.push(() => clearTimeout(timer));
    }
  }

  function renderRunHead(run) {
    const failed = run.phase === 'RUN_FAILED';
    // A services run lives in a bucket; a run directory of lt train (lt dashboard) has only a path.
    const storage = run.bucket ? `s3://${run.bucket}/${run.prefix || ''}` : (run.prefix || '');
    const storageLabel = run.bucket ? 'Storage' : 'Directory';
    document.getElementById('run-head').innerHTML = `
      <div class="page-head">
        <div>
          <h1 id="run-name">${esc(run.name || run.runId)}</h1>
          <div class="sub">
            <span>Run <code id="run-id">${esc(run.runId)}</code></span>
            ${badge(run.phase, 'run-phase')}
          </div>
        </div>
        <div class="actions"><a href="#/">All runs</a></div>
      </div>
      <div class="card">
        <dl class="meta">
          <dt>Submitted</dt><dd id="run-submitted">${fmtTime(run.submittedMs)}</dd>
          <dt>Updated</dt><dd id="run-updated">${fmtTime(run.updatedMs)}</dd>
          ${storage ? `<dt>${storageLabel}</dt><dd><code>${esc(storage)}</code></dd>` : ''}
          ${run.requestId ? `<dt>Request id</dt><dd><code>${esc(run.requestId)}</code></dd>` : ''}
        </dl>
        ${run.message ? `<p id="run-message" class="message${failed ? ' failed' : ''}">${esc(run.message)}</p>` : ''}
      </div>`;
  }

  function stagesTable(run) {
    const stages = run.stages || [];
    if (!stages.length) return '<p class="muted">This run has no stages.</p>';
    const rows = stages.map(s => `
      <tr data-stage-row="${esc(s.name)}">
        <td>${esc(s.name)}</td>
        <td>${esc(s.type)}</td>
        <td>${badge(s.phase)}</td>
        <td class="num">${esc(stageProgress(s))}</td>
        <td class="num">${s.metrics ? pct(s.metrics.top1Error) : DASH}</td>
        <td>${esc(s.worker || DASH)}</td>
        <td class="num">${stageDuration(s)}</td>
        <td class="wrap small">${esc(s.message || '')}</td>
      </tr>`);
    return `<div class="table-wrap"><table class="data" id="stages-table">
      <thead><tr><th>Stage</th><th>Type</th><th>Phase</th><th class="num">Done / total</th><th class="num">Top-1 error</th>
      <th>Worker</th><th class="num">Duration</th><th>Message</th></tr></thead>
      <tbody>${rows.join('')}</tbody></table></div>`;
  }

  function deadLettersTable(run) {
    const list = run.deadLetters || [];
    if (!list.length) return '<p class="none muted">none</p>';
    const rows = list.map(d => `
      <tr>
        <td class="num">${fmtTime(d.timeMs)}</td>
        <td>${esc(d.stage || DASH)}</td>
        <td class="mono">${esc(d.topic)}/${esc(num(d.partition) || 0)}/${esc(d.offset ?? '0')}</td>
        <td>${esc(d.cause || DASH)}</td>
        <td class="wrap">${esc(d.reason || '')}</td>
        <td>${esc(d.worker || DASH)}</td>
      </tr>`);
    return `<div class="table-wrap"><table class="data compact" id="dead-letters-table">
      <thead><tr><th class="num">Time</th><th>Stage</th><th>Topic / partition / offset</th><th>Cause</th><th>Reason</th><th>Worker</th></tr></thead>
      <tbody>${rows.join('')}</tbody></table></div>`;
  }

  function sectionsSignature(res) {
    const run = (res && res.run) || {};
    return JSON.stringify([
      [...(res.stages || []), ...(res.camStages || [])].map(r => [r.stage, (r.fileKeys || []).join('|'), !!r.metrics]),
      (run.stages || []).map(s => [s.name, s.type, s.phase, !!s.metrics, s.type === 'cam' ? [s.done, s.total] : 0]),
    ]);
  }

  function renderStageSections(token, runId, res) {
    const container = document.getElementById('stage-sections');
    const run = res.run || {};
    const stages = run.stages || [];
    // Evaluated stages, and CAM stages with their preview (RunResults.camStages).
    const results = [...(res.stages || []), ...(res.camStages || [])];
    const resultOf = name => results.find(r => r.stage === name);
    const parts = [];
    const fills = [];

    stages.forEach(stage => {
      const result = resultOf(stage.name);
      const metrics = (result && result.metrics) || stage.metrics;
      const title = `<h2 class="stage-title">Stage ${esc(stage.name)} <span class="muted">${esc(stage.type)} · ${esc(phaseName(stage.phase))}</span></h2>`;
      if (stage.type === 'cam') {
        const preview = result && (result.fileKeys || []).find(k => k.endsWith('preview.png'));
        const body = preview
          ? `<h3>CAM previews</h3><div class="cam-preview-box"><img class="cam-preview" alt="CAM previews of stage ${esc(stage.name)}" src="${esc(fileUrl(runId, preview))}"></div>`
          : num(stage.total) > 0 || num(stage.done) > 0
            ? `<p class="cam-shards">Shards stored: ${isNum(stage.done) ? num(stage.done) : 0}/${num(stage.total) > 0 ? num(stage.total) : '?'}${
              stage.phase === 'STAGE_SUCCEEDED' ? '; no preview image stored.' : '.'}</p>`
            : `<p class="cam-shards muted">No shards yet (${esc(phaseName(stage.phase))}).</p>`;
        parts.push(`<section class="card stage-section" data-stage="${esc(stage.name)}" data-type="cam">${title}${body}
          ${result ? `<h3>Files</h3>${fileLinks(runId, result)}` : ''}</section>`);
        return;
      }
      if (!metrics) return;   // the stages table says where it stands
      const id = `stage-${parts.length}`;
      parts.push(`
        <section class="card stage-section" data-stage="${esc(stage.name)}" data-type="${esc(stage.type)}" id="${id}">
          ${title}
          <div class="headline">
            <div class="kpi"><span class="label">Top-1 error</span><span class="top1">${pct(metrics.top1Error)}</span></div>
            <div class="kpi"><span class="label">Many-shot (&gt;100)</span><span class="many">${pct(metrics.manyShot)}</span></div>
            <div class="kpi"><span class="label">Medium-shot (20–100)</span><span class="medium">${pct(metrics.mediumShot)}</span></div>
            <div class="kpi"><span class="label">Few-shot (&lt;20)</span><span class="few">${pct(metrics.fewShot)}</span></div>
            <div class="kpi"><span class="label">Test images</span><span class="images">${fmtInt(metrics.images)}</span></div>
          </div>
          <p class="small muted selection-note">${isNum(metrics.bestTestEpoch)
            ? `Best test epoch ${num(metrics.bestTestEpoch)}: ${pct(metrics.bestTestEpochTop1Error)} top-1 error (selected on test data; the headline is the final model's).`
            : ''}</p>
          <h3>Training curves</h3><div class="curves"><p class="muted">Loading…</p></div>
          <h3>Per-class accuracy</h3><div class="per-class"><p class="muted">Loading…</p></div>
          <h3>Confusion matrix</h3><div class="confusion"><p class="muted">Loading…</p></div>
          <h3>Files</h3>${fileLinks(runId, result)}
        </section>`);
      fills.push({ id, stage, result, metrics });
    });

    const none = fills.length ? '' : `<p class="card muted" id="no-evaluation">${
      isActive(run.phase) ? 'No stage of this run has been evaluated yet.' : 'No stage of this run was evaluated.'}</p>`;
    container.innerHTML = none + parts.join('');
    const gen = (container.dataset.gen = String(Number(container.dataset.gen || 0) + 1));
    const current = () => alive(token) && container.dataset.gen === gen;
    for (const f of fills) fillStageSection(current, runId, f).catch(e => {
      if (e instanceof AuthRequired || !current()) return;
      const section = document.getElementById(f.id);
      if (section) section.insertAdjacentHTML('beforeend', `<p class="error">${esc(e.message)}</p>`);
    });
  }

  async function fillStageSection(current, runId, { id, result, metrics }) {
    const { report, history } = await loadStageFiles(runId, result);
    if (!current()) return;
    const section = document.getElementById(id);
    if (!section) return;
    const rep = report.data;

    // Headline values the metrics lack (a band the metrics leave out) come from the report.
    for (const band of ['many', 'medium', 'few']) {
      const el = section.querySelector('.' + band);
      if (el && el.textContent === DASH) el.textContent = pct(shotValue(metrics, rep, band));
    }
    if (rep && rep.modelSelection) {
      const note = section.querySelector('.selection-note');
      note.textContent = `Model: ${rep.modelSelection}. ${note.textContent}`.trim();
    }

    const curves = section.querySelector('.curves');
    if (history.data && history.data.length) trainingCurves(curves, history.data);
    else curves.innerHTML = `<p class="muted">${esc(history.missing || 'The training history has no epochs yet.')}</p>`;

    const perClass = section.querySelector('.per-class');
    const rows = classRows(rep, metrics);
    if (rows.length) {
      perClassChart(perClass, byTrainCount(rows), rep, metrics);
      if (!rep) perClass.insertAdjacentHTML('afterbegin', `<p class="small muted">${esc(report.missing)} Training counts are unknown, so no shot bands.</p>`);
    } else {
      perClass.innerHTML = `<p class="muted">${esc(report.missing || 'The report has no per-class accuracy.')}</p>`;
    }

    const confusion = section.querySelector('.confusion');
    if (rep && Array.isArray(rep.confusion) && rep.confusion.length && Array.isArray(rep.classes)) {
      confusionChart(confusion, rep.classes.map(String), rep.confusion);
    } else {
      confusion.innerHTML = `<p class="muted">${esc(report.missing || 'The report has no confusion matrix.')}</p>`;
    }
  }

  // ------------------------------------------------------------------ live progress

  /** The live panel: an EventSource on the run's events while it is queued or running. */
  function startLive(token, runId, run, reload) {
    const panel = document.getElementById('live');
    panel.hidden = false;
    panel.innerHTML = `
      <h2>Live progress</h2>
      <div class="live-grid">
        <div><span class="label">Stage</span><span class="value" id="live-stage">${DASH}</span></div>
        <div><span class="label">Epoch</span><span class="value" id="live-epoch">${DASH}</span></div>
        <div><span class="label">Batch</span><span class="value" id="live-batch">${DASH}</span></div>
        <div><span class="label">Loss</span><span class="value" id="live-loss">${DASH}</span></div>
        <div><span class="label">Train accuracy</span><span class="value" id="live-acc">${DASH}</span></div>
        <div><span class="label">Learning rate</span><span class="value" id="live-lr">${DASH}</span></div>
        <div><span class="label">Images / s</span><span class="value" id="live-ips">${DASH}</span></div>
        <div><span class="label">ETA</span><span class="value" id="live-eta">${DASH}</span></div>
      </div>
      <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" id="live-progress"><div id="live-bar"></div></div>
      <p id="live-note" class="small muted"></p>`;
    const $ = id => document.getElementById(id);
    const set = (id, text) => { const el = $(id); if (el) el.textContent = text; };
    const setBar = fraction => {
      const p = Math.max(0, Math.min(1, fraction)) * 100;
      $('live-bar').style.width = p.toFixed(1) + '%';
      $('live-progress').setAttribute('aria-valuenow', p.toFixed(0));
    };
    let sawProgress = false;
    let ended = false;

    // Until the first event, show what the run's status says about its running stage.
    const update = status => {
      if (!isActive(status.phase)) {
        finish(status.phase);
        return;
      }
      if (sawProgress) return;
      const stage = (status.stages || []).find(s => s.phase === 'STAGE_RUNNING')
        || (status.stages || []).find(s => s.phase === 'STAGE_QUEUED');
      if (!stage) { set('live-note', status.phase === 'RUN_QUEUED' ? 'The run is queued.' : ''); return; }
      const done = num(stage.done), total = num(stage.total);
      set('live-stage', stage.name);
      if (stage.type === 'cam') {
        set('live-note', `Generating images: shard ${Number.isFinite(done) ? done : 0}/${total > 0 ? total : '?'} stored.`);
      } else if (total > 0) {
        set('live-epoch', `epoch ${Number.isFinite(done) ? done : 0}/${total}`);
      }
      if (total > 0) setBar((done || 0) / total);
      if (stage.type !== 'cam') {
        if (num(stage.loss) > 0) set('live-loss', fmtLoss(stage.loss));
        if (num(stage.lr) > 0) set('live-lr', fmtLr(stage.lr));
        set('live-ips', fmtRate(stage.imagesPerSecond));
        if (num(stage.etaSeconds) > 0) set('live-eta', fmtDuration(stage.etaSeconds));
      }
      if (stage.phase === 'STAGE_QUEUED') set('live-note', `Stage ${stage.name} is queued for a worker.`);
    };

    const finish = phase => {
      if (ended) return;
      ended = true;
      source.close();
      set('live-note', `The run has ended: ${phaseName(phase)}.`);
    };

    const onEvent = e => {
      const stage = e.stage || '';
      if (e.progress) {
        const p = e.progress;
        sawProgress = true;
        const epoch = num(p.epoch) || 0, epochs = num(p.epochs) || 0;
        const batch = num(p.batch) || 0, batches = num(p.batches) || 0;
        set('live-stage', stage);
        set('live-epoch', `epoch ${epoch}/${epochs}`);
        set('live-batch', batches > 0 ? `${batch}/${batches}` : DASH);
        set('live-loss', fmtLoss(p.loss));
        set('live-acc', pct(p.accuracy));
        set('live-lr', fmtLr(p.lr));
        set('live-ips', fmtRate(p.imagesPerSecond));
        set('live-eta', num(p.etaSeconds) > 0 ? fmtDuration(p.etaSeconds) : DASH);
        if (epochs > 0) setBar(p.epochEnd ? epoch / epochs : (epoch - 1 + (batches > 0 ? batch / batches : 0)) / epochs);
        set('live-note', num(p.waitingForEpoch) > 0
          ? `Waiting for the sampler's order of epoch ${num(p.waitingForEpoch)}.`
          : p.epochEnd ? `Epoch ${epoch} done.` : '');
        if (p.epochEnd) reload();   // the stages table shows epochs done
      } else if (e.started) {
        set('live-stage', stage);
        const resumed = num(e.started.resumedAfterEpoch) > 0 ? `, resumed after epoch ${num(e.started.resumedAfterEpoch)}` : '';
        set('live-note', `Stage ${stage} started on ${e.started.worker || 'a worker'}${resumed}.`);
        reload();
      } else if (e.shard) {
        const s = e.shard;
        set('live-stage', stage);
        set('live-note', `Shard ${num(s.shard) + 1 || '?'} of ${num(s.shards) || '?'} stored (${fmtInt(s.images)} images).`);
        if (num(s.shards) > 0) setBar((num(s.shard) + 1) / num(s.shards));
      } else if (e.checkpoint) {
        set('live-note', `Checkpoint of epoch ${num(e.checkpoint.epoch)} saved.`);
      } else if (e.queued) {
        set('live-note', `Stage ${stage} queued.`);
        reload();
      } else if (e.datasetProgress) {
        const d = e.datasetProgress;
        const total = num(d.total), done = num(d.done);
        const amount = d.unit === 'B' ? `${(done / 1048576).toFixed(1)}${total > 0 ? '/' + (total / 1048576).toFixed(1) : ''} MiB`
          : `${fmtInt(done)}${total > 0 ? '/' + fmtInt(total) : ''} ${d.unit || ''}`;
        set('live-note', d.note ? `Data set: ${d.note}` : `Data set: ${d.task || 'preparing'} ${amount}`);
        if (total > 0) setBar(done / total);
      } else if (e.dataset) {
        set('live-note', `Data set ready: ${(e.dataset.classes || []).length} classes.`);
      } else if (e.completed || e.evaluation || e.failed || e.deadLetter || e.cancel) {
        if (e.failed) set('live-note', `Stage ${stage} failed: ${e.failed.reason || ''}`);
        else if (e.evaluation) set('live-note', `Stage ${stage} evaluated: ${pct(e.evaluation.metrics && e.evaluation.metrics.top1Error)} top-1 error.`);
        else if (e.completed) set('live-note', `Stage ${stage} completed.`);
        else if (e.cancel) set('live-note', 'Cancellation requested.');
        reload();
      } else if (e.finished) {
        finish(e.finished.phase);
        reload();
      }
    };

    const source = new EventSource(`api/runs/${enc(runId)}/events?fromNow=true`);
    source.addEventListener('run', ev => {
      let e;
      try { e = JSON.parse(ev.data); } catch (err) { return; }
      if (alive(token) && e) onEvent(e);
    });
    source.addEventListener('end', () => {
      source.close();
      if (alive(token)) reload();
    });
    source.addEventListener('error', async () => {
      // The browser reconnects by itself unless the server refused the stream (a 401, say).
      if (source.readyState !== EventSource.CLOSED || ended || !alive(token)) return;
      try {
        await loadSession();
        if (needsLogin()) requireLogin();
      } catch (e) { /* the poll keeps the page current */ }
    });
    app.cleanups.push(() => source.close());
    update(run);
    return { update };
  }

  // ------------------------------------------------------------------ page: compare

  async function renderCompare(token, ids) {
    if (ids.length < 2) {
      main.innerHTML = '<div class="card"><p>Pick two or more runs to compare on the <a href="#/">runs page</a>.</p></div>';
      return;
    }
    main.innerHTML = '<p class="muted">Loading the runs…</p>';
    const loaded = await Promise.all(ids.map(async id => {
      try {
        const res = await api(`api/runs/${enc(id)}`);
        const result = lastResult(res);
        const files = result ? await loadStageFiles(id, result) : { report: {}, history: {} };
        return { id, res, run: res.run || {}, result, report: files.report.data || null, history: files.history.data || null, files };
      } catch (e) {
        if (e instanceof AuthRequired) throw e;
        return { id, error: e.status === 404 ? `No run with id ${id}.` : e.message };
      }
    }));
    if (!alive(token)) return;
    const failed = loaded.filter(r => r.error);
    const runs = loaded.filter(r => !r.error);
    const problems = failed.length
      ? `<div class="card">${failed.map(r => `<p class="error">${esc(r.error)}</p>`).join('')}</div>` : '';
    if (runs.length < 2) {
      main.innerHTML = `${problems}<div class="card"><p>Fewer than two of these runs could be loaded: nothing to compare. <a href="#/">Back to the runs</a>.</p></div>`;
      return;
    }
    const colours = runs.map((r, i) => PALETTE[i % PALETTE.length]);
    runs.forEach((r, i) => { r.colour = colours[i]; r.label = r.run.name || r.id; });
    // Two runs may share a name (seeds of one recipe): tell them apart by id.
    const names = runs.map(r => r.label);
    runs.forEach(r => { if (names.filter(n => n === r.label).length > 1) r.label = `${r.label} (${r.id})`; });

    main.innerHTML = `
      <div class="page-head">
        <div><h1>Compare ${runs.length} runs</h1><div class="sub">Each run's last evaluated stage; differences against the first run.</div></div>
        <div class="actions"><a href="#/">All runs</a></div>
      </div>
      ${problems}
      <section class="card"><h2>Headline</h2><div id="compare-headline"></div></section>
      <section class="card"><h2>Curves</h2><div id="compare-curves"></div></section>
      <section class="card"><h2>Per-class differences</h2><div id="class-diff"></div></section>
      <section class="card"><h2>Recipe differences</h2><div id="recipe-diff"></div></section>`;

    document.getElementById('compare-headline').innerHTML = compareHeadline(runs);
    compareCurves(document.getElementById('compare-curves'), runs);
    compareClasses(document.getElementById('class-diff'), runs);
    document.getElementById('recipe-diff').innerHTML = recipeDiff(runs);
  }

  const PALETTE = ['#1f5fa8', '#d1603d', '#2e8b57', '#8e44ad', '#c49a00', '#17a2b8', '#6c757d', '#e83e8c'];

  function compareHeadline(runs) {
    const metric = (r, key) => {
      const m = r.result && r.result.metrics;
      if (!m) return NaN;
      if (key === 'top1Error') return num(m.top1Error);
      return shotValue(m, r.report, key.replace('Shot', ''));
    };
    const cols = [
      { key: 'top1Error', cls: 'top1', better: Math.min },
      { key: 'manyShot', cls: 'many', better: Math.max },
      { key: 'mediumShot', cls: 'medium', better: Math.max },
      { key: 'fewShot', cls: 'few', better: Math.max },
    ];
    for (const c of cols) {
      const values = runs.map(r => metric(r, c.key)).filter(Number.isFinite);
      c.best = values.length > 1 ? c.better(...values) : NaN;
    }
    const rows = runs.map(r => {
      const cells = cols.map(c => {
        const v = metric(r, c.key);
        const best = Number.isFinite(v) && v === c.best;
        return `<td class="num ${c.cls}${best ? ' best' : ''}">${best ? `<strong>${pct(v)}</strong>` : pct(v)}</td>`;
      });
      return `<tr data-run-id="${esc(r.id)}">
        <td><span class="swatch" style="background:${r.colour}"></span></td>
        <td class="wrap"><a href="#/run/${esc(enc(r.id))}">${esc(r.run.name || r.id)}</a></td>
        <td class="mono">${esc(r.id)}</td>
        <td>${badge(r.run.phase)}</td>
        <td>${r.result ? esc(r.result.stage) : '<span class="muted">none evaluated</span>'}</td>
        ${cells.join('')}
      </tr>`;
    });
    return `<div class="table-wrap"><table class="data" id="compare-table">
      <thead><tr><th></th><th>Name</th><th>Run id</th><th>Phase</th><th>Stage</th>
      <th class="num">Top-1 error</th><th class="num">Many</th><th class="num">Medium</th><th class="num">Few</th></tr></thead>
      <tbody>${rows.join('')}</tbody></table></div>
      <p class="small muted">Best of each column in bold (lowest error, highest accuracy).</p>`;
  }

  function compareCurves(container, runs) {
    const withHistory = runs.filter(r => r.history && r.history.length);
    const missing = runs.filter(r => !(r.history && r.history.length))
      .map(r => `${esc(r.label)}: ${esc((r.files && r.files.history && r.files.history.missing) || 'no evaluated stage')}`);
    if (!withHistory.length) {
      container.innerHTML = `<p class="muted">No training history to draw. ${missing.join('; ')}</p>`;
      return;
    }
    const series = key => withHistory.map(r => ({
      label: r.label,
      colour: r.colour,
      points: r.history.filter(h => isNum(h[key])).map(h => [num(h.epoch), num(h[key])]),
      markers: key === 'testError',
    }));
    const legend = `<div class="legend">${withHistory.map(r =>
      `<span><span class="swatch line-swatch" style="background:${r.colour}"></span>${esc(r.label)} <span class="muted">(${esc(r.result.stage)})</span></span>`).join('')}</div>`;
    container.innerHTML = legend + '<div class="curves-host"></div>' +
      (missing.length ? `<p class="small muted">${missing.join('; ')}</p>` : '');
    curvePanels(container.querySelector('.curves-host'), [
      { title: 'Test error', format: 'pct', series: series('testError'), emptyNote: 'no evaluated epochs' },
      { title: 'Loss', format: 'loss', series: series('loss') },
    ]);
  }

  function accuracyMap(r) {
    const rows = classRows(r.report, r.result && r.result.metrics);
    return new Map(rows.map(row => [row.name, row]));
  }

  function compareClasses(container, runs) {
    const first = runs[0];
    const base = classRows(first.report, first.result && first.result.metrics);
    if (!base.length) {
      container.innerHTML = `<p class="muted">The first run (${esc(first.label)}) has no per-class accuracy yet.</p>`;
      return;
    }
    const maps = runs.map(accuracyMap);
    const others = runs.slice(1);
    const head = `<tr><th>Class</th><th class="num">Train images</th>${runs.map(r =>
      `<th class="num"><span class="swatch" style="background:${r.colour}"></span>${esc(r.label)}</th>`).join('')}${
      others.map(r => `<th class="num">Δ ${esc(r.label)}</th>`).join('')}</tr>`;
    const rows = base.map(c => {
      const accs = maps.map(m => (m.get(c.name) ? m.get(c.name).acc : NaN));
      const diffs = accs.slice(1).map(a => a - accs[0]);
      return `<tr data-class="${esc(c.name)}"><td>${esc(c.name)}</td><td class="num">${fmtInt(c.train)}</td>${
        accs.map((a, i) => `<td class="num acc" data-run="${esc(runs[i].id)}">${pct(a)}</td>`).join('')}${
        diffs.map((d, i) => `<td class="num diff ${d > 0 ? 'pos' : d < 0 ? 'neg' : ''}" data-run="${esc(others[i].id)}">${pp(d)}</td>`).join('')}</tr>`;
    });
    container.innerHTML = `
      <h3>${esc(runs[1].label)} against ${esc(first.label)}</h3>
      <div class="diff-chart" id="diff-chart"></div>
      <div class="table-wrap"><table class="data compact" id="class-diff-table"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>
      <p class="small muted">Δ: accuracy minus the first run's, in percentage points (pp). Classes from the first run's report, most training images first.</p>`;
    const second = maps[1];
    const diffRows = base.map(c => ({
      name: c.name,
      a: c.acc,
      b: second.get(c.name) ? second.get(c.name).acc : NaN,
    }));
    diffChart(document.getElementById('diff-chart'), diffRows, first.label, runs[1].label);
  }

  /** Leaves of a recipe as dotted paths: stages[1].sampler -> "class_balanced". */
  function flatten(value, path, out) {
    if (Array.isArray(value)) {
      if (!value.length) out.set(path, '[]');
      value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
    } else if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      if (!keys.length) out.set(path, '{}');
      for (const k of keys) flatten(value[k], path ? `${path}.${k}` : k, out);
    } else {
      // int64 fields arrive as strings ("0"), so values compare as text: "0" and 0 are the same seed.
      out.set(path, value === '' ? '""' : String(value));
    }
    return out;
  }

  function recipeDiff(runs) {
    const withRecipe = runs.filter(r => r.run.recipe);
    if (withRecipe.length < runs.length) {
      const none = runs.filter(r => !r.run.recipe).map(r => esc(r.label)).join(', ');
      if (withRecipe.length < 2) return `<p class="muted">No recipe recorded for ${none}: nothing to compare.</p>`;
    }
    const flat = runs.map(r => (r.run.recipe ? flatten(r.run.recipe, '', new Map()) : null));
    const paths = [];
    const seen = new Set();
    for (const f of flat) if (f) for (const p of f.keys()) if (!seen.has(p)) { seen.add(p); paths.push(p); }
    const differing = paths.filter(p => new Set(flat.map(f => (f ? (f.has(p) ? f.get(p) : '(absent)') : '(no recipe)'))).size > 1);
    if (!differing.length) return '<p id="recipes-same">The recipes are the same.</p>';
    const rows = differing.map(p => `<tr data-path="${esc(p)}"><td class="mono">${esc(p)}</td>${flat.map(f => {
      const v = f ? f.get(p) : undefined;
      return `<td class="mono">${v === undefined ? '<span class="muted">absent</span>' : esc(v)}</td>`;
    }).join('')}</tr>`);
    return `<div class="table-wrap"><table class="data compact" id="recipe-diff-table">
      <thead><tr><th>Path</th>${runs.map(r => `<th>${esc(r.label)}</th>`).join('')}</tr></thead>
      <tbody>${rows.join('')}</tbody></table></div>
      <p class="small muted">${differing.length} of ${paths.length} recipe fields differ.</p>`;
  }

  // ------------------------------------------------------------------ tooltip

  const tooltip = document.getElementById('tooltip');

  function showTooltip(html, clientX, clientY) {
    tooltip.innerHTML = html;
    tooltip.hidden = false;
    const w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    let x = clientX + 14, y = clientY + 14;
    if (x + w > window.innerWidth - 4) x = clientX - w - 14;
    if (y + h > window.innerHeight - 4) y = clientY - h - 14;
    tooltip.style.left = Math.max(4, x) + 'px';
    tooltip.style.top = Math.max(4, y) + 'px';
  }

  function hideTooltip() {
    if (tooltip) tooltip.hidden = true;
  }

  // ------------------------------------------------------------------ SVG helpers

  const SVG_NS = 'http://www.w3.org/2000/svg';
  let uid = 0;

  function svgEl(tag, attrs, parent) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, v);
    if (parent) parent.appendChild(el);
    return el;
  }

  function svgText(parent, x, y, text, attrs) {
    const t = svgEl('text', Object.assign({ x, y }, attrs), parent);
    t.textContent = text;
    return t;
  }

  /** Linear scale; .invert maps back. */
  function linear(domain, range) {
    const [d0, d1] = domain, [r0, r1] = range;
    const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
    const f = v => r0 + (v - d0) * k;
    f.invert = p => (k === 0 ? d0 : d0 + (p - r0) / k);
    return f;
  }

  /** A "nice" step (1, 2 or 5 times a power of ten) giving about count intervals over span. */
  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    if (!(raw > 0) || !Number.isFinite(raw)) return 1;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  }

  function ticksOf(lo, hi, step) {
    const out = [];
    const start = Math.ceil(lo / step - 1e-9);
    for (let i = start; i * step <= hi + step * 1e-9 && out.length < 60; i++) out.push(Number((i * step).toPrecision(12)));
    return out;
  }

  /** Widens [lo, hi] to nice tick values; a flat range gets some room. */
  function niceDomain(lo, hi, count, fromZero) {
    if (fromZero) lo = Math.min(0, lo);
    if (!(hi > lo)) {
      const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1;
      hi += pad;
      if (!fromZero) lo -= pad;
    }
    const step = niceStep(hi - lo, count);
    return { lo: Math.floor(lo / step + 1e-9) * step, hi: Math.ceil(hi / step - 1e-9) * step, step };
  }

  /** Tick label formatter for an axis of the given kind and step. */
  function tickFormat(kind, step) {
    if (kind === 'pct') {
      const d = Math.max(0, -Math.floor(Math.log10(step * 100) + 1e-9));
      return v => (v * 100).toFixed(d) + '%';
    }
    if (kind === 'lr') {
      return v => {
        if (v === 0) return '0';
        if (Math.abs(v) < 1e-3) return v.toExponential(1).replace(/\.0e/, 'e');
        return String(Number(v.toPrecision(6)));
      };
    }
    const d = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    return v => v.toFixed(Math.min(d, 8));
  }

  function valueFormat(kind) {
    return kind === 'pct' ? pct : kind === 'lr' ? fmtLr : fmtLoss;
  }

  /** Pointer position in the SVG's own (viewBox) coordinates. */
  function svgPoint(svg, ev) {
    const m = svg.getScreenCTM();
    if (!m) return { x: 0, y: 0 };
    const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m.inverse());
    return { x: p.x, y: p.y };
  }

  function colourLegendSwatch(colour) {
    return `<span class="swatch" style="background:${colour}"></span>`;
  }

  // ------------------------------------------------------------------ chart: training curves

  function trainingCurves(container, history) {
    const series = (key, colour, markers) => [{
      label: '',
      colour,
      markers,
      points: history.filter(h => isNum(h[key])).map(h => [num(h.epoch), num(h[key])]),
    }];
    curvePanels(container, [
      { title: 'Loss', format: 'loss', series: series('loss', '#1f5fa8') },
      { title: 'Train accuracy', format: 'pct', series: series('accuracy', '#2e8b57') },
      { title: 'Test error', format: 'pct', series: series('testError', '#c0392b', true), emptyNote: 'no evaluated epochs' },
      // lr from 0, so a step schedule shows its steps instead of lying on the floor.
      { title: 'Learning rate', format: 'lr', fromZero: true, series: series('lr', '#6c5ba7') },
    ]);
  }

  /**
   * Small panels sharing one epoch axis. Dragging across any panel zooms all of them into that epoch
   * range; a double-click (or the reset button) shows every epoch again. Hovering shows the values of
   * the nearest epoch in every panel.
   * panels: [{title, format: 'loss'|'pct'|'lr', fromZero, emptyNote, series: [{label, colour, markers, points: [[epoch, value]]}]}]
   */
  function curvePanels(container, panels) {
    const W = 520, H = 220, M = { l: 56, r: 14, t: 26, b: 34 };
    const xs = [...new Set(panels.flatMap(p => p.series.flatMap(s => s.points.map(pt => pt[0]))))].sort((a, b) => a - b);
    if (!xs.length) {
      container.innerHTML = '<p class="muted">No epochs recorded yet.</p>';
      return;
    }
    const full = xs.length > 1 ? [xs[0], xs[xs.length - 1]] : [xs[0] - 1, xs[0] + 1];
    let domain = full.slice();
    const clipId = `clip-${++uid}`;

    container.innerHTML = `<p class="chart-hint"><span>Drag across a panel to zoom into epochs; double-click to reset.</span>
      <button type="button" class="secondary reset-zoom" hidden>Reset zoom</button></p><div class="panels"></div>`;
    const grid = container.querySelector('.panels');
    const resetButton = container.querySelector('.reset-zoom');
    if (panels.length === 1) grid.classList.add('single-col');

    const views = panels.map(panel => {
      const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, class: 'panel', 'data-panel': panel.title }, grid);
      return { panel, svg, x: null, y: null, guide: null, selection: null, dots: null };
    });

    function draw() {
      resetButton.hidden = domain[0] === full[0] && domain[1] === full[1];
      views.forEach(drawPanel);
    }

    function drawPanel(v) {
      const { panel, svg } = v;
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      const x = linear(domain, [M.l, W - M.r]);
      // y from the points in view, so zooming also zooms the values.
      const visible = panel.series.flatMap(s => s.points.filter(p => p[0] >= domain[0] && p[0] <= domain[1]).map(p => p[1]));
      let lo = visible.length ? Math.min(...visible) : 0;
      let hi = visible.length ? Math.max(...visible) : 1;
      if (panel.format === 'pct' && !visible.length) { lo = 0; hi = 1; }
      const nd = niceDomain(lo, hi, 4, panel.fromZero);
      const y = linear([nd.lo, nd.hi], [H - M.b, M.t]);
      v.x = x;
      v.y = y;
      const fmt = tickFormat(panel.format, nd.step);

      svgText(svg, M.l, 15, panel.title, { class: 'title' });
      const axis = svgEl('g', { class: 'axis' }, svg);
      for (const t of ticksOf(nd.lo, nd.hi, nd.step)) {
        svgEl('line', { x1: M.l, x2: W - M.r, y1: y(t), y2: y(t), class: 'grid' }, axis);
        svgText(axis, M.l - 6, y(t) + 3.5, fmt(t), { 'text-anchor': 'end' });
      }
      // Epochs are integers: never a tick between two epochs.
      const xStep = Math.max(1, niceStep(domain[1] - domain[0], 6));
      for (const t of ticksOf(domain[0], domain[1], xStep)) {
        svgEl('line', { x1: x(t), x2: x(t), y1: H - M.b, y2: H - M.b + 4 }, axis);
        svgText(axis, x(t), H - M.b + 16, String(t), { 'text-anchor': 'middle' });
      }
      svgEl('line', { x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b }, axis);
      svgEl('line', { x1: M.l, x2: M.l, y1: M.t, y2: H - M.b }, axis);
      svgText(svg, (M.l + W - M.r) / 2, H - 3, 'epoch', { 'text-anchor': 'middle', class: 'small' });

      // Lines are clipped to the plot area; markers get a few pixels more so the end points show whole.
      const defs = svgEl('defs', {}, svg);
      const id = `${clipId}-${views.indexOf(v)}`;
      svgEl('rect', { x: M.l, y: M.t - 4, width: W - M.l - M.r, height: H - M.t - M.b + 8 }, svgEl('clipPath', { id }, defs));
      svgEl('rect', { x: M.l - 4, y: M.t - 4, width: W - M.l - M.r + 8, height: H - M.t - M.b + 8 }, svgEl('clipPath', { id: id + 'm' }, defs));
      const plot = svgEl('g', { 'clip-path': `url(#${id})` }, svg);
      const marks = svgEl('g', { 'clip-path': `url(#${id}m)` }, svg);
      for (const s of panel.series) {
        if (!s.points.length) continue;
        const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
        svgEl('path', { d, fill: 'none', stroke: s.colour, 'stroke-width': s.markers ? 1.2 : 1.8, 'stroke-linejoin': 'round', opacity: s.markers ? 0.7 : 1 }, plot);
        // A series of one epoch (a one-epoch stage) has no line to draw: mark its point.
        if (s.markers || s.points.length === 1) {
          const inView = s.points.filter(p => p[0] >= domain[0] && p[0] <= domain[1]);
          const r = inView.length > 80 ? 1.6 : 2.6;
          for (const p of inView) svgEl('circle', { cx: x(p[0]), cy: y(p[1]), r, fill: s.colour }, marks);
        }
      }
      if (!visible.length && panel.emptyNote) {
        svgText(svg, (M.l + W - M.r) / 2, (M.t + H - M.b) / 2, panel.emptyNote, { 'text-anchor': 'middle', class: 'empty-note' });
      }
      v.guide = svgEl('line', { class: 'guide', y1: M.t, y2: H - M.b, visibility: 'hidden' }, svg);
      v.dots = svgEl('g', { 'pointer-events': 'none' }, svg);
      v.selection = svgEl('rect', { class: 'selection', y: M.t, height: H - M.t - M.b, visibility: 'hidden' }, svg);
      const overlay = svgEl('rect', { class: 'overlay', x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b }, svg);
      attach(v, overlay);
    }

    const nearestEpoch = epoch => {
      let best = null;
      for (const e of xs) if (e >= domain[0] && e <= domain[1] && (best === null || Math.abs(e - epoch) < Math.abs(best - epoch))) best = e;
      return best;
    };

    function hover(epoch, ev) {
      const rows = [`<b>epoch ${esc(epoch)}</b>`];
      for (const v of views) {
        v.guide.setAttribute('x1', v.x(epoch));
        v.guide.setAttribute('x2', v.x(epoch));
        v.guide.setAttribute('visibility', 'visible');
        while (v.dots.firstChild) v.dots.removeChild(v.dots.firstChild);
        const fmt = valueFormat(v.panel.format);
        for (const s of v.panel.series) {
          const p = s.points.find(q => q[0] === epoch);
          if (p) svgEl('circle', { cx: v.x(p[0]), cy: v.y(p[1]), r: 3.5, fill: '#fff', stroke: s.colour, 'stroke-width': 2 }, v.dots);
          if (v.panel.series.length === 1 && !s.label) {
            rows.push(`${esc(v.panel.title)}: ${p ? fmt(p[1]) : DASH}`);
          } else if (p) {
            rows.push(`${colourLegendSwatch(s.colour)}${esc(v.panel.title)} · ${esc(s.label)}: ${fmt(p[1])}`);
          }
        }
      }
      showTooltip(rows.join('<br>'), ev.clientX, ev.clientY);
    }

    function unhover() {
      for (const v of views) {
        if (v.guide) v.guide.setAttribute('visibility', 'hidden');
        if (v.dots) while (v.dots.firstChild) v.dots.removeChild(v.dots.firstChild);
      }
      hideTooltip();
    }

    let drag = null;
    function attach(v, overlay) {
      overlay.addEventListener('pointerdown', ev => {
        if (ev.button !== 0) return;
        drag = { v, start: svgPoint(v.svg, ev).x };
        overlay.setPointerCapture(ev.pointerId);
      });
      overlay.addEventListener('pointermove', ev => {
        const px = Math.max(M.l, Math.min(W - M.r, svgPoint(v.svg, ev).x));
        if (drag && drag.v === v) {
          const a = Math.min(drag.start, px), b = Math.max(drag.start, px);
          v.selection.setAttribute('x', a);
          v.selection.setAttribute('width', b - a);
          v.selection.setAttribute('visibility', 'visible');
          hideTooltip();
          return;
        }
        const epoch = nearestEpoch(v.x.invert(px));
        if (epoch !== null) hover(epoch, ev); else unhover();
      });
      overlay.addEventListener('pointerup', ev => {
        if (!drag || drag.v !== v) return;
        const end = Math.max(M.l, Math.min(W - M.r, svgPoint(v.svg, ev).x));
        const start = drag.start;
        drag = null;
        v.selection.setAttribute('visibility', 'hidden');
        if (Math.abs(end - start) < 6) return;   // a click, not a drag
        let a = v.x.invert(Math.min(start, end)), b = v.x.invert(Math.max(start, end));
        if (b - a < 1) { const c = (a + b) / 2; a = c - 0.5; b = c + 0.5; }   // at least one epoch wide
        domain = [Math.max(full[0], a), Math.min(full[1], b)];
        unhover();
        draw();
      });
      overlay.addEventListener('pointercancel', () => { drag = null; v.selection.setAttribute('visibility', 'hidden'); });
      overlay.addEventListener('pointerleave', () => { if (!drag) unhover(); });
      overlay.addEventListener('dblclick', () => { domain = full.slice(); unhover(); draw(); });
    }
    resetButton.addEventListener('click', () => { domain = full.slice(); draw(); });
    draw();
  }

  // ------------------------------------------------------------------ chart: per-class accuracy

  /** Label every k-th class when there are many, and how far to rotate. */
  function labelPlan(names, slot) {
    const step = names.length > 40 ? Math.ceil(names.length / 40) : 1;
    const longest = Math.min(18, Math.max(...names.map(n => n.length)));
    const rotate = longest * 6.2 > slot * step - 4;
    const depth = rotate ? Math.ceil(longest * 6.2 * 0.71) + 14 : 20;
    return { step, rotate, depth };
  }

  const shorten = name => (name.length > 18 ? name.slice(0, 17) + '…' : name);

  function drawClassLabels(g, rows, x, slot, y0, plan) {
    rows.forEach((r, i) => {
      if (i % plan.step) return;
      const cx = x(i) + slot / 2;
      const attrs = plan.rotate
        ? { 'text-anchor': 'end', transform: `rotate(-45 ${cx} ${y0 + 12})` }
        : { 'text-anchor': 'middle' };
      const t = svgText(g, cx, y0 + 12 + (plan.rotate ? 0 : 2), shorten(r.name), attrs);
      svgEl('title', {}, t).textContent = r.name;
    });
  }

  /** rows sorted by training count; report for the band means (computed when it lacks them). */
  function perClassChart(container, rows, report, metrics) {
    const n = rows.length;
    const slot = n <= 12 ? 60 : n <= 40 ? 28 : Math.max(5, Math.floor(1100 / n));
    const plan = labelPlan(rows.map(r => r.name), slot);
    const M = { l: 52, r: 16, t: 18, b: plan.depth + 26 };
    const plotH = 240;
    const W = M.l + n * slot + M.r, H = M.t + plotH + M.b;
    const x = i => M.l + i * slot;
    const y = linear([0, 1], [M.t + plotH, M.t]);
    const haveBands = rows.every(r => Number.isFinite(r.train));

    container.innerHTML = '<div class="chart-scroll"></div><div class="legend band-legend"></div><div class="table-wrap per-class-table-wrap"></div>';
    const svg = svgEl('svg', { width: W, height: H, class: 'per-class-chart', viewBox: `0 0 ${W} ${H}` }, container.firstChild);

    // Shot bands behind the bars: contiguous runs of classes of one band.
    const bandStats = {};
    if (haveBands) {
      let i = 0;
      while (i < n) {
        const band = bandOf(rows[i].train);
        let j = i;
        while (j < n && bandOf(rows[j].train) === band) j++;
        svgEl('rect', { x: x(i), y: M.t, width: (j - i) * slot, height: plotH, fill: BANDS[band].fill, class: `band band-${band}` }, svg);
        i = j;
      }
      for (const band of Object.keys(BANDS)) {
        const members = rows.filter(r => bandOf(r.train) === band);
        if (!members.length) continue;
        const computed = members.reduce((s, r) => s + (Number.isFinite(r.acc) ? r.acc : 0), 0) / members.length;
        const reported = shotValue(metrics, report, band);
        bandStats[band] = { count: members.length, mean: Number.isFinite(reported) ? reported : computed };
      }
    }

    const fmt = tickFormat('pct', 0.2);
    const axis = svgEl('g', { class: 'axis' }, svg);
    for (const t of ticksOf(0, 1, 0.2)) {
      svgEl('line', { x1: M.l, x2: W - M.r, y1: y(t), y2: y(t), class: 'grid', opacity: 0.8 }, axis);
      svgText(axis, M.l - 6, y(t) + 3.5, fmt(t), { 'text-anchor': 'end' });
    }

    const gap = slot >= 12 ? Math.round(slot * 0.18) : slot >= 6 ? 1 : 0;
    const bars = svgEl('g', {}, svg);
    rows.forEach((r, i) => {
      const v = Number.isFinite(r.acc) ? Math.max(0, Math.min(1, r.acc)) : 0;
      svgEl('rect', {
        x: x(i) + gap / 2, y: y(v), width: Math.max(1, slot - gap), height: Math.max(0, y(0) - y(v)),
        class: 'bar', 'data-bar-class': r.name, 'data-i': i,
      }, bars);
    });

    // Band means as dashed lines over their band.
    if (haveBands) {
      for (const band of Object.keys(bandStats)) {
        const idx = rows.map((r, i) => (bandOf(r.train) === band ? i : -1)).filter(i => i >= 0);
        const mean = bandStats[band].mean;
        if (!Number.isFinite(mean)) continue;
        svgEl('line', {
          x1: x(idx[0]), x2: x(idx[idx.length - 1]) + slot, y1: y(mean), y2: y(mean),
          stroke: BANDS[band].line, class: 'band-mean', 'pointer-events': 'none',
        }, svg);
      }
    }

    svgEl('line', { x1: M.l, x2: W - M.r, y1: y(0), y2: y(0) }, axis);
    svgEl('line', { x1: M.l, x2: M.l, y1: M.t, y2: y(0) }, axis);
    drawClassLabels(axis, rows, x, slot, y(0), plan);
    svgText(svg, M.l + (n * slot) / 2, H - 6, haveBands ? 'class (most training images first)' : 'class', { 'text-anchor': 'middle' });

    bars.addEventListener('pointermove', ev => {
      const i = Number(ev.target.getAttribute('data-i'));
      if (!Number.isInteger(i) || !rows[i]) return;
      const r = rows[i];
      const band = bandOf(r.train);
      showTooltip(`<b>${esc(r.name)}</b><br>accuracy ${pct(r.acc)}<br>train images ${fmtInt(r.train)} · test images ${fmtInt(r.test)}${
        band ? `<br>${BANDS[band].label}` : ''}`, ev.clientX, ev.clientY);
    });
    bars.addEventListener('pointerleave', hideTooltip);

    const legend = container.querySelector('.band-legend');
    legend.innerHTML = haveBands
      ? Object.keys(BANDS).map(band => {
        const s = bandStats[band];
        return `<span class="band-legend-item" data-band="${band}">${colourLegendSwatch(BANDS[band].fill)}${BANDS[band].label} (${BANDS[band].rule}): ${
          s ? `mean <span class="band-mean-value">${pct(s.mean)}</span>, ${s.count} class${s.count === 1 ? '' : 'es'}` : 'no classes'}</span>`;
      }).join('') + '<span class="muted">dashed line: band mean</span>'
      : '';

    const tableRows = rows.map(r => `<tr data-class="${esc(r.name)}"><td>${esc(r.name)}</td><td class="num train">${fmtInt(r.train)}</td>
      <td class="num test">${fmtInt(r.test)}</td><td class="num acc">${pct(r.acc)}</td></tr>`);
    const wrap = container.querySelector('.per-class-table-wrap');
    if (n > 20) wrap.classList.add('long');
    wrap.innerHTML = `<table class="data compact per-class-table">
      <thead><tr><th>Class</th><th class="num">Train images</th><th class="num">Test images</th><th class="num">Accuracy</th></tr></thead>
      <tbody>${tableRows.join('')}</tbody></table>`;
  }

  // ------------------------------------------------------------------ chart: per-class differences

  function diffChart(container, rows, baseLabel, otherLabel) {
    const n = rows.length;
    const diffs = rows.map(r => r.b - r.a);
    const finite = diffs.filter(Number.isFinite);
    if (!finite.length) {
      container.innerHTML = `<p class="muted">${esc(otherLabel)} has no per-class accuracy to set against ${esc(baseLabel)}.</p>`;
      return;
    }
    const slot = n <= 12 ? 60 : n <= 40 ? 28 : Math.max(5, Math.floor(1100 / n));
    const plan = labelPlan(rows.map(r => r.name), slot);
    const extent = Math.max(0.01, ...finite.map(Math.abs));
    const nd = niceDomain(-extent, extent, 6);
    const lim = Math.max(Math.abs(nd.lo), Math.abs(nd.hi));
    const M = { l: 60, r: 16, t: 14, b: plan.depth + 10 };
    const plotH = 200;
    const W = M.l + n * slot + M.r, H = M.t + plotH + M.b;
    const x = i => M.l + i * slot;
    const y = linear([-lim, lim], [M.t + plotH, M.t]);
    container.innerHTML = '<div class="chart-scroll"></div>';
    const svg = svgEl('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'diff-chart-svg' }, container.firstChild);
    const axis = svgEl('g', { class: 'axis' }, svg);
    const step = niceStep(2 * lim, 6);
    for (const t of ticksOf(-lim, lim, step)) {
      svgEl('line', { x1: M.l, x2: W - M.r, y1: y(t), y2: y(t), class: 'grid' }, axis);
      const label = (t > 0 ? '+' : t < 0 ? '−' : '') + Math.abs(t * 100).toFixed(Math.max(0, -Math.floor(Math.log10(step * 100) + 1e-9))) + ' pp';
      svgText(axis, M.l - 6, y(t) + 3.5, label, { 'text-anchor': 'end' });
    }
    const gap = slot >= 12 ? Math.round(slot * 0.18) : slot >= 6 ? 1 : 0;
    const bars = svgEl('g', {}, svg);
    rows.forEach((r, i) => {
      const d = diffs[i];
      if (!Number.isFinite(d)) return;
      const y0 = y(0), y1 = y(d);
      svgEl('rect', {
        x: x(i) + gap / 2, y: Math.min(y0, y1), width: Math.max(1, slot - gap), height: Math.max(0.5, Math.abs(y1 - y0)),
        fill: d >= 0 ? '#2e8b57' : '#c0392b', 'data-i': i, class: 'diff-bar', 'data-bar-class': r.name,
      }, bars);
    });
    svgEl('line', { x1: M.l, x2: W - M.r, y1: y(0), y2: y(0), stroke: '#5a6570' }, axis);
    svgEl('line', { x1: M.l, x2: M.l, y1: M.t, y2: M.t + plotH }, axis);
    drawClassLabels(axis, rows, x, slot, M.t + plotH, plan);
    bars.addEventListener('pointermove', ev => {
      const i = Number(ev.target.getAttribute('data-i'));
      if (!Number.isInteger(i) || !rows[i]) return;
      const r = rows[i];
      showTooltip(`<b>${esc(r.name)}</b><br>${esc(otherLabel)}: ${pct(r.b)}<br>${esc(baseLabel)}: ${pct(r.a)}<br>difference ${pp(diffs[i])}`, ev.clientX, ev.clientY);
    });
    bars.addEventListener('pointerleave', hideTooltip);
  }

  // ------------------------------------------------------------------ chart: confusion matrix

  // A sequential blue scale (light to dark) for row-normalised fractions.
  const HEAT = [[247, 251, 255], [198, 219, 239], [107, 174, 214], [33, 113, 181], [8, 48, 107]];

  function heat(f) {
    const t = Math.max(0, Math.min(1, Number.isFinite(f) ? f : 0)) * (HEAT.length - 1);
    const i = Math.min(HEAT.length - 2, Math.floor(t));
    const k = t - i;
    const c = HEAT[i].map((v, j) => Math.round(v + (HEAT[i + 1][j] - v) * k));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  }

  function confusionChart(container, classes, matrix) {
    const n = classes.length;
    const rows = classes.map((name, i) => {
      const counts = (matrix[i] || []).map(c => num(c) || 0);
      const sum = counts.reduce((a, b) => a + b, 0);
      return { name, counts, sum };
    });
    const text = n <= 30;   // beyond 30 classes the cells are too small for numbers
    const cell = n <= 12 ? 58 : n <= 30 ? 40 : Math.max(4, Math.floor(760 / n));
    const step = n > 40 ? Math.ceil(n / 40) : 1;
    const longest = Math.min(18, Math.max(...classes.map(c => c.length)));
    const labelW = Math.ceil(longest * 6.2) + 10;
    const M = { l: labelW + 26, t: 12, r: 110, b: Math.ceil(longest * 6.2 * 0.71) + 44 };
    const size = n * cell;
    const W = M.l + size + M.r, H = M.t + size + M.b;

    container.innerHTML = '<div class="chart-scroll"></div><p class="small muted">Rows: true class; columns: predicted class. Each row is normalised to 100% of that class\'s test images.</p>';
    const svg = svgEl('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'confusion-chart' }, container.firstChild);
    const cells = svgEl('g', {}, svg);
    rows.forEach((r, i) => {
      r.counts.forEach((c, j) => {
        const f = r.sum > 0 ? c / r.sum : 0;
        svgEl('rect', {
          x: M.l + j * cell, y: M.t + i * cell, width: cell, height: cell, fill: heat(f),
          class: 'cell', 'data-i': i, 'data-j': j, stroke: i === j && cell >= 20 ? '#1d2329' : null, 'stroke-opacity': i === j && cell >= 20 ? 0.35 : null,
        }, cells);
        if (text && c > 0) {
          const label = (f * 100).toFixed(2) + (cell >= 52 ? '%' : '');
          svgText(cells, M.l + j * cell + cell / 2, M.t + i * cell + cell / 2 + 3.5, label, {
            'text-anchor': 'middle', 'pointer-events': 'none', style: `fill:${f > 0.5 ? '#fff' : '#1d2329'};font-size:${cell >= 52 ? 11 : 9.5}px`,
          });
        }
      });
    });

    const axis = svgEl('g', { class: 'axis' }, svg);
    classes.forEach((name, i) => {
      if (i % step) return;
      const cy = M.t + i * cell + cell / 2;
      const row = svgText(axis, M.l - 6, cy + 3.5, shorten(name), { 'text-anchor': 'end' });
      svgEl('title', {}, row).textContent = name;
      const cx = M.l + i * cell + cell / 2;
      const col = svgText(axis, cx, M.t + size + 12, shorten(name), { 'text-anchor': 'end', transform: `rotate(-45 ${cx} ${M.t + size + 12})` });
      svgEl('title', {}, col).textContent = name;
    });
    svgText(svg, 12, M.t + size / 2, 'true class', { 'text-anchor': 'middle', transform: `rotate(-90 12 ${M.t + size / 2})`, class: 'title' });
    svgText(svg, M.l + size / 2, H - 6, 'predicted class', { 'text-anchor': 'middle', class: 'title' });

    // Colour scale legend: 0% at the bottom, 100% at the top.
    const gid = `heat-${++uid}`;
    const gradient = svgEl('linearGradient', { id: gid, x1: 0, y1: 1, x2: 0, y2: 0 }, svgEl('defs', {}, svg));
    HEAT.forEach((c, i) => svgEl('stop', { offset: `${(i / (HEAT.length - 1)) * 100}%`, 'stop-color': `rgb(${c.join(',')})` }, gradient));
    const lx = M.l + size + 24, lh = Math.min(size, 220), ly = M.t;
    svgEl('rect', { x: lx, y: ly, width: 14, height: lh, fill: `url(#${gid})`, stroke: '#9aa4ae', class: 'colour-scale' }, svg);
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      const yy = ly + lh - t * lh;
      svgEl('line', { x1: lx + 14, x2: lx + 18, y1: yy, y2: yy, stroke: '#9aa4ae' }, svg);
      svgText(svg, lx + 21, yy + 3.5, `${t * 100}%`, {});
    }
    svgText(svg, lx, ly + lh + 16, 'of row', { class: 'small' });

    cells.addEventListener('pointermove', ev => {
      const i = Number(ev.target.getAttribute('data-i')), j = Number(ev.target.getAttribute('data-j'));
      if (!Number.isInteger(i) || !Number.isInteger(j)) return;
      const r = rows[i];
      const c = r.counts[j];
      showTooltip(`true <b>${esc(r.name)}</b> → predicted <b>${esc(classes[j])}</b><br>${pct(r.sum > 0 ? c / r.sum : NaN)} (${fmtInt(c)} of ${fmtInt(r.sum)})`,
        ev.clientX, ev.clientY);
    });
    cells.addEventListener('pointerleave', hideTooltip);
  }

  boot();
})();
