/* Selvedge web UI: live updates from the control plane's event stream (/api/v1/events, opened
   with the session cookie from this page's own origin). Pages work without this script; with it,
   pills change in place as the poller sees them change, the events page grows, and a disconnected
   stream is marked so that no one mistakes an old page for a live one.

   A page opts in with an element carrying data-live (fleet, node, stack or events), data-after
   (the last event id its HTML already shows) and data-filter (the stream's query). Nothing here
   puts a key anywhere: the session cookie is HttpOnly and the stream needs nothing else. */
(function () {
  'use strict';

  var root = document.querySelector('[data-live]');
  if (!root || !('WebSocket' in window)) {
    return;
  }
  var kind = root.getAttribute('data-live');
  var filter = root.getAttribute('data-filter') || '';
  // Empty when the server could not tell its newest event: then the stream starts from now.
  var after = root.getAttribute('data-after');
  var lastId = after ? Number(after) : null;
  var disconnectedSince = null;
  var status = document.getElementById('live');
  var news = document.getElementById('live-news');
  var backoff = 1000;
  var ended = false;
  var refreshTimer = null;
  var FEED_ROWS = 200;
  var REFRESH_EVERY = Number(root.getAttribute('data-refresh') || '30') * 1000;
  // The last pill event applied per pill ("node\u0000stack"): applied again over a grid that was
  // rendered before it (a refresh racing the event).
  var latest = new Map();

  function setStatus(state, text) {
    document.body.setAttribute('data-live-state', state);
    if (status) {
      status.setAttribute('data-state', state);
      status.textContent = text;
    }
  }

  function clock(date) {
    return date.toISOString().substring(11, 19) + ' UTC';
  }

  function connect() {
    var url =
      (location.protocol === 'https:' ? 'wss://' : 'ws://') +
      location.host +
      '/api/v1/events?' +
      [lastId === null ? '' : 'after=' + lastId, filter].filter(Boolean).join('&');
    var socket = new WebSocket(url);
    var opened = false;
    socket.onopen = function () {
      opened = true;
      backoff = 1000;
      disconnectedSince = null;
      setStatus('live', 'Live');
    };
    socket.onmessage = function (message) {
      var event;
      try {
        event = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      if (event.id !== null && event.id !== undefined) {
        lastId = event.id;
      }
      handle(event);
    };
    socket.onclose = function (close) {
      if (close.code === 4001) {
        ended = true;
        setStatus('ended', 'Not live: the session ended or its key was revoked. Sign in again.');
        return;
      }
      if (close.code === 4009) {
        // Too far behind to resume: what the page shows is older than the stream keeps.
        location.reload();
        return;
      }
      if (disconnectedSince === null) {
        // Said once, with the time the stream dropped (retries change nothing a reader hears).
        disconnectedSince = new Date();
        setStatus(
          'disconnected',
          'Disconnected since ' + clock(disconnectedSince) + ': pills may be out of date; reconnecting'
        );
      }
      setTimeout(connect, opened ? 1000 : backoff);
      backoff = Math.min(backoff * 2, 30000);
    };
  }

  function handle(event) {
    var data = event.data || {};
    if (event.type === 'stack.status.changed' || event.type === 'node.status.changed') {
      var stack = event.type === 'stack.status.changed' ? event.stack : null;
      var pill = { id: event.id, node: event.node, stack: stack, data: data };
      latest.set(event.node + '\u0000' + (stack || ''), pill);
      applyPill(pill);
      announce(
        (stack ? 'Stack ' + stack + ' on ' : 'Node ') + event.node + ' turned ' + data.to + '.'
      );
      if (kind === 'fleet') {
        recount();
        var query = new URLSearchParams(location.search);
        if (query.get('pill') || query.get('sort') === 'worst') {
          scheduleRefresh(1000); // the rows that match or their order may have changed
        }
      }
    }
    if (kind === 'stack' && event.stack === root.getAttribute('data-stack')) {
      if (/^(stack\.status\.|drift\.|operation\.finished)/.test(event.type)) {
        var note = document.getElementById('changed');
        if (note) {
          note.hidden = false;
        }
      }
    }
    if (kind === 'events') {
      feed(event);
    }
    if (fragment && concerns(event)) {
      if (kind === 'rollout') {
        announce('Rollout ' + rollout + ': ' + event.type.substring('rollout.'.length).replace(/[._]/g, ' ') +
          (event.node ? ' (' + event.node + ')' : '') + '.');
      }
      scheduleFragment();
    }
  }

  // ------------------------------------------------ pages redrawn in place (rollouts, updates)

  // A page with data-fragment names the element (by id) the server redraws on its own when asked
  // with HX-Target: that id; data-rollout narrows it to one rollout's events.
  var fragment = root.getAttribute('data-fragment');
  var rollout = root.getAttribute('data-rollout');
  var fragmentTimer = null;

  function concerns(event) {
    if (!/^(rollout|autoupdate)\./.test(event.type || '')) {
      return false;
    }
    if (!rollout) {
      return true;
    }
    var data = event.data || {};
    return event.operation === rollout || data.rollout === rollout;
  }

  function scheduleFragment() {
    if (fragmentTimer === null) {
      fragmentTimer = setTimeout(redraw, 200); // a burst of events: one redraw
    }
  }

  function redraw() {
    fragmentTimer = null;
    if (window.htmx && document.getElementById(fragment)) {
      window.htmx.ajax('GET', location.pathname + location.search, {
        target: '#' + fragment,
        swap: 'outerHTML',
        headers: { 'HX-Target': fragment }
      });
    }
  }

  function announce(text) {
    if (news) {
      news.textContent = text;
    }
  }

  function label(pill) {
    if (!pill.stack) {
      return pill.data.to;
    }
    // While anti-flap holds the colour, the poller notes what it turns to (as FleetGrid.turning).
    var turning = '';
    (Array.isArray(pill.data.reasons) ? pill.data.reasons : []).forEach(function (r) {
      var m = /^turning (green|yellow|red) \(seen in \d+ sweeps?\)$/.exec(String(r));
      if (m) {
        turning = ', turning ' + m[1];
      }
    });
    return (
      pill.data.to + turning + ': ' + (pill.data.sync || 'unknown') + ', ' +
      (pill.data.health || 'unknown')
    );
  }

  function applyPill(pill) {
    var colour = pill.data.to;
    if (!/^(green|yellow|red|unknown)$/.test(colour)) {
      return;
    }
    var reasons = Array.isArray(pill.data.reasons) ? pill.data.reasons : [];
    var all = document.querySelectorAll('.pill[data-node]');
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (
        el.getAttribute('data-node') !== pill.node ||
        (el.getAttribute('data-stack') || null) !== pill.stack ||
        el.hasAttribute('data-service')
      ) {
        continue;
      }
      el.className = el.className.replace(/\bpill-[a-z]+\b/, 'pill-' + colour);
      el.setAttribute('data-pill', colour);
      el.textContent = label(pill);
      setReasons(el, pill.stack ? reasons : rowReasons(el, reasons));
    }
  }

  // A node pill in a grid row: the reasons its row's stack pills give are named once (as the
  // server renders it: FleetGrid.nodeReasons).
  function rowReasons(el, reasons) {
    var row = el.closest('tr[data-node]');
    if (!row) {
      return reasons;
    }
    var stacks = Array.prototype.map.call(row.querySelectorAll('.pill[data-stack]'), function (p) {
      return p.getAttribute('data-stack');
    });
    var own = [];
    var shown = [];
    reasons.forEach(function (r) {
      var stack = stacks.find(function (s) {
        return String(r).indexOf(s + ': ') === 0;
      });
      if (stack === undefined) {
        own.push(r);
      } else if (shown.indexOf(stack) < 0) {
        shown.push(stack);
      }
    });
    if (shown.length > 0) {
      own.push('worst: ' + shown.join(', ') + ' (reasons on the stack pills)');
    }
    return own;
  }

  function setReasons(el, reasons) {
    var id = el.getAttribute('aria-describedby');
    var box = id ? document.getElementById(id) : null;
    if (!box && reasons.length > 0) {
      var cell = document.createElement('span');
      cell.className = 'pill-cell';
      el.parentNode.insertBefore(cell, el);
      cell.appendChild(el);
      box = document.createElement('span');
      box.className = 'reasons';
      box.setAttribute('role', 'tooltip');
      box.id =
        'why-' + el.getAttribute('data-node') +
        (el.getAttribute('data-stack') ? '--' + el.getAttribute('data-stack') : '');
      cell.appendChild(box);
    }
    if (!box) {
      return;
    }
    while (box.firstChild) {
      box.removeChild(box.firstChild);
    }
    for (var i = 0; i < reasons.length; i++) {
      var line = document.createElement('span');
      line.textContent = String(reasons[i]);
      box.appendChild(line);
    }
    if (reasons.length > 0) {
      el.setAttribute('aria-describedby', box.id);
    } else {
      el.removeAttribute('aria-describedby');
    }
  }

  // ------------------------------------------------------------------------- the fleet grid

  function recount() {
    var grid = document.getElementById('grid');
    if (!grid) {
      return;
    }
    var counts = {};
    var pills = grid.querySelectorAll('.pill[data-node][data-pill]');
    for (var i = 0; i < pills.length; i++) {
      var p = pills[i];
      var key = (p.hasAttribute('data-stack') ? 'stacks-' : 'nodes-') + p.getAttribute('data-pill');
      counts[key] = (counts[key] || 0) + 1;
    }
    var shown = grid.querySelectorAll('[data-count]');
    for (var j = 0; j < shown.length; j++) {
      var name = shown[j].getAttribute('data-count');
      var colour = name.substring(name.indexOf('-') + 1);
      if (name.indexOf('nodes-') === 0 || name.indexOf('stacks-') === 0) {
        shown[j].textContent = (counts[name] || 0) + ' ' + colour;
      }
    }
  }

  function scheduleRefresh(delay) {
    if (refreshTimer === null) {
      refreshTimer = setTimeout(refresh, delay);
    }
  }

  function refresh() {
    refreshTimer = null;
    var summary = document.getElementById('summary');
    var headers = { 'HX-Target': 'grid' };
    if (summary && summary.getAttribute('data-token')) {
      headers['X-Grid-Token'] = summary.getAttribute('data-token');
    }
    if (window.htmx) {
      window.htmx.ajax('GET', '/ui/fleet' + location.search, {
        target: '#grid',
        swap: 'innerHTML',
        headers: headers
      });
    }
  }

  // The pill that had keyboard focus before a refresh swapped the grid, to focus again after it.
  var focused = null;

  function rememberFocus() {
    var el = document.activeElement;
    focused =
      el && el.classList && el.classList.contains('pill') && el.closest('#grid')
        ? { node: el.getAttribute('data-node'), stack: el.getAttribute('data-stack') }
        : null;
  }

  function restoreFocus() {
    if (!focused) {
      return;
    }
    var pills = document.querySelectorAll('#grid .pill[data-node]');
    for (var i = 0; i < pills.length; i++) {
      if (
        pills[i].getAttribute('data-node') === focused.node &&
        pills[i].getAttribute('data-stack') === focused.stack
      ) {
        pills[i].focus();
        break;
      }
    }
    focused = null;
  }

  function reapplyAfterSwap() {
    var summary = document.getElementById('summary');
    var shownUpTo = summary ? Number(summary.getAttribute('data-after') || '0') : 0;
    latest.forEach(function (pill) {
      if (pill.id > shownUpTo) {
        applyPill(pill);
      }
    });
    recount();
  }

  // ------------------------------------------------------------------------- the events feed

  function cell(row, text, code) {
    var td = document.createElement('td');
    if (text !== null && text !== undefined && text !== '') {
      if (code) {
        var c = document.createElement('code');
        c.textContent = text;
        td.appendChild(c);
      } else {
        td.textContent = text;
      }
    }
    row.appendChild(td);
  }

  function feed(event) {
    var body = document.getElementById('feed');
    if (!body || event.id === null || event.id === undefined) {
      return;
    }
    var row = document.createElement('tr');
    row.setAttribute('data-event', String(event.id));
    row.setAttribute('data-type', event.type);
    cell(row, String(event.id));
    var when = document.createElement('td');
    var time = document.createElement('time');
    time.setAttribute('datetime', event.at);
    time.textContent = event.at;
    when.appendChild(time);
    row.appendChild(when);
    cell(row, event.type, true);
    cell(row, event.node);
    cell(row, event.stack);
    cell(row, event.service);
    cell(row, event.operation, true);
    cell(row, JSON.stringify(event.data || {}), true);
    body.insertBefore(row, body.firstChild);
    while (body.children.length > FEED_ROWS) {
      body.removeChild(body.lastChild);
    }
    var empty = document.getElementById('feed-empty');
    if (empty) {
      empty.hidden = true;
    }
  }

  // ----------------------------------------------------------------------------- start

  if (kind === 'fleet') {
    document.body.addEventListener('htmx:beforeSwap', function (e) {
      if (e.detail && e.detail.target && e.detail.target.id === 'grid') {
        rememberFocus();
      }
    });
    document.body.addEventListener('htmx:afterSwap', function (e) {
      if (e.detail && e.detail.target && e.detail.target.id === 'grid') {
        reapplyAfterSwap();
        restoreFocus();
      }
    });
    // Stale marks (a node not swept for two intervals) and rows that changed come with a refresh;
    // the server answers 204 when the grid is the one shown.
    setInterval(function () {
      if (!ended) {
        scheduleRefresh(0);
      }
    }, REFRESH_EVERY);
  }
  setStatus('connecting', 'Connecting to live updates');
  connect();
})();
