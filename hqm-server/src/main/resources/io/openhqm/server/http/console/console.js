// The OpenHQM console: polls the admin API, plots the last minutes and browses the dead letters.
// Everything comes from /api/v1 with the admin key the user entered (kept in sessionStorage, sent as X-API-Key).

const POLL_MS = 2000;
const WINDOW_SECONDS = 300;
const MAX_POINTS = Math.ceil(WINDOW_SECONDS * 1000 / POLL_MS) + 1;
const JOB_POLL_MS = 1000;
const KEY_STORAGE = 'openhqm.adminKey';
const PAGE_SIZE = 50;

const $ = (id) => document.getElementById(id);

class HttpError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) {
    headers['X-API-Key'] = key;
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, {
    method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = response.status === 204 ? '' : await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    throw new HttpError(response.status, json);
  }
  return { status: response.status, body: json, location: response.headers.get('Location') };
}

const isAuthError = (error) => error instanceof HttpError && (error.status === 401 || error.status === 403);
const isMissing = (error) => error instanceof HttpError && [404, 405, 501].includes(error.status);

// ---- key form -------------------------------------------------------------------------------------------------

let polling = null;

function askForKey(error) {
  if (polling !== null) {
    clearInterval(polling);
    polling = null;
  }
  $('dashboard').hidden = true;
  $('key-panel').hidden = false;
  $('forget-key').hidden = true;
  setConnection('needs a key', 'warn');
  $('key-error').textContent = !sessionStorage.getItem(KEY_STORAGE) ? ''
    : error.status === 403 ? 'That key may not use the admin API: it is not one of server.auth.admin_keys.'
      : 'The server did not accept that key.';
  $('key-input').focus();
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $('key-input').value.trim());
  $('key-input').value = '';
  start();
});

$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORAGE);
  window.location.reload();
});

function setConnection(text, kind) {
  const badge = $('connection');
  badge.textContent = text;
  badge.className = `badge ${kind}`;
}

// ---- charts ---------------------------------------------------------------------------------------------------

const COLORS = { depth: '#2563eb', inFlight: '#7c3aed', delayed: '#d97706', submitted: '#2563eb',
  completed: '#16a34a', failed: '#dc2626', mean: '#0891b2', max: '#9333ea' };

const charts = {};
// Which of in-flight and delayed the queue counts (it reports null for what it cannot): fixed by the first answer.
const counted = { inFlight: false, delayed: false };
const series = { time: [], depth: [], inFlight: [], delayed: [], submitted: [], completed: [], failed: [], mean: [],
  max: [] };
let previous = null;

function chart(element, lines) {
  const options = {
    width: Math.max(element.clientWidth, 300),
    height: 180,
    series: [{}, ...lines.map(([label, color], index) => ({
      label, stroke: color, width: index === 0 ? 3 : 1.5, points: { show: false },
      value: (u, v) => (v == null ? '–' : formatNumber(v)),
    }))],
    scales: {
      x: { time: true, range: timeRange },
      y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    axes: [{ space: 70, values: (u, ticks) => ticks.map(clockTime) }, { size: 56 }],
    legend: { live: false },
  };
  return new uPlot(options, [[], ...lines.map(() => [])], element);
}

// The last WINDOW_SECONDS, and at least the last minute: a console opened a moment ago does not squeeze its data.
function timeRange() {
  const now = Date.now() / 1000;
  const first = series.time.length > 0 ? series.time[0] : now;
  return [Math.max(now - WINDOW_SECONDS, Math.min(first, now - 60)), now];
}

const clockTime = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour12: false });

function createCharts(queue) {
  counted.inFlight = queue.in_flight != null;
  counted.delayed = queue.delayed != null;
  const depthLines = [['depth', COLORS.depth]];
  if (counted.inFlight) {
    depthLines.push(['in flight', COLORS.inFlight]);
  }
  if (counted.delayed) {
    depthLines.push(['delayed', COLORS.delayed]);
  }
  charts.depth = chart($('chart-depth'), depthLines);
  charts.rates = chart($('chart-rates'), [['submitted', COLORS.submitted], ['completed', COLORS.completed],
    ['failed', COLORS.failed]]);
  charts.latency = chart($('chart-latency'), [['mean', COLORS.mean], ['max', COLORS.max]]);
  window.addEventListener('resize', () => {
    for (const [name, instance] of Object.entries(charts)) {
      instance.setSize({ width: Math.max($(`chart-${name}`).clientWidth, 300), height: 180 });
    }
  });
}

