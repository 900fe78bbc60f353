// timeline.js: draws a recorded simulator run as a space-time diagram. Embedded into
// the page with the run's events (the #timeline-data element); needs nothing else.
//
// Each event is [time_us, node, role, term, kind, peer, message_id, detail]: the
// layout of raftlab::sim::TimelineEvent (harness/sim/include/raftlab/sim/timeline.h).
// Each state change is [event, node, 0] (down) or [event, node, 1, role, term,
// voted_for, leader_id, commit_index, last_applied, log_kept, [term, command, ...],
// next_index[], match_index[]] (a raftlab::sim::StateChange; see html.cpp): the log
// is the first log_kept entries of the server's last log while up, then those listed.
//
// Time travel: one event is selected at a time (click it, or step with the arrow keys
// or j/k), and the panel at the bottom shows every server's state at that moment: for
// each server, its latest state change at or before the selected event.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('timeline-data').textContent);
  const events = data.events.map((a, i) => ({
    i, time: a[0], node: a[1], role: a[2], term: a[3], kind: String(a[4]).toLowerCase(), peer: a[5], id: a[6], detail: a[7],
  }));
  const servers = Math.max(1, data.servers);
  const ROLE = { f: 'follower', c: 'candidate', l: 'leader' };
  // Per server, its state changes in order, each with the length of its whole log.
  const changes = Array.from({ length: servers }, () => []);
  for (const a of data.states || []) {
    const c = a[2]
      ? { event: a[0], node: a[1], up: true, role: ROLE[a[3]] || String(a[3]), term: a[4], vote: a[5], leader: a[6],
        commit: a[7], applied: a[8], kept: a[9], added: a[10], next: a[11] || null, match: a[12] || null }
      : { event: a[0], node: a[1], up: false, kept: 0, added: [] };
    const list = changes[c.node];
    if (!list) continue;
    // A down state changes no log: the next one is a difference from the last log.
    const before = list.length ? list[list.length - 1].logLength : 0;
    c.logLength = c.up ? Math.min(before, c.kept) + c.added.length / 2 : before;
    list.push(c);
  }
  const LANE = 72, TOP = 52, LABELS = 78, RIGHT = 340, BAND = 18;
  const lastTime = events.length ? events[events.length - 1].time : 0;
  let scale = Math.min(8, Math.max(0.2, 1500 / Math.max(1, lastTime / 1000)));  // px per ms

  const x = (t) => 4 + (t / 1000) * scale;
  const laneY = (n) => TOP + n * LANE + LANE / 2;
  const height = TOP + servers * LANE + 10;
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const fmtMs = (t) => (t / 1000).toFixed(3) + ' ms';

  // ---- the page around the diagram ---------------------------------------------------
  function header() {
    const sends = events.filter((e) => e.kind === 'send').length;
    const failure = data.failure
      ? `<div class="failure"><b>Property broken:</b> ${esc(data.failure)}<button id="goto">show where</button></div>`
      : '<div class="passed">This run passed: no property broke.</div>';
    const swatch = (v, label) => `<span><span class="swatch" style="background:var(--${v})"></span>${label}</span>`;
    return `<header><h1>${esc(data.title || 'raftlab timeline')}</h1>
      <div class="summary">${servers} servers, ${events.length} events, ${sends} messages sent,
        ${fmtMs(lastTime)} of virtual time. Hover any mark or arrow for its content; click one
        (or press &rarr;/&larr; or j/k, Shift for the next state change, Home/End) to see every
        server's state at that event.</div>${failure}
      <div class="controls">
        <label><input type="checkbox" id="show-hb" checked> heartbeats and their replies</label>
        <label><input type="checkbox" id="show-timer"> timer ticks</label>
        <span>zoom <button id="zoom-out">&minus;</button> <button id="zoom-in">+</button></span></div>
      <div class="legend">${swatch('follower', 'follower')}${swatch('candidate', 'candidate')}
        ${swatch('leader', 'leader')}${swatch('down', 'down (crashed)')}${swatch('ae', 'AppendEntries')}
        ${swatch('hb', 'heartbeat')}${swatch('aer', 'reply')}${swatch('rv', 'RequestVote')}
        ${swatch('rvr', 'vote reply')}${swatch('drop', 'lost message &times;')}${swatch('net', 'network change')}
        ${swatch('loglen', 'log length')}${swatch('commit', 'commit index')}
        <span>(lines along each lane: 0 at its bottom, ${most} at its top)</span></div>
      </header>
      <div id="diagram" style="display:flex"><svg id="labels" width="${LABELS}" height="${height}"></svg>
        <div id="scroller" style="flex:1"><svg id="plot"></svg><div id="cursor-line"></div><div id="cursor-ring"></div></div></div>
      <section id="state-panel"><div id="state-event"></div><div id="state-servers"></div></section><div id="tip"></div>`;
  }

  // ---- role and term bands ------------------------------------------------------------
  function bands() {
    const out = [];
    for (let n = 0; n < servers; n++) {
      let seg = { role: 'follower', term: 0, since: 0 };
      const close = (t, next) => { out.push(band(n, seg, t)); seg = next; };
      for (const e of events) {
        if (e.node !== n) continue;
        if (e.kind === 'crash') close(e.time, { role: 'down', term: e.term, since: e.time });
        else if (e.kind === 'restart') close(e.time, { role: 'follower', term: e.term, since: e.time });
        else if (seg.role !== 'down' && (e.role !== seg.role || e.term !== seg.term))
          close(e.time, { role: e.role, term: e.term, since: e.time });
      }
      out.push(band(n, seg, lastTime + 20000));
    }
    return out.join('');
  }
  function band(n, seg, until) {
    const x0 = x(seg.since), w = Math.max(0, x(until) - x0), y = laneY(n) - BAND / 2;
    const text = seg.role === 'down' ? 'down' : 't' + seg.term;
    const label = w > 30 ? `<text class="band-term${seg.role === 'leader' || seg.role === 'down' ? ' on-dark' : ''}" x="${x0 + 9}" y="${y + 13}">${text}</text>` : '';
    return `<rect class="band ${seg.role}" x="${x0}" y="${y}" width="${w}" height="${BAND}" data-band="${n}"><title>s${n} ${seg.role} ${text} from ${fmtMs(seg.since)}</title></rect>${label}`;
  }

  // ---- log length and commit index as lines along each lane -----------------------------
  // The lines share one scale: 0 at the bottom of a lane, the longest log at its top.
  let most = 1;
  for (const list of changes) for (const c of list) most = Math.max(most, c.logLength, c.up ? c.commit : 0);
  function progressLines() {
    const out = [];
    for (let n = 0; n < servers; n++) {
      const bottom = laneY(n) + LANE / 2 - 6, span = LANE - 16;
      const y = (v) => (bottom - (v / most) * span).toFixed(1);
      for (const [field, cls] of [['logLength', 'loglen-line'], ['commit', 'commit-line']]) {
        let d = '', open = false;
        for (const c of changes[n]) {
          // A state recorded at the first event is the server's state from the start.
          const cx = x(c.event > 0 && events[c.event] ? events[c.event].time : 0).toFixed(1);
          if (!c.up) { if (open) d += `H${cx}`; open = false; continue; }
          d += open ? `H${cx}V${y(c[field])}` : `M${cx} ${y(c[field])}`;
          open = true;
        }
        if (open) d += `H${x(lastTime + 20000).toFixed(1)}`;
        if (d) out.push(`<path class="${cls}" d="${d}"/>`);
      }
    }
    return out.join('');
  }

  // ---- messages ------------------------------------------------------------------------
  function messageClass(send) {
    const kind = send.detail.split(' ')[0];
    let cls = 'msg ' + kind;
    if (kind === 'append_entries' && /entries=0\b/.test(send.detail)) cls += ' hb';
    if (kind === 'append_entries_reply' && / ok /.test(send.detail)) cls += ' ok';
    return { cls, kind };
  }
  function messages() {
    const sent = new Map();
    const out = [];
    for (const e of events) {
      if (e.kind === 'send') sent.set(e.id, e);
      if (e.kind !== 'deliver' && e.kind !== 'drop') continue;
      const s = sent.get(e.id);
      if (!s) continue;
      const { cls, kind } = messageClass(s);
      const x1 = x(s.time), y1 = laneY(s.node);
      if (e.kind === 'deliver') {
        out.push(`<line class="${cls}" x1="${x1}" y1="${y1}" x2="${x(e.time)}" y2="${laneY(e.node)}" marker-end="url(#head-${kind})" data-e="${s.i},${e.i}"/>`);
      } else {
        const to = laneY(e.peer), share = e.time === s.time ? 0.35 : 0.8;
        const x2 = Math.max(x(e.time), x1 + 6), y2 = y1 + (to - y1) * share;
        out.push(`<g class="${cls.replace('msg', 'msg-drop')}" data-e="${s.i},${e.i}"><line class="msg dropped" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"/>` +
          `<path class="drop-x" d="M${x2 - 4} ${y2 - 4}L${x2 + 4} ${y2 + 4}M${x2 - 4} ${y2 + 4}L${x2 + 4} ${y2 - 4}"/></g>`);
      }
    }
    return out.join('');
  }

  // ---- marks on a lane, and lines across every lane ------------------------------------------
  function marks() {
    const out = [];
    for (const e of events) {
      if (e.node < 0) continue;
      const cx = x(e.time), cy = laneY(e.node), d = `data-e="${e.i}"`;
      switch (e.kind) {
        case 'submit': out.push(`<circle class="mark submit" cx="${cx}" cy="${cy - 14}" r="4" ${d}/>`); break;
        case 'apply': out.push(`<rect class="mark apply" x="${cx - 3}" y="${cy + 11}" width="6" height="6" ${d}/>`); break;
        case 'read': out.push(`<circle class="mark read" cx="${cx}" cy="${cy + 20}" r="4" ${d}/>`); break;
        case 'role': out.push(`<path class="mark role" d="M${cx} ${cy - 7}l6 7l-6 7l-6 -7z" ${d}/>`); break;
        case 'crash': out.push(`<path class="mark crash" d="M${cx - 8} ${cy - 8}L${cx + 8} ${cy + 8}M${cx - 8} ${cy + 8}L${cx + 8} ${cy - 8}" ${d}/>`); break;
        case 'restart': out.push(`<circle class="mark restart" cx="${cx}" cy="${cy}" r="7" ${d}/>`); break;
        case 'timer': out.push(`<circle class="mark timer" cx="${cx}" cy="${cy - 24}" r="2" ${d}/>`); break;
        default: break;
      }
    }
    return out.join('');
  }
  function acrossLanes() {
    const out = [];
    let row = 0;
    const bottom = TOP + servers * LANE;
    for (const e of events) {
      if (e.node >= 0) continue;
      const lx = x(e.time), d = `data-e="${e.i}"`;
      const label = esc(e.detail.length > 48 ? e.detail.slice(0, 46) + '\u2026' : e.detail);
      if (e.kind === 'violation') {
        out.push(`<g id="violation" ${d}><rect class="violation-band" x="${lx - 10}" y="${TOP - 30}" width="20" height="${bottom - TOP + 30}"/>` +
          `<line class="violation-line" x1="${lx}" y1="${TOP - 30}" x2="${lx}" y2="${bottom}"/>` +
          `<text class="violation-label" x="${lx + 12}" y="${TOP - 18}">property broken here</text></g>`);
        continue;
      }
      const cls = e.kind === 'network' ? 'net' : 'note';
      const ly = 12 + (row++ % 3) * 12;
      out.push(`<g ${d}><line class="${cls}-line" x1="${lx}" y1="${ly + 2}" x2="${lx}" y2="${bottom}"/>` +
        `<text class="${cls}-label" x="${lx + 3}" y="${ly}">${label}</text></g>`);
    }
    return out.join('');
  }
  function ruler(width) {
    const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
    const step = steps.find((s) => s * scale >= 90) || 20000;
    const out = [];
    for (let t = 0; x(t * 1000) < width; t += step)
      out.push(`<line class="tick-line" x1="${x(t * 1000)}" y1="${TOP - 8}" x2="${x(t * 1000)}" y2="${TOP + servers * LANE}"/>` +
        `<text class="tick-label" x="${x(t * 1000) + 2}" y="${TOP - 2}">${t} ms</text>`);
    return out.join('');
  }

  // ---- time travel: the selected event and every server's state at it --------------------
  let selected = -1;
  const logCache = changes.map(() => ({ upTo: -1, log: [] }));
  /// The position in changes[n] of n's latest change at or before event k, or -1.
  function changeAt(n, k) {
    const list = changes[n];
    let lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].event <= k) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }
  /// n's whole log after its change j, as [term, command] pairs (rebuilt from the
  /// differences, continuing from the last one rebuilt when stepping forward).
  function logAt(n, j) {
    const cache = logCache[n];
    if (j < cache.upTo) { cache.upTo = -1; cache.log = []; }
    for (let i = cache.upTo + 1; i <= j; i++) {
      const c = changes[n][i];
      if (!c.up) continue;
      cache.log.length = Math.min(cache.log.length, c.kept);
      for (let a = 0; a < c.added.length; a += 2) cache.log.push([c.added[a], c.added[a + 1]]);
    }
    cache.upTo = j;
    return cache.log;
  }
  const who = (id) => (id >= 0 ? 's' + id : 'none');
  function serverCard(n, k) {
    const j = changeAt(n, k);
    if (j < 0) return `<div class="server-state unknown" data-node="${n}" data-up=""><h3>server ${n}</h3><div>no state recorded yet</div></div>`;
    const c = changes[n][j];
    if (!c.up) return `<div class="server-state down" data-node="${n}" data-up="0"><h3>server ${n} <span class="role down">down</span></h3><div>crashed: volatile state lost</div></div>`;
    const log = logAt(n, j);
    const shown = 30, first = Math.max(0, log.length - shown);  // the newest entries
    let entries = first > 0 ? `<span class="more">${first} more&hellip;</span>` : '';
    for (let i = first; i < log.length; i++) {
      const [term, command] = log[i];
      entries += `<span class="entry${i + 1 <= c.commit ? ' committed' : ''}" title="index ${i + 1}, term ${term}: ${esc(command)}">` +
        `<small>${i + 1}</small>t${term}</span>`;
    }
    let progress = '';
    if (c.next) {
      const rows = [];
      for (let p = 0; p < servers; p++) if (p !== n) rows.push(`s${p} ${c.next[p]}/${c.match[p]}`);
      progress = `<div class="progress">next/match: ${rows.join(' &middot; ')}</div>`;
    }
    return `<div class="server-state" data-node="${n}" data-up="1" data-role="${c.role}" data-term="${c.term}" ` +
      `data-vote="${c.vote}" data-leader="${c.leader}" data-commit="${c.commit}" data-applied="${c.applied}" data-log="${log.length}">` +
      `<h3>server ${n} <span class="role ${c.role}">${c.role}</span> term ${c.term}</h3>` +
      `<div>voted for ${who(c.vote)} &middot; leader ${who(c.leader)}</div>` +
      `<div>log <b>${log.length}</b> &middot; commit <b>${c.commit}</b> &middot; applied ${c.applied}</div>` +
      `${progress}<div class="log">${entries || '<span class="more">empty log</span>'}</div></div>`;
  }
  // The selected event is marked by two elements above the plot, moved with a CSS
  // transform: moving them repaints nothing of a plot of tens of thousands of marks.
  function drawCursor() {
    const line = document.getElementById('cursor-line'), ring = document.getElementById('cursor-ring');
    if (!line || selected < 0) return;
    const e = events[selected], cx = x(e.time);
    line.style.top = (TOP - 30) + 'px';
    line.style.height = (servers * LANE + 30) + 'px';
    line.style.transform = `translateX(${cx - 1}px)`;
    line.style.display = 'block';
    ring.style.display = e.node >= 0 ? 'block' : 'none';
    if (e.node >= 0) ring.style.transform = `translate(${cx - 11}px, ${laneY(e.node) - 11}px)`;
  }
  function select(k, scroll) {
    if (!events.length) return;
    selected = Math.max(0, Math.min(events.length - 1, k));
    const e = events[selected];
    document.getElementById('state-event').innerHTML =
      `<b>event ${selected + 1} of ${events.length}</b> &middot; ${fmtMs(e.time)} &middot; ${esc(e.kind)} ` +
      `${e.node >= 0 ? 'at server ' + e.node : '(whole cluster)'}${e.peer >= 0 ? (e.kind === 'deliver' ? ' from s' : ' to s') + e.peer : ''}: ` +
      `<span class="detail">${esc(e.detail)}</span>`;
    let cards = '';
    for (let n = 0; n < servers; n++) cards += serverCard(n, selected);
    const panel = document.getElementById('state-servers');
    panel.innerHTML = cards;
    document.getElementById('state-panel').setAttribute('data-event', String(selected));
    drawCursor();
    if (scroll) {
      const scroller = document.getElementById('scroller'), cx = x(e.time);
      if (cx < scroller.scrollLeft + 20 || cx > scroller.scrollLeft + scroller.clientWidth - 20)
        scroller.scrollLeft = Math.max(0, cx - scroller.clientWidth / 2);
    }
  }
  /// The next (dir 1) or previous (dir -1) event at which some server's state changed.
  const changedAt = new Set(changes.flatMap((list) => list.map((c) => c.event)));
  function nextChange(dir) {
    const at = changedAt;
    for (let k = selected + dir; k >= 0 && k < events.length; k += dir) if (at.has(k)) return k;
    return dir > 0 ? events.length - 1 : 0;
  }
  function onKey(ev) {
    if (ev.target && /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName) && ev.target.type !== 'checkbox') return;
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    let k = null;
    if (ev.key === 'ArrowRight' || ev.key === 'j') k = ev.shiftKey ? nextChange(1) : selected + 1;
    else if (ev.key === 'ArrowLeft' || ev.key === 'k') k = ev.shiftKey ? nextChange(-1) : selected - 1;
    else if (ev.key === 'J') k = nextChange(1);
    else if (ev.key === 'K') k = nextChange(-1);
    else if (ev.key === 'Home') k = 0;
    else if (ev.key === 'End') k = events.length - 1;
    if (k === null) return;
    ev.preventDefault();
    select(k, true);
  }
  function onClick(ev) {
    const el = ev.target.closest && ev.target.closest('[data-e]');
    if (el) {
      const ids = el.getAttribute('data-e').split(',').map(Number);
      select(ids[ids.length - 1], false);  // an arrow: its delivery (or where it was lost)
      return;
    }
    const plot = document.getElementById('plot');
    if (!plot.contains(ev.target)) return;
    const t = ((ev.clientX - plot.getBoundingClientRect().left - 4) / scale) * 1000;
    let k = 0;
    while (k + 1 < events.length && events[k + 1].time <= t) k++;
    select(k, false);
  }

  // ---- drawing, hovering, controls -----------------------------------------------------
  function defs() {
    const colours = { append_entries: '--ae', append_entries_reply: '--aer', request_vote: '--rv', request_vote_reply: '--rvr' };
    return '<defs>' + Object.entries(colours).map(([k, v]) =>
      `<marker id="head-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" style="fill:var(${v})"/></marker>`).join('') +
      '<pattern id="down-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#59606a"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a929b" stroke-width="3"/></pattern></defs>';
  }
  function draw() {
    const width = x(lastTime) + RIGHT;
    const plot = document.getElementById('plot');
    plot.setAttribute('width', width);
    plot.setAttribute('height', height);
    let lanes = '';
    for (let n = 0; n < servers; n++)
      lanes += `<g class="lane" data-node="${n}"><rect class="lane-bg" x="0" y="${laneY(n) - LANE / 2 + 3}" width="${width}" height="${LANE - 6}"/></g>`;
    plot.innerHTML = defs() + lanes + ruler(width) + bands() + progressLines() + acrossLanes() + messages() + marks();
    drawCursor();
    let labels = '';
    for (let n = 0; n < servers; n++)
      labels += `<rect class="lane-bg" x="0" y="${laneY(n) - LANE / 2 + 3}" width="${LABELS}" height="${LANE - 6}"/><text class="lane-label" x="10" y="${laneY(n) + 4}">server ${n}</text>`;
    document.getElementById('labels').innerHTML = labels;
  }
  function describe(ids) {
    const [a, b] = ids.map((k) => events[k]);
    if (b) {
      const fate = b.kind === 'deliver' ? `arrived ${fmtMs(b.time)} at server ${b.node}` : `LOST at ${fmtMs(b.time)}: ${b.detail}`;
      return `server ${a.node} \u2192 server ${a.peer}   sent ${fmtMs(a.time)} (${a.role}, term ${a.term})\n${fate}\n${a.detail}`;
    }
    const who = a.node >= 0 ? `server ${a.node}, ${a.role} in term ${a.term}` : 'the whole cluster';
    return `${fmtMs(a.time)}   ${a.kind}   ${who}\n${a.detail}`;
  }
  function hover(ev) {
    const tip = document.getElementById('tip');
    const el = ev.target.closest && ev.target.closest('[data-e]');
    if (!el) { tip.style.display = 'none'; return; }
    tip.textContent = describe(el.getAttribute('data-e').split(',').map(Number));
    tip.style.display = 'block';
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - 540) + 'px';
    tip.style.top = (ev.clientY + 16) + 'px';
  }
  function showViolation() {
    const v = events.find((e) => e.kind === 'violation');
    if (!v) return;
    const scroller = document.getElementById('scroller');
    scroller.scrollLeft = Math.max(0, x(v.time) - scroller.clientWidth / 2);
  }
  function zoom(by) {
    const scroller = document.getElementById('scroller');
    const centre = (scroller.scrollLeft + scroller.clientWidth / 2) / scale;
    scale = Math.min(64, Math.max(0.02, scale * by));
    draw();
    scroller.scrollLeft = centre * scale - scroller.clientWidth / 2;
  }

  document.body.insertAdjacentHTML('afterbegin', header());
  const diagram = document.getElementById('diagram');
  diagram.classList.add('hidden-timer');
  draw();
  diagram.addEventListener('mousemove', hover);
  diagram.addEventListener('mouseleave', () => { document.getElementById('tip').style.display = 'none'; });
  document.getElementById('show-hb').addEventListener('change', (e) => diagram.classList.toggle('hidden-hb', !e.target.checked));
  document.getElementById('show-timer').addEventListener('change', (e) => diagram.classList.toggle('hidden-timer', !e.target.checked));
  document.getElementById('zoom-in').addEventListener('click', () => zoom(2));
  document.getElementById('zoom-out').addEventListener('click', () => zoom(0.5));
  const go = document.getElementById('goto');
  if (go) go.addEventListener('click', showViolation);
  diagram.addEventListener('click', onClick);
  document.addEventListener('keydown', onKey);
  const broke = events.findIndex((e) => e.kind === 'violation');
  select(broke >= 0 ? broke : 0, false);
  showViolation();
  document.body.setAttribute('data-ready', '1');
})();
