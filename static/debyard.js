// debyard web UI: small progressive enhancements. Every page works without this file.
'use strict';

(function () {
  /** The CSRF token of this page, for script requests to the API (X-CSRF-Token). */
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  /** Calls a debyard API call (POST) as the logged-in user; resolves with its JSON. */
  async function call(name, input) {
    const response = await fetch('/api/v1/' + name, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
      body: JSON.stringify(input || {}),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || response.statusText);
    return body;
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function link(href, text) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
  }

  /** The pages an event links to, as src/web/ui/event-links.ts makes them. */
  function eventLinks(e) {
    const details = e.details || {};
    const match = /^[a-z][a-z0-9]*-([a-z0-9]+)-[a-z]/.exec(e.distribution || '');
    const repository = match
      ? match[1]
      : typeof details.repository === 'string'
        ? details.repository
        : null;
    const many = Array.isArray(details.distributions) ? details.distributions.length : 0;
    return {
      package: e.source ? '/packages/' + encodeURIComponent(e.source) : null,
      upload: e.uploadId ? '/uploads/' + e.uploadId : null,
      build: e.buildId ? '/builds/' + e.buildId : null,
      repository: repository
        ? { id: repository, href: '/repositories/' + encodeURIComponent(repository) }
        : null,
      distributions:
        e.distribution ||
        (many > 1 ? (repository ? repository + ': ' : '') + many + ' distributions' : ''),
    };
  }

  /** The same row as templates/partials/event-row.ejs. */
  function eventRow(e) {
    const links = eventLinks(e);
    const tr = document.createElement('tr');
    tr.dataset.id = String(e.id);
    tr.className = 'new';
    tr.appendChild(cell(String(e.id), 'num'));
    const when = document.createElement('td');
    const time = document.createElement('time');
    time.dateTime = e.time;
    time.textContent = e.time.replace('T', ' ').slice(0, 19);
    when.appendChild(time);
    tr.appendChild(when);
    const type = document.createElement('td');
    const badge = document.createElement('span');
    badge.className = 'badge type-' + e.type;
    badge.textContent = e.type;
    type.appendChild(badge);
    tr.appendChild(type);
    const pkg = cell('');
    if (links.package) {
      pkg.appendChild(link(links.package, e.source));
      if (e.version) {
        const version = document.createElement('span');
        version.className = 'nowrap';
        version.textContent = e.version;
        pkg.appendChild(document.createTextNode(' '));
        pkg.appendChild(version);
      }
    }
    tr.appendChild(pkg);
    const dist = cell(links.repository ? '' : links.distributions);
    if (links.repository) {
      const a = link(links.repository.href, links.distributions || links.repository.id);
      a.title = 'repository ' + links.repository.id;
      a.className = 'nowrap';
      dist.appendChild(a);
    }
    tr.appendChild(dist);
    const message = cell(e.message);
    if (links.upload || links.build) {
      const refs = document.createElement('span');
      refs.className = 'refs';
      if (links.upload) refs.appendChild(link(links.upload, 'upload ' + e.uploadId));
      if (links.build) refs.appendChild(link(links.build, 'build ' + e.buildId));
      message.appendChild(document.createTextNode(' '));
      message.appendChild(refs);
    }
    tr.appendChild(message);
    return tr;
  }

  /** Keeps a table of events up to date from the API's event stream (SSE). */
  function followEvents(tbody) {
    const limit = Number(tbody.dataset.limit || 50);
    const table = tbody.closest('table');
    const status = table && table.previousElementSibling;
    const say = (text, state) => {
      if (!status || !status.classList.contains('live')) return;
      status.textContent = text;
      status.dataset.state = state;
    };
    const source = new EventSource(tbody.dataset.liveEvents);
    source.onopen = () => say('● Live: new events appear here as they happen.', 'live');
    source.onerror = () => say('○ Connection lost; reconnecting…', 'lost');
    source.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (tbody.querySelector('tr[data-id="' + event.id + '"]')) return;
      const empty = tbody.querySelector('tr.empty');
      if (empty) empty.remove();
      tbody.insertBefore(eventRow(event), tbody.firstChild);
      while (tbody.rows.length > limit) tbody.deleteRow(-1);
    };
    source.addEventListener('problem', (message) => {
      say('Live updates stopped: ' + JSON.parse(message.data).detail, 'lost');
      source.close();
    });
    window.addEventListener('pagehide', () => source.close());
  }

  /**
   * Keeps an element (with an id) up to date: each event of its stream makes the page at
   * data-live-refresh load again in the background, and the element takes the new content.
   */
  function liveRefresh(element) {
    const source = new EventSource(element.dataset.liveEvents);
    let timer = null;
    const refresh = async () => {
      timer = null;
      const response = await fetch(element.dataset.liveRefresh, {
        // A background load: a form's outcome waiting for this page stays for it.
        headers: { accept: 'text/html', 'x-debyard-refresh': '1' },
      });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      const fresh = page.getElementById(element.id);
      if (fresh) element.innerHTML = fresh.innerHTML;
    };
    source.onmessage = () => {
      timer = timer || setTimeout(() => refresh().catch(() => undefined), 250);
    };
    source.addEventListener('problem', () => source.close());
    window.addEventListener('pagehide', () => source.close());
  }

  /**
   * Follows a build's log (build_log with follow, SSE): the stream gives the whole log
   * from its first line (ids are line numbers), then each new line, then the end. The
   * view stays at the tail unless the reader scrolled up.
   */
  function followLog(pre) {
    const status = document.querySelector('[data-live-status-for="log"]');
    const say = (text, state) => {
      if (!status) return;
      status.textContent = text;
      status.dataset.state = state;
    };
    let shown = 0;
    let started = false;
    const source = new EventSource(pre.dataset.liveLog);
    source.onopen = () => say('● Live: the log follows the build.', 'live');
    source.onerror = () => say('○ Connection lost; reconnecting…', 'lost');
    source.onmessage = (message) => {
      const item = JSON.parse(message.data);
      const atTail = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
      if ('end' in item) {
        source.close();
        say('The build ended: ' + item.state + '. Reload for its details.', 'ended');
        const badge = document.getElementById('build-state');
        if (badge) {
          badge.textContent = item.state;
          badge.className = 'badge type-' + item.state;
        }
        return;
      }
      const n = Number(message.lastEventId);
      if (!started) {
        pre.textContent = ''; // the stream replaces what the page showed
        started = true;
      }
      if (n && n <= shown) return;
      shown = n || shown + 1;
      pre.appendChild(document.createTextNode(item.line + '\n'));
      if (atTail) window.scrollTo(0, document.body.scrollHeight);
    };
    source.addEventListener('problem', (message) => {
      say('The log stopped: ' + JSON.parse(message.data).detail, 'lost');
      source.close();
    });
    window.addEventListener('pagehide', () => source.close());
  }

  /** A Copy button beside each copy-paste block, where the browser lets scripts copy. */
  function copyButton(pre) {
    if (!navigator.clipboard) return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy';
    button.textContent = 'Copy';
    button.addEventListener('click', () => {
      navigator.clipboard.writeText(pre.textContent).then(
        () => (button.textContent = 'Copied'),
        () => (button.textContent = 'Select and copy by hand'),
      );
    });
    pre.insertAdjacentElement('afterend', button);
  }

  /** Forms with data-confirm ask before they are sent. */
  document.addEventListener('submit', (event) => {
    const form = event.target;
    const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
    if (!question) return;
    if (!window.confirm(question)) return event.preventDefault();
    // Forms with a `confirmed` field skip the server's confirmation page once asked here.
    if (form.elements.confirmed) form.elements.confirmed.value = 'yes';
  });

  document.querySelectorAll('tbody[data-live-events]').forEach(followEvents);
  document.querySelectorAll('[data-live-refresh]').forEach(liveRefresh);
  document.querySelectorAll('pre.step').forEach(copyButton);
  document.querySelectorAll('pre[data-live-log]').forEach(followLog);
  window.debyard = { call, csrfToken, eventRow };
})();