function record(queue) {
  const now = Date.now() / 1000;
  const totals = queue.totals;
  let rates = [null, null, null];
  let mean = null;
  if (previous && totals) {
    const seconds = now - previous.time;
    const delta = (name) => Math.max(0, totals[name] - previous.totals[name]) / seconds;
    rates = [delta('submitted'), delta('completed'), delta('failed')];
    const completed = totals.completed - previous.totals.completed;
    if (completed > 0) {
      mean = (totals.processing_seconds - previous.totals.processing_seconds) / completed * 1000;
    }
  } else if (!totals && queue.rates_per_second) {
    const r = queue.rates_per_second;
    rates = [r.submitted, r.completed, r.failed];
  }
  previous = { time: now, totals };
  const max = queue.processing_seconds ? queue.processing_seconds.max * 1000 : null;
  const values = { time: now, depth: queue.depth, inFlight: queue.in_flight ?? null, delayed: queue.delayed ?? null,
    submitted: rates[0], completed: rates[1], failed: rates[2], mean, max };
  for (const [name, value] of Object.entries(values)) {
    series[name].push(value);
    if (series[name].length > MAX_POINTS) {
      series[name].shift();
    }
  }
  const depthData = [series.time, series.depth];
  if (counted.inFlight) {
    depthData.push(series.inFlight);
  }
  if (counted.delayed) {
    depthData.push(series.delayed);
  }
  charts.depth.setData(depthData);
  charts.rates.setData([series.time, series.submitted, series.completed, series.failed]);
  charts.latency.setData([series.time, series.mean, series.max]);
  showTiles(queue, values);
}

function showTiles(queue, values) {
  $('queue-name').textContent = `${queue.name} (${queue.type})`;
  $('tile-depth').textContent = formatNumber(queue.depth);
  $('tile-dead-letters').textContent = queue.dead_letters == null ? 'n/a' : formatNumber(queue.dead_letters);
  $('tile-submitted').textContent = formatOptional(values.submitted);
  $('tile-completed').textContent = formatOptional(values.completed);
  $('tile-failed').textContent = formatOptional(values.failed);
  $('tile-latency').textContent = values.mean == null ? '–' : `${formatNumber(values.mean)} ms`;
  $('tile-in-flight-box').hidden = !counted.inFlight;
  $('tile-in-flight').textContent = formatOptional(values.inFlight);
  $('tile-delayed-box').hidden = !counted.delayed;
  $('tile-delayed').textContent = formatOptional(values.delayed);
}

const formatOptional = (v) => (v == null ? '–' : formatNumber(v));

function formatNumber(v) {
  if (Math.abs(v) >= 100 || Number.isInteger(v)) {
    return Math.round(v).toLocaleString();
  }
  return v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
}

// ---- endpoints ------------------------------------------------------------------------------------------------

const BREAKER_TEXT = { closed: 'closed', open: 'open: calls refused', half_open: 'half-open: probing' };

function showEndpoints(endpoints) {
  const rows = $('endpoint-rows');
  rows.replaceChildren(...endpoints.map((endpoint) => {
    const state = endpoint.circuit_breaker;
    const badge = cell('span', state == null ? 'no breaker' : BREAKER_TEXT[state] || state);
    badge.className = `badge ${state == null ? 'muted' : state}`;
    return row([cell('td', endpoint.name), cell('td', endpoint.url), wrap('td', badge)]);
  }));
  $('endpoints').querySelector('table').hidden = endpoints.length === 0;
  $('no-endpoints').hidden = endpoints.length > 0;
}

// ---- polling --------------------------------------------------------------------------------------------------

let lastDeadLetterCount = null;

async function poll() {
  try {
    const [queues, endpoints] = await Promise.all([api('GET', '/api/v1/queues'), api('GET', '/api/v1/endpoints')
      .catch((error) => (isMissing(error) ? { body: { endpoints: [] } } : Promise.reject(error)))]);
    const queue = queues.body.queues[0];
    if (!charts.depth) {
      createCharts(queue);
    }
    record(queue);
    showEndpoints(endpoints.body.endpoints);
    setConnection('live', 'ok');
    if (queue.dead_letters !== lastDeadLetterCount && !deadLetters.pagedOn) {
      lastDeadLetterCount = queue.dead_letters;
      loadDeadLetters(false);
    }
  } catch (error) {
    if (isAuthError(error)) {
      askForKey(error);
    } else {
      setConnection(`offline: ${error.message}`, 'error');
    }
  }
}

// ---- dead letters ---------------------------------------------------------------------------------------------

const deadLetters = { filter: {}, cursor: null, pagedOn: false };

function filterQuery() {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(deadLetters.filter)) {
    query.set(name, value);
  }
  return query;
}

function readFilter() {
  const form = new FormData($('dl-filter'));
  const filter = {};
  for (const name of ['endpoint', 'error']) {
    const value = String(form.get(name) || '').trim();
    if (value) {
      filter[name] = value;
    }
  }
  for (const name of ['since', 'until']) {
    const value = String(form.get(name) || '');
    if (value) {
      filter[name] = new Date(value).toISOString();
    }
  }
  return filter;
}

