/**
 * The page's script, sent inline (allowed by its hash in the page's Content-Security-Policy).
 * Plain browser JavaScript in a string — no template literals inside, so it can live in this one.
 * It polls GET /api/snapshot every second and redraws; every value is written with textContent,
 * never as HTML (dead letters carry arbitrary bytes).
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var WINDOW_MS = 5 * 60 * 1000;
  var byId = function (id) { return document.getElementById(id); };
  var lastOk = 0;
  var lastSnapshot = null;
  var seenDuplicates = {};

  // ---- formatting ----------------------------------------------------------------------------
  var isNum = function (v) { return typeof v === 'number' && isFinite(v); };
  var int = function (v) { return isNum(v) ? Math.round(v).toLocaleString('en-US') : 'n/a'; };
  var rate = function (v) {
    if (!isNum(v)) return 'n/a';
    return (v >= 10 ? Math.round(v).toString() : v.toFixed(1)) + ' /s';
  };
  var seconds = function (s) {
    if (!isNum(s)) return 'n/a';
    if (s < 1) return Math.round(s * 1000) + ' ms';
    if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + ' s';
    return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
  };
  // Axis labels: as short as possible, in one unit per axis, chosen by its top (250 ms, 2.5 s, 20 s, 2 min).
  var compactSeconds = function (s, top) {
    if (s === 0) return '0';
    if (top >= 120) return parseFloat((s / 60).toFixed(1)) + ' min';
    if (top >= 1) return parseFloat(s.toFixed(1)) + ' s';
    return Math.round(s * 1000) + ' ms';
  };
  var clock = function (date) { return date.toLocaleTimeString('en-GB', { hour12: false }); };
  var ago = function (iso, now) {
    var t = Date.parse(iso);
    if (!isFinite(t)) return '';
    var s = Math.max(0, Math.round((now - t) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    return clock(new Date(t));
  };

  function setText(id, text, extraClass) {
    var el = byId(id);
    if (!el) return;
    el.textContent = text;
    el.classList.toggle('na', text === 'n/a');
    el.classList.remove('alert', 'warn');
    if (extraClass) el.classList.add(extraClass);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ---- the pipeline ----------------------------------------------------------------------------
  function renderApps(apps) {
    var pills = document.querySelectorAll('[data-app]');
    for (var i = 0; i < pills.length; i++) {
      var pill = pills[i];
      var name = pill.getAttribute('data-app');
      var status = apps[name];
      var label = pill.querySelector('span');
      pill.classList.remove('up', 'down', 'unreachable');
      if (!status) continue;
      pill.classList.add(status.health);
      var words = status.health === 'up' ? '' : status.health === 'down'
        ? ' · down' + (status.failing.length ? ' (' + status.failing.join(', ') + ')' : '')
        : ' · not running';
      label.textContent = name + (status.instances > 1 ? ' ×' + status.instances : '') + words;
      pill.title = name + ' at ' + status.url + (status.instances > 1 ? ' (counters: ' + status.instances + ' instances added up)' : '') + ': ' + status.health + (status.stuck ? ', stuck' : '') +
        (status.reason ? ' — ' + status.reason : '') + (status.metrics ? '' : ' (no /metrics)');
    }
  }

  function renderStages(s) {
    setText('write-stored', int(s.write.stored));
    setText('write-rate', rate(s.write.storedRate));
    setText('write-outbox', int(s.write.storedOutbox));
    setText('write-direct', int(s.write.storedDirect), s.write.storedDirect > 0 ? 'warn' : null);

    setText('outbox-backlog', int(s.outbox.backlog), s.outbox.backlog > 0 ? 'warn' : null);
    setText('outbox-rate', isNum(s.outbox.publishedRate) ? rate(s.outbox.publishedRate) + ' published' : 'n/a');
    setText('outbox-published', int(s.outbox.published));
    setText('outbox-confirm', seconds(s.outbox.confirmP50Seconds));
    var relay = s.apps['event-processor'];
    var relayState = relay.state ? relay.state + (relay.stuck ? ', stuck' : '') : null;
    setText('outbox-relay', relayState || 'n/a', relay.state === 'publishing' && !relay.stuck ? null : relayState ? 'alert' : null);
    byId('outbox-relay').title = relay.reason || '';
    setText('outbox-parked', int(s.system.outboxParked), s.system.outboxParked > 0 ? 'alert' : null);
    setText('sys-proposals', int(s.system.proposals));
    setText('sys-waiting', int(s.system.outboxWaiting), s.system.outboxWaiting > 0 ? 'warn' : null);
    setText('sys-read', isNum(s.system.views) ? int(s.system.views) + ' / ' + int(s.system.inboxEvents) : 'n/a');

    var r = s.rabbit;
    var broker = byId('rabbit-status');
    broker.classList.remove('up', 'unreachable');
    broker.classList.add(r.reachable ? 'up' : 'unreachable');
    broker.querySelector('span').textContent = r.reachable ? 'broker' : 'broker · unreachable';
    setText('rabbit-work', int(r.work));
    setText('rabbit-retry', int(r.retry));
    setText('rabbit-dlq', int(r.dlq));
    setText('rabbit-consumers', int(r.consumers), r.consumers === 0 ? 'alert' : null);
    byId('q-work').className = 'queue' + (r.work > 0 ? ' busy' : '');
    byId('q-retry').className = 'queue' + (r.retry > 0 ? ' busy' : '');
    byId('q-dlq').className = 'queue' + (r.dlq > 0 ? ' bad' : '');

    setText('read-projected', int(s.read.projected));
    setText('read-rate', rate(s.read.projectedRate));
    setText('read-duplicates', int(s.read.duplicates), s.read.duplicates > 0 ? 'warn' : null);
    setText('read-dead', int(s.read.deadLettered), s.read.deadLettered > 0 ? 'alert' : null);
    setText('read-retried', int(s.read.retried));
    setText('read-lag', isNum(s.read.lagSeconds) ? seconds(s.read.lagSeconds) + (s.read.lagIsLast ? ' (last)' : ' p50') : 'n/a');

    byId('arrow-write').classList.toggle('flowing', s.write.storedRate > 0);
    byId('arrow-outbox').classList.toggle('flowing', s.outbox.publishedRate > 0);
    byId('arrow-rabbit').classList.toggle('flowing', s.read.projectedRate > 0);
  }

  function renderVerdict(state, why) {
    var box = byId('verdict');
    box.className = 'verdict ' + state.replace(/ /g, '-');
    byId('verdict-state').textContent = state.toUpperCase();
    byId('verdict-why').textContent = why;
  }

  // ---- charts (inline SVG) ---------------------------------------------------------------------
  var SVG = 'http://www.w3.org/2000/svg';
  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  // The gridline step: 1, 2, 2.5 or 5 times a power of ten (whole numbers only for counts).
  function niceStep(v, whole) {
    var exp = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = whole && exp < 10 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * exp >= v) return Math.max(steps[i] * exp, whole ? 1 : 0);
    return 10 * exp;
  }

  function drawChart(svg, nowMs, points, options) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    // Drawn at the element's own pixel size, so the labels are never stretched.
    var W = Math.max(200, Math.round(svg.clientWidth || 640)), H = Math.max(100, Math.round(svg.clientHeight || 170));
    var L = 62, R = 14, T = 12, B = 26;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    var t0 = nowMs - WINDOW_MS;
    var max = options.minMax;
    var values = 0;
    points.forEach(function (p) { if (isNum(p.v)) { values++; if (p.v > max) max = p.v; } });
    // A time axis of two minutes or more steps in whole minutes, labelled in minutes only.
    var step = options.time && max >= 120 ? niceStep(max / 4 / 60, false) * 60 : niceStep(max / 4, options.whole);
    max = step * 4;
    var x = function (t) { return L + ((t - t0) / WINDOW_MS) * (W - L - R); };
    var y = function (v) { return T + (1 - v / max) * (H - T - B); };

    for (var g = 0; g <= 4; g++) {
      var gv = step * g;
      svg.appendChild(svgEl('line', { x1: L, x2: W - R, y1: y(gv), y2: y(gv), class: 'grid' }));
      svg.appendChild(svgEl('text', { x: L - 8, y: y(gv) + 4, 'text-anchor': 'end', class: 'axis' }, options.format(gv, max)));
    }
    for (var m = 5; m >= 0; m--) {
      svg.appendChild(svgEl('text', { x: x(nowMs - m * 60000), y: H - 6, 'text-anchor': m === 0 ? 'end' : 'middle', class: 'axis' },
        m === 0 ? 'now' : '-' + m + ' min'));
    }
    if (values === 0) {
      svg.appendChild(svgEl('text', { x: (L + W - R) / 2, y: (T + H - B) / 2 + 5, 'text-anchor': 'middle', class: 'empty' }, options.empty));
      return;
    }
    // Runs of consecutive known values are drawn as lines with a light area; a lone value as a dot.
    var runs = [], run = [];
    points.forEach(function (p) {
      if (p.at < t0) return;
      if (isNum(p.v)) run.push(p); else if (run.length) { runs.push(run); run = []; }
    });
    if (run.length) runs.push(run);
    runs.forEach(function (r) {
      if (r.length === 1) {
        svg.appendChild(svgEl('circle', { cx: x(r[0].at), cy: y(r[0].v), r: 3.5, fill: options.color }));
        return;
      }
      var line = r.map(function (p, i) { return (i ? 'L' : 'M') + x(p.at).toFixed(1) + ' ' + y(p.v).toFixed(1); }).join(' ');
      var area = line + ' L' + x(r[r.length - 1].at).toFixed(1) + ' ' + y(0) + ' L' + x(r[0].at).toFixed(1) + ' ' + y(0) + ' Z';
      svg.appendChild(svgEl('path', { d: area, fill: options.color, 'fill-opacity': '0.14', stroke: 'none' }));
      svg.appendChild(svgEl('path', { d: line, fill: 'none', stroke: options.color, 'stroke-width': '2.5', 'stroke-linejoin': 'round' }));
    });
  }

  function renderCharts(s) {
    var now = Date.parse(s.at);
    drawChart(byId('chart-backlog'), now, s.history.map(function (h) { return { at: h.at, v: h.backlog }; }),
      { minMax: 4, whole: true, color: '#7a3fc4', format: function (v) { return Math.round(v).toString(); }, empty: 'n/a: the event processor reports no backlog' });
    drawChart(byId('chart-lag'), now, s.history.map(function (h) { return { at: h.at, v: h.lagSeconds }; }),
      { minMax: 0.1, time: true, color: '#138a4a', format: compactSeconds, empty: 'no event projected in the last 5 minutes' });
    setText('chart-backlog-now', int(s.outbox.backlog));
    setText('chart-lag-now', isNum(s.read.lagSeconds) ? seconds(s.read.lagSeconds) : 'n/a');
  }

  // ---- duplicate log and DLQ -------------------------------------------------------------------
  function renderDuplicates(s, now) {
    var body = byId('duplicates-body');
    var empty = byId('duplicates-empty');
    while (body.firstChild) body.removeChild(body.firstChild);
    var log = s.duplicateLog;
    if (!log.reachable) { empty.textContent = 'n/a: the query API is not answering'; empty.hidden = false; return; }
    empty.hidden = log.items.length > 0;
    empty.textContent = 'No duplicate detected yet. Replay an event to make one.';
    log.items.forEach(function (d) {
      var tr = el('tr', seenDuplicates[d.eventId + d.count] || !lastSnapshot ? '' : 'fresh');
      seenDuplicates[d.eventId + d.count] = true;
      var idCell = el('td', 'mono', d.eventId.slice(0, 8) + '…');
      idCell.title = d.eventId + ' (' + d.type + ')';
      tr.appendChild(idCell);
      tr.appendChild(el('td', 'n', '#' + d.proposalId));
      tr.appendChild(el('td', 'n', d.version));
      tr.appendChild(el('td', 'n', '+' + d.count));
      tr.appendChild(el('td', '', ago(d.lastSeenAt, now)));
      tr.setAttribute('data-event-id', d.eventId);
      body.appendChild(tr);
    });
  }

  function renderDeadLetters(s) {
    var list = byId('dlq-list');
    var empty = byId('dlq-empty');
    while (list.firstChild) list.removeChild(list.firstChild);
    var dl = s.deadLetters;
    if (!dl.reachable) { empty.textContent = 'n/a: RabbitMQ is not answering'; empty.hidden = false; return; }
    empty.hidden = dl.items.length > 0;
    empty.textContent = 'The DLQ is empty.';
    dl.items.forEach(function (d) {
      var item = el('div', 'dlq-item');
      item.setAttribute('data-message-id', d.messageId);
      item.appendChild(el('div', 'reason', d.reason));
      item.appendChild(el('div', 'meta mono', d.messageId + ' · ' + d.type + ' · ' + d.routingKey + (d.at ? ' · ' + d.at.replace('T', ' ').slice(0, 19) : '')));
      item.appendChild(el('pre', 'mono', d.body));
      list.appendChild(item);
    });
    if (isNum(s.rabbit.dlq) && s.rabbit.dlq > dl.items.length) {
      list.appendChild(el('p', 'empty-note', '… and ' + (s.rabbit.dlq - dl.items.length) + ' more'));
    }
  }

  // ---- polling ---------------------------------------------------------------------------------
  function render(s) {
    var now = Date.parse(s.at);
    byId('main').classList.remove('stale');
    renderVerdict(s.verdict.state, s.verdict.why);
    byId('updated').textContent = clock(new Date(now));
    renderApps(s.apps);
    renderStages(s);
    renderCharts(s);
    renderDuplicates(s, now);
    renderDeadLetters(s);
    lastSnapshot = s;
  }

  var polling = false;
  function poll() {
    if (polling) return;
    polling = true;
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 2500);
    fetch('/api/snapshot', { signal: controller.signal, cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(function (s) { lastOk = Date.now(); render(s); })
      .catch(function () {
        if (Date.now() - lastOk > 3000) {
          byId('main').classList.add('stale');
          renderVerdict('offline', 'the lab console server is not answering; the figures below are from ' +
            (lastSnapshot ? clock(new Date(Date.parse(lastSnapshot.at))) : 'nowhere yet'));
        }
      })
      .then(function () { clearTimeout(timer); polling = false; });
  }

  // ---- actions ---------------------------------------------------------------------------------
  function post(path, body) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 35000);
    return fetch('/api/actions/' + path, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}), signal: controller.signal,
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
        if (!res.ok) {
          var error = new Error((data && data.detail) || ('HTTP ' + res.status));
          error.fields = (data && data.errors) || [];
          throw error;
        }
        return data;
      });
    }, function () { throw new Error('the lab console server did not answer'); })
      .then(function (data) { clearTimeout(timer); return data; }, function (e) { clearTimeout(timer); throw e; });
  }

  function logAction(text, isError) {
    var log = byId('action-log');
    var li = el('li', isError ? 'error' : '');
    li.appendChild(el('time', '', clock(new Date())));
    li.appendChild(document.createTextNode(text));
    log.insertBefore(li, log.firstChild);
    while (log.children.length > 8) log.removeChild(log.lastChild);
  }

  function busy(button, work) {
    button.disabled = true;
    return work().then(function () { button.disabled = false; }, function () { button.disabled = false; });
  }

  var NAMES = [['Zoë', "O'Brien", 34], ['Jean-Luc', 'Picard', 59], ['Ana', 'Ó Súilleabháin', 28], ['Kwame', 'Mensah', 41],
    ['Mei', 'Ling', 7], ['Søren', 'Kierkegaard', 42], ['Chloé', 'Dubois', 31], ['Ahmed', 'Al-Sayed', 52]];
  var nameIndex = Math.floor(Math.random() * NAMES.length);

  function addTraveller(prefill) {
    var row = el('div', 'pax');
    var pick = NAMES[nameIndex++ % NAMES.length];
    var first = el('input'); first.name = 'firstName'; first.required = true; first.maxLength = 100; first.setAttribute('aria-label', 'first name');
    var last = el('input'); last.name = 'lastName'; last.required = true; last.maxLength = 100; last.setAttribute('aria-label', 'last name');
    var age = el('input'); age.name = 'age'; age.type = 'number'; age.min = '0'; age.max = '120'; age.required = true; age.setAttribute('aria-label', 'age');
    if (prefill) { first.value = pick[0]; last.value = pick[1]; age.value = String(pick[2]); }
    var remove = el('button', 'icon', '×'); remove.type = 'button'; remove.title = 'remove this traveller';
    remove.addEventListener('click', function () {
      if (byId('travellers').children.length > 1) row.parentNode.removeChild(row);
    });
    row.appendChild(first); row.appendChild(last); row.appendChild(age); row.appendChild(remove);
    byId('travellers').appendChild(row);
  }

  function showResult(ok, message, fields) {
    var box = byId('create-result');
    while (box.firstChild) box.removeChild(box.firstChild);
    box.className = 'result ' + (ok ? 'ok' : 'error');
    box.appendChild(document.createTextNode(message));
    if (fields && fields.length) {
      var ul = el('ul');
      fields.forEach(function (f) { ul.appendChild(el('li', '', f.field + ': ' + f.message)); });
      box.appendChild(ul);
    }
  }

  byId('add-traveller').addEventListener('click', function () { addTraveller(true); });

  byId('create-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var pax = [];
    var rows = byId('travellers').children;
    for (var i = 0; i < rows.length; i++) {
      var inputs = rows[i].querySelectorAll('input');
      pax.push({ firstName: inputs[0].value, lastName: inputs[1].value, age: Number(inputs[2].value) });
    }
    var body = { customerId: Number(byId('create-customer').value), packageId: byId('create-package').value.trim(), pax: pax };
    busy(byId('create-submit'), function () {
      return post('create-proposal', body).then(function (r) {
        showResult(true, 'Created proposal #' + r.proposalId + ' (version ' + r.version + ') · outbox event id ' + r.outboxEventId);
        byId('replay-event-id').value = String(r.outboxEventId);
        logAction('created proposal #' + r.proposalId + ', outbox event ' + r.outboxEventId);
      }, function (e) {
        showResult(false, e.message, e.fields);
        logAction('create failed: ' + e.message, true);
      });
    });
  });

  function replay(body, button) {
    busy(button, function () {
      return post('replay', body).then(function (r) {
        logAction('replayed outbox event(s) ' + r.replayed.join(', ') + ': watch the duplicate log');
      }, function (e) { logAction('replay failed: ' + e.message, true); });
    });
  }

  byId('replay-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var id = Number(byId('replay-event-id').value);
    if (!(id >= 1)) { logAction('type an outbox event id first (or use "Replay last")', true); return; }
    replay({ eventId: id }, byId('replay-submit'));
  });
  byId('replay-last').addEventListener('click', function () { replay({ last: 1 }, byId('replay-last')); });

  byId('poison-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var kind = byId('poison-kind').value;
    busy(byId('poison-submit'), function () {
      return post('poison', { kind: kind }).then(function (r) {
        logAction('sent poison (' + r.kind + ') ' + r.messageId + ': watch the DLQ');
      }, function (e) { logAction('poison failed: ' + e.message, true); });
    });
  });

  byId('redrive').addEventListener('click', function () {
    busy(byId('redrive'), function () {
      return post('redrive', {}).then(function (r) {
        logAction('redrove ' + r.redriven + ' dead letter(s) to the work queue');
      }, function (e) { logAction('redrive failed: ' + e.message, true); });
    });
  });

  addTraveller(true);
  poll();
  setInterval(poll, 1000);
})();
`;
