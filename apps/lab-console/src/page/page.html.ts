import { createHash } from 'node:crypto';
import { PAGE_SCRIPT } from './page.script';
import { PAGE_STYLE } from './page.style';

const arrow = (id: string) => `
    <div class="arrow" id="${id}" aria-hidden="true">
      <svg viewBox="0 0 40 40"><path d="M4 20 H32 M24 11 L33 20 L24 29"/><path class="flow" d="M4 20 H30"/></svg>
    </div>`;

const app = (name: string) => `<span class="app" data-app="${name}" title="${name}"><i></i><span>${name}</span></span>`;

const BODY = `
<header class="top">
  <div>
    <h1>ACME Proposals <span>· live pipeline</span></h1>
    <div class="sub">reliable messaging in CQRS — write side → outbox → RabbitMQ → read side</div>
  </div>
  <div id="verdict" class="verdict" role="status" aria-live="polite">
    <span class="state" id="verdict-state">…</span><span id="verdict-why">waiting for the first sample</span>
  </div>
  <div class="clock">updated <b id="updated">—</b><br><span id="sampling">every second</span></div>
</header>

<main id="main">
  <section class="pipeline" aria-label="pipeline">
    <article class="stage write">
      <header><h2>Write side<small>PostgreSQL · one local transaction</small></h2><div class="apps">${app('command-api')}</div></header>
      <div class="big"><span id="write-stored" class="num">n/a</span><small>events stored</small></div>
      <div class="rate" id="write-rate">n/a</div>
      <dl class="facts">
        <dt>proposals (PostgreSQL now)</dt><dd id="sys-proposals">n/a</dd>
        <dt>outbox mode</dt><dd id="write-outbox">n/a</dd>
        <dt>direct mode (dual write)</dt><dd id="write-direct">n/a</dd>
      </dl>
    </article>
    ${arrow('arrow-write')}
    <article class="stage outbox">
      <header><h2>Outbox<small>proposalevents → relay</small></h2><div class="apps">${app('event-processor')}</div></header>
      <div class="big"><span id="outbox-backlog" class="num">n/a</span><small>waiting</small></div>
      <div class="rate" id="outbox-rate">n/a</div>
      <dl class="facts">
        <dt>published</dt><dd id="outbox-published">n/a</dd>
        <dt>confirm p50 (5 min)</dt><dd id="outbox-confirm">n/a</dd>
        <dt>rows waiting (PostgreSQL now)</dt><dd id="sys-waiting">n/a</dd>
        <dt>relay</dt><dd id="outbox-relay">n/a</dd>
        <dt>parked</dt><dd id="outbox-parked">n/a</dd>
      </dl>
    </article>
    ${arrow('arrow-outbox')}
    <article class="stage rabbit">
      <header><h2>RabbitMQ<small>acme.sales.topic</small></h2><div class="apps"><span class="app" id="rabbit-status" title="RabbitMQ"><i></i><span>broker</span></span></div></header>
      <div class="queues">
        <div class="queue" id="q-work"><b id="rabbit-work">n/a</b><span>work queue</span></div>
        <div class="queue" id="q-retry"><b id="rabbit-retry">n/a</b><span>retry</span></div>
        <div class="queue" id="q-dlq"><b id="rabbit-dlq">n/a</b><span>DLQ</span></div>
      </div>
      <dl class="facts">
        <dt>consumers</dt><dd id="rabbit-consumers">n/a</dd>
      </dl>
    </article>
    ${arrow('arrow-rabbit')}
    <article class="stage read">
      <header><h2>Read side<small>MongoDB · projections</small></h2><div class="apps">${app('proposal-subscriber')}${app('query-api')}</div></header>
      <div class="big"><span id="read-projected" class="num">n/a</span><small>events projected</small></div>
      <div class="rate" id="read-rate">n/a</div>
      <dl class="facts">
        <dt>views / inbox events (MongoDB now)</dt><dd id="sys-read">n/a</dd>
        <dt>duplicates ignored</dt><dd id="read-duplicates">n/a</dd>
        <dt>dead-lettered</dt><dd id="read-dead">n/a</dd>
        <dt>retried</dt><dd id="read-retried">n/a</dd>
        <dt>end-to-end lag</dt><dd id="read-lag">n/a</dd>
      </dl>
    </article>
  </section>
  <p class="footnote">Big figures and rates are the apps' Prometheus counters since each app started (first instance of each worker); "now" rows are read from the stores, whatever instances run; queue depths come from RabbitMQ; n/a = not reported.</p>

  <section class="charts">
    <figure class="chart">
      <figcaption><span>Outbox backlog <small>events waiting to be published · last 5 min</small></span><b id="chart-backlog-now">n/a</b></figcaption>
      <svg id="chart-backlog" role="img" aria-label="outbox backlog over the last five minutes"></svg>
    </figure>
    <figure class="chart">
      <figcaption><span>End-to-end lag <small>p50, stored → projected · last 5 min</small></span><b id="chart-lag-now">n/a</b></figcaption>
      <svg id="chart-lag" role="img" aria-label="end-to-end lag over the last five minutes"></svg>
    </figure>
  </section>

  <section class="lower">
    <div class="stack">
    <article class="panel">
      <h3>Create a proposal <small>POST /proposals</small></h3>
      <form id="create-form" autocomplete="off">
        <div class="row2">
          <label>Customer
            <select id="create-customer">
              <option value="1">1 · John Doe</option>
              <option value="2">2 · Andy S Knoworth</option>
              <option value="3">3 · Donegan Woolworth</option>
            </select>
          </label>
          <label>Package <input id="create-package" value="BAHAMA5NIGHT@COCOCLUB" maxlength="100" required></label>
        </div>
        <div class="pax-head"><span>first name</span><span>last name</span><span>age</span><span></span></div>
        <div id="travellers"></div>
        <div class="buttons">
          <button type="button" id="add-traveller">+ traveller</button>
          <button type="submit" class="primary" id="create-submit">Create proposal</button>
        </div>
      </form>
      <div id="create-result" class="result" aria-live="polite"></div>
    </article>

    <article class="panel">
      <h3>Lab actions <small>safe to click</small></h3>
      <div class="action">
        <span class="what">Replay an event<small>Lab 3: a duplicate</small></span>
        <form id="replay-form" class="inline">
          <input id="replay-event-id" type="number" min="1" step="1" placeholder="event id" aria-label="outbox event id">
          <button type="submit" class="violet" id="replay-submit">Replay</button>
          <button type="button" id="replay-last">Replay last</button>
        </form>
      </div>
      <div class="action">
        <span class="what">Send poison<small>Lab 4c: to the DLQ</small></span>
        <form id="poison-form" class="inline">
          <select id="poison-kind" aria-label="kind of poison">
            <option value="not-json">not JSON</option>
            <option value="schema">breaks the contract</option>
            <option value="unknown-type">unknown event type</option>
          </select>
          <button type="submit" class="danger" id="poison-submit">Send poison</button>
        </form>
      </div>
      <div class="action">
        <span class="what">Dead letters<small>back to the work queue</small></span>
        <div class="inline"><button type="button" id="redrive">Redrive the DLQ</button></div>
      </div>
      <ol id="action-log" class="log" aria-live="polite"></ol>
    </article>
    </div>

    <article class="panel">
      <h3>Duplicate log <small>query-api · duplicateevents</small></h3>
      <div class="scroll">
        <table id="duplicates-table">
          <thead><tr><th style="width:30%">event</th><th class="n" style="width:19%">proposal</th><th class="n" style="width:11%">v</th><th class="n" style="width:13%">extra</th><th style="width:27%">last seen</th></tr></thead>
          <tbody id="duplicates-body"></tbody>
        </table>
        <p class="empty-note" id="duplicates-empty">n/a</p>
      </div>
    </article>

    <article class="panel">
      <h3>Dead-letter queue <small>proposal.reader.dlq</small></h3>
      <div class="scroll" id="dlq-list"></div>
      <p class="empty-note" id="dlq-empty">n/a</p>
    </article>
  </section>
</main>`;

/** Content-Security-Policy of the page: its one inline script is allowed by hash, nothing else runs. */
export function pageSecurityPolicy(): string {
  const hash = createHash('sha256').update(PAGE_SCRIPT).digest('base64');
  return [
    "default-src 'self'",
    `script-src 'sha256-${hash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** The whole page in one response: no CDN, no build step for the front end (the classroom may be offline). */
export function renderPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>ACME Proposals · live pipeline</title>
<style>${PAGE_STYLE}</style>
</head>
<body>${BODY}
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