async function loadDeadLetters(append) {
  const query = filterQuery();
  query.set('limit', String(PAGE_SIZE));
  if (append && deadLetters.cursor) {
    query.set('cursor', deadLetters.cursor);
  }
  try {
    const page = (await api('GET', `/api/v1/dead-letters?${query}`)).body;
    const rows = page.dead_letters.map(deadLetterRow);
    if (append) {
      $('dl-rows').append(...rows);
    } else {
      $('dl-rows').replaceChildren(...rows);
    }
    deadLetters.cursor = page.next_cursor;
    deadLetters.pagedOn = append;
    $('dl-more').hidden = page.next_cursor == null;
    $('dl-empty').hidden = $('dl-rows').children.length > 0;
  } catch (error) {
    report(error, 'Listing the dead letters failed');
  }
}

function deadLetterRow(entry) {
  const tr = row([
    cell('td', new Date(entry.dead_lettered_at).toLocaleString()),
    wrap('td', cell('code', entry.correlation_id)),
    cell('td', entry.endpoint ?? '–'),
    cell('td', entry.error),
    wrap('td', cell('code', entry.payload_excerpt)),
    wrap('td', button('Inspect', 'inspect'), button('Redrive', 'redrive'), button('Delete', 'delete', 'danger')),
  ]);
  tr.dataset.id = entry.id;
  tr.dataset.correlationId = entry.correlation_id;
  return tr;
}

const ROW_ACTIONS = { inspect, redrive, delete: remove };

$('dl-rows').addEventListener('click', (event) => {
  const action = event.target.closest('button')?.dataset.action;
  const tr = event.target.closest('tr');
  if (!action || !tr) {
    return;
  }
  ROW_ACTIONS[action](tr.dataset.id);
});

async function inspect(id) {
  try {
    const entry = (await api('GET', `/api/v1/dead-letters/${encodeURIComponent(id)}`)).body;
    $('inspect-id').textContent = id;
    $('inspect-body').textContent = JSON.stringify(entry, null, 2);
    $('inspect').dataset.id = id;
    $('inspect').showModal();
  } catch (error) {
    report(error, `Reading dead letter ${id} failed`);
  }
}

async function redrive(id) {
  try {
    const answer = (await api('POST', `/api/v1/dead-letters/${encodeURIComponent(id)}/redrive`)).body;
    removeRow(id);
    message(`Redriven: ${answer.correlation_id} is queued again (status ${answer.status}).`);
  } catch (error) {
    report(error, `Redriving dead letter ${id} failed`);
  }
}

async function remove(id) {
  if (!window.confirm(`Delete dead letter ${id}? Its message is lost for good.`)) {
    return;
  }
  try {
    await api('DELETE', `/api/v1/dead-letters/${encodeURIComponent(id)}`);
    removeRow(id);
    message(`Dead letter ${id} deleted.`);
  } catch (error) {
    report(error, `Deleting dead letter ${id} failed`);
  }
}

// After a redrive or delete here the count may return to what the last poll saw while the entries differ: the next
// poll reloads the list whatever the count.
function removeRow(id) {
  lastDeadLetterCount = null;
  for (const tr of $('dl-rows').querySelectorAll('tr')) {
    if (tr.dataset.id === id) {
      tr.remove();
    }
  }
  $('dl-empty').hidden = $('dl-rows').children.length > 0;
}

$('inspect-close').addEventListener('click', () => $('inspect').close());
$('inspect-redrive').addEventListener('click', () => { $('inspect').close(); redrive($('inspect').dataset.id); });
$('inspect-delete').addEventListener('click', () => { $('inspect').close(); remove($('inspect').dataset.id); });

$('dl-filter').addEventListener('submit', (event) => {
  event.preventDefault();
  applyFilterForm();
});
$('dl-filter').addEventListener('reset', () => {
  deadLetters.filter = {};
  setTimeout(() => loadDeadLetters(false));
});
$('dl-more').addEventListener('click', () => loadDeadLetters(true));
$('dl-refresh').addEventListener('click', () => loadDeadLetters(false));

// ---- bulk redrive and purge (shown only when the server has them) ---------------------------------------------

async function detectBulkOperations() {
  let paths = {};
  try {
    paths = (await api('GET', '/api/v1/openapi.json')).body.paths || {};
  } catch {
    paths = {};
  }
  $('bulk-redrive').hidden = !paths['/api/v1/dead-letters/redrive']?.post;
  $('purge-button').hidden = !paths['/api/v1/dead-letters/purge']?.post;
  if (paths['/api/v1/redrive-jobs']?.get && job.url === null) {
    try {
      const running = (await api('GET', '/api/v1/redrive-jobs')).body.redrive_jobs.find((j) => j.state === 'running');
      if (running && job.url === null) {
        followJob(`/api/v1/redrive-jobs/${encodeURIComponent(running.id)}`, running);
      }
    } catch (error) {
      report(error, 'Listing the redrive jobs failed');
    }
  }
}

const job = { url: null, timer: null };

// What the filter form says now, for the list and for the bulk operations alike.
function applyFilterForm() {
  deadLetters.filter = readFilter();
  loadDeadLetters(false);
  return deadLetters.filter;
}

$('bulk-redrive-button').addEventListener('click', async () => {
  const filter = applyFilterForm();
  const rate = Number($('bulk-rate').value) || 50;
  try {
    const answer = await api('POST', '/api/v1/dead-letters/redrive', { filter, rate_per_second: rate });
    message('');
    followJob(answer.location || `/api/v1/redrive-jobs/${encodeURIComponent(answer.body.id)}`, answer.body);
  } catch (error) {
    if (isMissing(error)) {
      $('bulk-redrive').hidden = true;
      message('This server cannot redrive in bulk.');
    } else {
      report(error, 'Starting the bulk redrive failed');
    }
  }
});

function followJob(url, state) {
  stopFollowingJob();
  job.url = url;
  showJob(state);
  if (state.state === 'running') {
    job.timer = setInterval(refreshJob, JOB_POLL_MS);
  }
}

async function refreshJob() {
  const url = job.url;
  try {
    const state = (await api('GET', url)).body;
    if (url === job.url && job.timer !== null) {
      showJob(state);
    }
  } catch (error) {
    stopFollowingJob();
    report(error, 'Following the bulk redrive failed');
  }
}

function showJob(state) {
  $('job').hidden = false;
  const done = state.moved + state.failed;
  $('job-progress').max = Math.max(state.matched, 1);
  $('job-progress').value = done;
  let text = `${state.state}: ${state.moved} redriven, ${state.failed} failed, of ${state.matched} matched`;
  if (state.error) {
    text += ` (${state.error})`;
  }
  $('job-text').textContent = text;
  $('job-cancel').hidden = state.state !== 'running';
  if (state.state !== 'running') {
    stopFollowingJob();
    loadDeadLetters(false);
  }
}

function stopFollowingJob() {
  clearInterval(job.timer);
  job.timer = null;
}

$('job-cancel').addEventListener('click', async () => {
  try {
    const answer = await api('DELETE', job.url);
    if (answer.body) {
      showJob(answer.body);
    }
  } catch (error) {
    report(error, 'Cancelling the bulk redrive failed');
  }
});

$('purge-button').addEventListener('click', async () => {
  const filter = applyFilterForm();
  const described = Object.keys(filter).length === 0 ? 'ALL dead letters'
    : `every dead letter matching ${JSON.stringify(filter)}`;
  if (!window.confirm(`Delete ${described}? Their messages are lost for good.`)) {
    return;
  }
  try {
    const answer = (await api('POST', '/api/v1/dead-letters/purge', { filter })).body;
    message(`${answer.deleted} dead letter(s) deleted.`);
    loadDeadLetters(false);
  } catch (error) {
    if (isMissing(error)) {
      $('purge-button').hidden = true;
      message('This server cannot purge dead letters.');
    } else {
      report(error, 'Purging failed');
    }
  }
});

// ---- small DOM helpers (text only: nothing from the server becomes markup) -----------------------------------

function cell(tag, text) {
  const element = document.createElement(tag);
  element.textContent = text ?? '';
  return element;
}

function wrap(tag, ...children) {
  const element = document.createElement(tag);
  element.append(...children);
  return element;
}

function row(cells) {
  return wrap('tr', ...cells);
}

function button(text, action, kind) {
  const element = cell('button', text);
  element.type = 'button';
  element.dataset.action = action;
  if (kind) {
    element.className = kind;
  }
  return element;
}

function message(text, isError) {
  $('dl-message').textContent = text;
  $('dl-message').className = isError ? 'error' : '';
}

function report(error, what) {
  if (isAuthError(error)) {
    askForKey(error);
  } else {
    message(`${what}: ${error.message}`, true);
  }
}

// ---- start ----------------------------------------------------------------------------------------------------

async function start() {
  try {
    await api('GET', '/api/v1/queues');
  } catch (error) {
    if (isAuthError(error)) {
      askForKey(error);
    } else {
      setConnection(`offline: ${error.message}`, 'error');
      setTimeout(start, POLL_MS);
    }
    return;
  }
  $('key-panel').hidden = true;
  $('dashboard').hidden = false;
  $('forget-key').hidden = !sessionStorage.getItem(KEY_STORAGE);
  detectBulkOperations();
  await poll();
  if (polling === null) {
    polling = setInterval(poll, POLL_MS);
  }
}

// For scripts and tests: the live charts (uPlot instances; their .data holds what is plotted).
window.openhqmConsole = Object.freeze({ charts });

start();
