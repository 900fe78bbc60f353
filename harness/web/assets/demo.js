// demo.js: the live page of `./raftlab demo`. Plain JavaScript, no libraries.
//
// The server streams frames over Server-Sent Events (/events): first a "hello" (cluster
// size, scenarios, the event log so far), then one "state" frame per tick with every
// server's status and the messages the fault proxy saw since the last frame. This
// script draws the servers where layout.js puts them (a ring, each server's card on its
// outer side, fitted to the stage's size) and animates those messages between them;
// every button posts one action to /api/action.
'use strict';

const SVGNS = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, parent = null) => {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
};
/// Log entries are coloured by term, in colours chosen away from every message colour
/// (heartbeat white, AppendEntries orange, replies green, votes violet, client teal, red
/// for rejections and cuts; CIEDE2000 distance 26 or more) and from each other (36 or
/// more), so an entry is never taken for a message. Light ones carry dark numbers.
const TERM_COLOURS = [
  { fill: '#1fb8f9', text: '#0b1220' },  // sky blue
  { fill: '#ae1361', text: '#ffffff' },  // raspberry
  { fill: '#f9f91f', text: '#0b1220' },  // yellow
  { fill: '#1f7a43', text: '#ffffff' },  // forest green
  { fill: '#955b04', text: '#ffffff' },  // brown
  { fill: '#1f567a', text: '#ffffff' },  // steel blue
];
const termColour = (t) => TERM_COLOURS[(((t - 1) % TERM_COLOURS.length) + TERM_COLOURS.length) % TERM_COLOURS.length];
const CENTER = { x: 0, y: 0 };  // the clients' circle; layout.js puts the ring around it

// What the page knows. `stats` is read by the browser test.
const demo = { n: 0, hello: null, frame: null, frameAt: 0, positions: [], servers: [], slow: false, scenarios: [],
  faultKey: '', faultEditing: false, faultHoldUntil: 0 };
const stats = window.demoStats = { frames: 0, firstFrameAt: 0, firstLeaderAt: 0, frameTimes: [] };

// ---- talking to the server --------------------------------------------------

async function act(body) {
  try {
    const r = await fetch('/api/action', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const reply = await r.json();
    if (!reply.ok) addEvent({ time_ms: Date.now(), kind: 'error', text: reply.error });
  } catch (e) {
    addEvent({ time_ms: Date.now(), kind: 'error', text: 'the demo server did not answer: ' + e });
  }
}

function connect() {
  const source = new EventSource('/events');
  source.onopen = () => { $('conn').textContent = 'live'; $('conn').classList.remove('down'); };
  source.onerror = () => { $('conn').textContent = 'disconnected: is ./raftlab demo still running?'; $('conn').classList.add('down'); };
  source.onmessage = (m) => {
    const data = JSON.parse(m.data);
    if (data.type === 'hello') onHello(data);
    else if (data.type === 'state') onFrame(data);
  };
}

// ---- layout -----------------------------------------------------------------

/// Lays the cluster out for the stage's size now (layout.js), and redraws the stage when
/// that changes: at the first hello, when the window is resized, when the side panel is
/// hidden or shown, and when the scenario banner comes or goes.
function layout() {
  if (!demo.n) return;
  const stage = $('stage'), size = stage.getBoundingClientRect();
  const L = DemoLayout.fit(demo.n, size.width, size.height);
  const key = [L.rx, L.ry, ...L.sides].join(' ');
  if (key === demo.layoutKey) return;
  demo.layoutKey = key;
  demo.layout = L;
  demo.positions = L.positions;
  demo.radius = L.sizes.r;
  const v = L.viewBox;
  stage.setAttribute('viewBox', `${v.x.toFixed(0)} ${v.y.toFixed(0)} ${v.w.toFixed(0)} ${v.h.toFixed(0)}`);
  // Font sizes in drawing units, for the stage's CSS (demo.css).
  for (const k of ['name', 'term', 'tag', 'entry', 'index', 'commit', 'label']) stage.style.setProperty('--fs-' + k, L.sizes[k] + 'px');
  buildStage();
  if (demo.frame) drawFrameState(demo.frame);
}

function watchStageSize() {
  let pending = false;
  new ResizeObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; layout(); });
  }).observe($('stage'));
}

function onHello(h) {
  const first = !demo.hello;
  demo.hello = h;
  if (first || demo.n !== h.nodes) {
    demo.n = h.nodes;
    demo.layoutKey = '';
    buildControls();
    buildLegend();
    layout();
  }
  demo.scenarios = h.scenarios;
  buildScenarios();
  $('events').textContent = '';
  for (const e of h.events) addEvent(e);
}

function buildStage() {
  const links = $('links'), servers = $('servers');
  links.textContent = ''; servers.textContent = ''; $('client-node').textContent = '';
  $('msgs').textContent = ''; $('marks').textContent = '';
  flying.length = 0; marks.length = 0;
  demo.links = {};
  for (let i = 0; i < demo.n; i++)
    for (let j = i + 1; j < demo.n; j++) {
      const a = demo.positions[i], b = demo.positions[j];
      const line = el('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: 'link' }, links);
      const at = DemoLayout.labelBox(a, b);  // outside the ring, where layout.js kept it clear
      const label = el('text', { x: at.cx, y: at.cy + 6, class: 'link-label', 'text-anchor': 'middle' }, links);
      demo.links[i + '-' + j] = { line, label };
    }
  const c = $('client-node');
  el('circle', { cx: CENTER.x, cy: CENTER.y, r: DemoLayout.CLIENTS_R, class: 'client-disc' }, c);
  const t = el('text', { x: CENTER.x, y: CENTER.y + 5, class: 'client-label' }, c);
  t.textContent = 'clients';
  el('title', {}, c).textContent = 'Clients (the page\'s client box and any load) reach every server through the fault proxy.';

  demo.servers = [];
  for (let i = 0; i < demo.n; i++) demo.servers.push(buildServer(i));
}

/// One server: its disc (name, term, a badge when it is down) and its card on the
/// outer side (role and election timer, log, commit point).
function buildServer(i) {
  const L = demo.layout, z = L.sizes, r = z.r, box = L.cards[i], rows = L.card.rows;
  const p = demo.positions[i];
  const g = el('g', { class: 'server stopped', 'data-id': i, transform: `translate(${p.x},${p.y})` }, $('servers'));
  const tip = el('title', {}, g);
  el('circle', { r: r + 9, class: 'halo' }, g);
  el('circle', { r, class: 'disc' }, g);
  const name = el('text', { y: 2, class: 'name' }, g); name.textContent = 'n' + i;
  const term = el('text', { y: z.term + 8, class: 'term' }, g);
  // Down: a red badge on the rim, clear of the name and the term.
  const down = el('g', { class: 'down', display: 'none', transform: `translate(${r * 0.72},${-r * 0.72})` }, g);
  el('circle', { r: r * 0.3, class: 'down-badge' }, down);
  el('line', { x1: -r * 0.13, y1: -r * 0.13, x2: r * 0.13, y2: r * 0.13, class: 'down-x' }, down);
  el('line', { x1: r * 0.13, y1: -r * 0.13, x2: -r * 0.13, y2: r * 0.13, class: 'down-x' }, down);
  const side = L.sides[i];
  const card = el('g', { class: 'card', 'data-side': side, transform: `translate(${box.x},${box.y})` }, g);
  // A card beside its server keeps its rows against the server's side.
  const align = side === 'left' ? 'end' : side === 'right' ? 'start' : 'middle';
  const x = align === 'end' ? box.w - 4 : align === 'start' ? 4 : box.w / 2;
  const tag = el('text', { y: rows.tag + z.tag * 0.85, class: 'state-tag' }, card);
  // The election timer bar, beside the role (between the role and the server on a side card).
  const timerX = align === 'end' ? x - z.timer : align === 'start' ? x : x + 8;
  const timer = el('g', { class: 'timer', transform: `translate(${timerX},${rows.tag + z.tag / 2 - 4})` }, card);
  const timerTip = el('title', {}, timer);
  el('rect', { width: z.timer, height: 11, rx: 3, class: 'timer-bg' }, timer);
  const fill = el('rect', { width: 0, height: 11, rx: 3, class: 'timer-fill' }, timer);
  const tick = el('line', { x1: z.timer / 2, x2: z.timer / 2, y1: -3, y2: 14, class: 'timer-tick' }, timer);
  const log = el('g', { class: 'log', transform: `translate(${x},${rows.log})` }, card);
  const commit = el('text', { x, y: rows.commit + z.commit * 0.85, class: 'commit-label', 'text-anchor': align }, card);
  return { g, tip, name, term, down, tag, timer, timerTip, fill, tick, log, commit, x, align, role: '', process: '' };
}

function buildLegend() {
  const items = [
    ['hb', 'heartbeat (empty AppendEntries)'], ['ae', 'AppendEntries (n entries)'],
    ['aer', 'reply (red: rejected)'], ['rv', 'RequestVote'], ['rvr', 'vote (filled: granted)'],
    ['pv', 'pre-vote, dashed (lab 13)'], ['is', 'InstallSnapshot (lab 11)'],
    ['req', 'client request, reply'], ['lost', 'lost (cut, dropped)'],
  ];
  const legend = $('legend');
  legend.textContent = '';
  // The term colours first: a log entry's colour and number are its term.
  const terms = document.createElement('span');
  terms.className = 'legend-terms';
  const swatches = el('svg', { width: TERM_COLOURS.length * 17, height: 18, viewBox: `0 -9 ${TERM_COLOURS.length * 17} 18` });
  TERM_COLOURS.forEach((c, i) => {
    el('rect', { x: i * 17, y: -8, width: 15, height: 16, rx: 2, fill: c.fill, class: 'term-swatch', 'data-term': i + 1 }, swatches);
    el('text', { x: i * 17 + 7.5, y: 4, 'text-anchor': 'middle', 'font-size': 11, 'font-weight': 800, fill: c.text }, swatches).textContent = i + 1;
  });
  terms.appendChild(swatches);
  terms.appendChild(document.createTextNode('log entry\u2019s term'));
  terms.title = 'A log entry\'s colour and number are its term; the six colours repeat from term 7 on.';
  legend.appendChild(terms);
  for (const [kind, text] of items) {
    const span = document.createElement('span');
    const svg = el('svg', { width: 18, height: 18, viewBox: '-9 -9 18 18' });
    if (kind === 'lost') {
      el('line', { x1: -5, y1: -5, x2: 5, y2: 5, class: 'msg-x' }, svg);
      el('line', { x1: 5, y1: -5, x2: -5, y2: 5, class: 'msg-x' }, svg);
    } else svg.appendChild(msgShape({ k: kind, ok: true, n: 2 }));
    span.appendChild(svg);
    span.appendChild(document.createTextNode(text));
    legend.appendChild(span);
  }
}

function buildControls() {
  const box = $('server-controls');
  box.textContent = '';
  const faultNode = $('fault-node');
  while (faultNode.options.length > 1) faultNode.remove(1);
  for (let i = 0; i < demo.n; i++) {
    const card = document.createElement('div');
    card.className = 'server-card';
    card.dataset.id = i;
    card.innerHTML = `<b>n${i}</b>`;
    for (const [action, label, cls] of [['kill', 'Kill', 'danger'], ['restart', 'Restart', ''], ['pause', 'Pause', ''], ['resume', 'Resume', ''], ['start', 'Start', 'good']]) {
      const b = document.createElement('button');
      b.textContent = label; b.dataset.action = action;
      if (cls) b.className = cls;
      b.onclick = () => act({ action, node: i });
      card.appendChild(b);
    }
    box.appendChild(card);
    const o = document.createElement('option');
    o.value = i; o.textContent = 'n' + i;
    faultNode.appendChild(o);
  }
  const chips = document.querySelector('.zone[data-side=a] .chips');
  document.querySelectorAll('.zone .chips').forEach((c) => { c.textContent = ''; });
  for (let i = 0; i < demo.n; i++) {
    const chip = document.createElement('span');
    chip.className = 'chip'; chip.textContent = 'n' + i; chip.draggable = true; chip.dataset.id = i;
    chip.addEventListener('dragstart', (e) => e.dataTransfer.setData('text/plain', String(i)));
    chip.addEventListener('click', () => { // a click moves it to the other side (touch screens)
      const other = chip.closest('.zone').dataset.side === 'a' ? 'b' : 'a';
      document.querySelector(`.zone[data-side=${other}] .chips`).appendChild(chip);
    });
    chips.appendChild(chip);
  }
}

function buildScenarios() {
  const list = $('scenario-list');
  list.textContent = '';
  for (const s of demo.scenarios) {
    const b = document.createElement('button');
    b.textContent = s.title; b.title = s.intro; b.dataset.name = s.name;
    b.onclick = () => act({ action: 'scenario', name: s.name });
    list.appendChild(b);
  }
}

// ---- frames -----------------------------------------------------------------

function onFrame(f) {
  const now = performance.now();
  stats.frames++;
  stats.frameTimes.push(now);
  if (stats.frameTimes.length > 400) stats.frameTimes.shift();
  if (!stats.firstFrameAt) stats.firstFrameAt = now;
  demo.frame = f; demo.frameAt = now;
  demo.slow = f.slow;
  $('slow').checked = f.slow;
  drawFrameState(f);
  drawNetNote(f);
  syncFaultSliders(f);
  syncSides(f);
  drawLeaderBanner(f);
  drawScenario(f);
  for (const e of f.events) addEvent(e);
  for (const c of f.client) addClientResult(c);
  for (const m of f.msgs) launch(m, now);
  $('busy').hidden = !f.busy;
  $('busy').textContent = f.busy ? 'working: ' + f.busy + '…' : '';
  const counts = Object.entries(f.counts).map(([k, v]) => `${k} ${v}`).join(' · ');
  $('counts').textContent = counts ? 'messages in the last frame: ' + counts : '';
  $('load').textContent = f.load.ops ? `load ${f.load.ops} ops/s: ${f.load.done} done, ${f.load.failed} failed` : '';
  document.body.dataset.ready = '1';
}

/// What a frame says about the servers and links (also redrawn after a new layout).
function drawFrameState(f) {
  for (const node of f.nodes) drawServer(node, f);
  drawLinks(f);
}

function leaderOf(f) {
  let best = null;
  for (const n of f.nodes)
    if (n.process === 'running' && n.role === 'leader' && (!best || n.term > best.term)) best = n;
  return best;
}

function drawLeaderBanner(f) {
  const l = leaderOf(f);
  const banner = $('leader-banner');
  banner.classList.toggle('no-leader', !l);
  $('leader-name').textContent = l ? 'n' + l.id : 'no leader: election under way';
  $('leader-term').textContent = l ? 'term ' + l.term : '';
  document.body.dataset.leader = l ? l.id : '';
  if (l && !stats.firstLeaderAt) stats.firstLeaderAt = performance.now();
  document.querySelectorAll('.chip').forEach((c) => c.classList.toggle('leader', !!l && Number(c.dataset.id) === l.id));
}

function drawServer(node, f) {
  const s = demo.servers[node.id];
  if (!s) return;
  const alive = node.process === 'running';
  const role = alive || node.process === 'paused' ? (node.role || 'follower') : 'none';
  const cls = ['server', node.process === 'running' ? role : node.process];
  if (node.stale && alive) cls.push('stale');
  // Lab 12: a learner gets the log but does not count; a server outside the
  // configuration gets nothing. Only drawn when the servers change membership.
  if (node.member === 'learner' || node.member === 'out') cls.push(node.member === 'out' ? 'outside' : 'learner');
  s.g.setAttribute('class', cls.join(' '));
  s.g.dataset.member = node.member || '';
  s.g.dataset.role = alive ? role : node.process;
  s.g.dataset.process = node.process;
  s.g.dataset.term = node.term ?? '';
  s.g.dataset.commit = node.commit ?? '';
  s.g.dataset.last = node.last ?? '';
  s.term.textContent = node.term !== undefined ? 'term ' + node.term : '';
  s.down.setAttribute('display', node.process === 'stopped' || node.process === 'dead' ? 'inline' : 'none');
  s.tag.textContent = (node.process === 'running' ? role.toUpperCase() : node.process === 'paused' ? '❚❚ PAUSED' : node.process === 'dead' ? 'CRASHED' : 'DOWN') +
    (node.member === 'learner' ? ' · LEARNER' : node.member === 'out' ? ' · OUTSIDE' : '');
  // The role sits beside the election timer when there is one.
  s.showTimer = alive && role !== 'leader';
  const timerW = s.showTimer ? demo.layout.sizes.timer + 16 : 0;
  const at = { middle: s.showTimer ? s.x - 8 : s.x, end: s.x - timerW, start: s.x + timerW }[s.align];
  s.tag.setAttribute('x', at);
  s.tag.setAttribute('text-anchor', s.align === 'middle' && s.showTimer ? 'end' : s.align);
  s.tip.textContent = node.process !== 'running' && node.process !== 'paused'
    ? `n${node.id} is not running` + (node.last !== undefined ? `; its log on disk (as last seen) goes up to ${node.last}` : '')
    : `n${node.id}: ${role} in term ${node.term}; voted for ${node.voted_for >= 0 ? 'n' + node.voted_for : 'nobody'}; ` +
      `knows leader ${node.leader >= 0 ? 'n' + node.leader : 'none'}; log up to ${node.last}, committed ${node.commit}, applied ${node.applied}` +
      (node.stale ? ' (last known status: it does not answer right now)' : '') +
      (node.member === 'learner' ? '; a learner: it receives the log but does not vote or count yet'
        : node.member === 'out' ? '; outside the configuration: the leader sends it nothing' : '');
  s.process = node.process; s.role = role; s.sinceReset = node.since_reset_ms;
  // Only the buttons that make sense now: a running server can be killed, restarted or
  // paused; a paused one resumed or killed; a stopped one started.
  const card = document.querySelector(`.server-card[data-id="${node.id}"]`);
  if (card) {
    const can = { running: ['kill', 'restart', 'pause'], paused: ['resume', 'kill'] }[node.process] || ['start'];
    card.querySelectorAll('button').forEach((b) => { b.hidden = !can.includes(b.dataset.action); });
  }
  drawLog(s, node);
}

/// The newest entries as boxes coloured by term (the number is the term), a white bar
/// at the commit point (boxes after it dashed), the first and last index shown.
function drawLog(s, node) {
  const log = s.log, z = demo.layout.sizes;
  log.textContent = '';
  s.commit.textContent = node.last === undefined ? '' : `commit ${node.commit} · last ${node.last}`;
  if (node.last === undefined) return;
  const terms = node.log_terms || [];
  const k = Math.min(terms.length, z.boxes);
  const w = z.box, h = z.boxH, gap = DemoLayout.BOX_GAP;
  const firstIndex = node.last - k + 1;
  // Centred, or against the server's side on a side card (room left for the index numbers).
  const width = k * (w + gap), pad = 2 * z.index + 8;
  const x0 = { middle: -width / 2, end: -width - pad, start: pad }[s.align];
  const middle = h / 2 + z.entry * 0.35;  // a text's baseline, centred on the boxes
  if (k === 0) {
    el('text', { x: 0, y: middle, class: 'log-index', 'text-anchor': s.align }, log).textContent = 'empty log';
    return;
  }
  for (let i = 0; i < k; i++) {
    const index = firstIndex + i, term = terms[terms.length - k + i];
    const committed = index <= node.commit;
    const x = x0 + i * (w + gap);
    const colour = termColour(term);
    const box = el('rect', { x, y: 0, width: w, height: h, rx: 3, fill: colour.fill,
      class: 'log-box' + (committed ? '' : ' uncommitted'), 'data-term': term }, log);
    el('title', {}, box).textContent = `entry ${index}, term ${term}${committed ? ', committed' : ', not committed yet'}`;
    el('text', { x: x + w / 2, y: middle, style: `fill: ${colour.text}`, class: 'log-term' }, log).textContent = term > 99 ? '…' : term;
  }
  // The commit point: a white bar after the last committed entry shown.
  const committedShown = Math.max(0, Math.min(k, node.commit - firstIndex + 1));
  const cx = x0 + committedShown * (w + gap) - gap / 2;
  if (node.commit >= firstIndex - 1) {
    el('line', { x1: cx, x2: cx, y1: -5, y2: h + 5, class: 'commit-line' }, log);
  }
  el('text', { x: x0 - 6, y: middle, class: 'log-index', 'text-anchor': 'end' }, log).textContent = firstIndex;
  el('text', { x: x0 + k * (w + gap) + 6, y: middle, class: 'log-index' }, log).textContent = node.last;
}

/// After a heal, the crosses where a cut link lost messages go at once.
function clearCutMarks(i, j) {
  for (let k = marks.length - 1; k >= 0; k--)
    if (marks[k].key === `cut:${i}>${j}` || marks[k].key === `cut:${j}>${i}`) { marks[k].g.remove(); marks.splice(k, 1); }
}

function drawLinks(f) {
  const faulty = new Map(f.faults.pairs.map((p) => [p.a + '-' + p.b, p]));
  for (let i = 0; i < demo.n; i++)
    for (let j = i + 1; j < demo.n; j++) {
      const { line, label } = demo.links[i + '-' + j];
      const ab = f.blocked[i][j], ba = f.blocked[j][i];
      let cls = 'link';
      if (ab && ba) cls += ' cut'; else if (ab || ba) cls += ' oneway'; else if (faulty.has(i + '-' + j)) cls += ' faulty';
      line.setAttribute('class', cls);
      if (!ab && !ba) clearCutMarks(i, j);
      // A faulty link says how, unless every link has the same faults (the note under the cluster says so once).
      const fl = !f.faults.all && faulty.get(i + '-' + j);
      label.textContent = ab && ba ? '✂ partitioned' : ab ? `✂ n${i}→n${j} cut` : ba ? `✂ n${j}→n${i} cut` : fl ? '⚠ ' + describeFaults(fl, true) : '';
    }
}

/// "drop 20 %, +100 ms latency": faults as the proxy has them (frame.faults, see demo.h);
/// short: "drop 20 %, +100 ms", for a link's label.
function describeFaults(fl, short = false) {
  return [fl.drop ? `drop ${Math.round(fl.drop * 100)} %` : '', fl.latency_ms ? `+${fl.latency_ms} ms${short ? '' : ' latency'}` : '',
    fl.other ? (short ? 'more' : 'other faults (./raftlab proxy status)') : ''].filter(Boolean).join(', ');
}

/// What the proxy has now on the links the "links of" menu names: {drop, latency_ms,
/// other, mixed}; mixed when those links differ (then the largest values).
function faultsOn(faults, scope) {
  const none = { drop: 0, latency_ms: 0, other: false, mixed: false };
  if (faults.all) return { ...faults.all, mixed: false };
  if (scope !== 'all' && faults.nodes[scope]) return { ...faults.nodes[scope], mixed: false };
  const pairs = faults.pairs.filter((p) => scope === 'all' || p.a === Number(scope) || p.b === Number(scope));
  if (!pairs.length) return none;
  return { drop: Math.max(...pairs.map((p) => p.drop)), latency_ms: Math.max(...pairs.map((p) => p.latency_ms)),
    other: pairs.some((p) => p.other), mixed: true };
}

/// The drop and latency sliders show the proxy's faults on the links the menu names,
/// whoever set them: this page, a scenario or ./raftlab proxy. A value the presenter is
/// moving stays until Apply, or until the proxy's faults change.
function syncFaultSliders(f) {
  const scope = $('fault-node').value;
  const now = faultsOn(f.faults, scope);
  const key = scope + ' ' + JSON.stringify(now);
  if ((demo.faultEditing || performance.now() < demo.faultHoldUntil) && key === demo.faultKey) return;
  demo.faultKey = key;
  demo.faultEditing = false;
  $('drop').value = Math.round(now.drop * 100);
  $('latency').value = now.latency_ms;
  $('drop-out').textContent = Math.round(now.drop * 100) + ' %';
  $('latency-out').textContent = now.latency_ms + ' ms';
  const where = scope === 'all' ? 'the links between servers' : `the links of n${scope}`;
  $('faults-now').textContent = !now.drop && !now.latency_ms && !now.other ? `now: no faults on ${where}`
    : `now on ${where}: ` + describeFaults(now) + (now.mixed ? ' (not the same on every link: the largest shown)' : '');
  $('faults-now').classList.remove('editing');
}

function drawNetNote(f) {
  const all = f.faults.all;
  const cut = [];
  for (let i = 0; i < demo.n; i++)
    for (let j = i + 1; j < demo.n; j++)
      if (f.blocked[i][j] || f.blocked[j][i]) cut.push(f.blocked[i][j] && f.blocked[j][i] ? `n${i}–n${j}` : f.blocked[i][j] ? `n${i}→n${j}` : `n${j}→n${i}`);
  const notes = [];
  if (all) notes.push('Every link between servers: ' + describeFaults(all));
  if (cut.length) notes.push('Cut by the partition: ' + cut.join(', ') + ' (Heal reconnects them)');
  $('net-note').hidden = notes.length === 0;
  $('net-note').textContent = notes.join('. ');
}

/// When the network changes (a button, a scenario step, a heal), the two sides of the
/// partition editor show the groups that can talk: servers linked both ways share a
/// group, and the group of the lowest-numbered server is side A. A presenter's own
/// arrangement, not applied yet, is left alone while the network stays as it is.
function syncSides(f) {
  const key = JSON.stringify(f.blocked);
  if (key === demo.blockedKey) return;
  demo.blockedKey = key;
  const group = Array.from({ length: demo.n }, (_, i) => i);
  const find = (i) => (group[i] === i ? i : (group[i] = find(group[i])));
  for (let i = 0; i < demo.n; i++)
    for (let j = i + 1; j < demo.n; j++)
      if (!f.blocked[i][j] && !f.blocked[j][i]) group[find(j)] = find(i);
  const roots = [...new Set(group.map((_, i) => find(i)))];
  if (roots.length > 2) return;  // three or more groups do not fit two sides
  for (let i = 0; i < demo.n; i++) {
    const chip = document.querySelector(`.chip[data-id="${i}"]`);
    const side = find(i) === find(0) ? 'a' : 'b';
    if (chip) document.querySelector(`.zone[data-side=${side}] .chips`).appendChild(chip);
  }
}

function drawScenario(f) {
  const box = $('narration');
  const s = f.scenario;
  box.hidden = !s;
  document.body.classList.toggle('narrating', !!s);
  document.querySelectorAll('#scenario-list button').forEach((b) => b.classList.toggle('active', !!s && b.dataset.name === s.name));
  if (!s) return;
  $('narr-title').textContent = s.title;
  $('narr-step').textContent = s.step === 0 ? '' : `step ${s.step} of ${s.steps}`;
  $('narr-text').textContent = f.narration;
  const next = $('narr-next');
  next.textContent = s.next ? `▶ ${s.next}` : 'Finished · start again';
  next.disabled = !!f.busy;
  next.onclick = () => act({ action: 'scenario', name: s.name });
}

// ---- event log and client results -------------------------------------------

function clock(ms) {
  const d = new Date(ms);
  return d.toTimeString().slice(0, 8);
}

function addEvent(e) {
  const list = $('events');
  const li = document.createElement('li');
  li.className = 'k-' + e.kind;
  li.innerHTML = `<time>${clock(e.time_ms)}</time><span></span>`;
  li.lastChild.textContent = e.text;
  list.insertBefore(li, list.firstChild);
  while (list.children.length > 300) list.removeChild(list.lastChild);
}

function addClientResult(c) {
  const list = $('client-results');
  const li = document.createElement('li');
  li.className = c.ok ? 'ok' : 'fail';
  li.textContent = `${c.op} → ${c.result}` + (c.ok ? ` · answered by n${c.served_by} in ${c.ms} ms` : '') +
    (c.attempts > 1 ? ` · ${c.attempts} tries` : '');
  list.insertBefore(li, list.firstChild);
  while (list.children.length > 6) list.removeChild(list.lastChild);
}

// ---- messages in flight -------------------------------------------------------

const flying = [];
const marks = [];

/// The shape of a message: squares carry entries, rings are replies, diamonds are votes.
function msgShape(m) {
  switch (m.k) {
    case 'ae': {
      const g = el('g');
      el('rect', { x: -8, y: -8, width: 16, height: 16, rx: 2, fill: 'var(--entries)', stroke: '#000', 'stroke-width': 1 }, g);
      if (m.n > 1) el('text', { y: 4, 'text-anchor': 'middle', 'font-size': 11, 'font-weight': 800, fill: '#1a1300' }, g).textContent = m.n;
      return g;
    }
    case 'hb': return el('circle', { r: 5, fill: '#e8eefc' });
    case 'aer': return el('circle', { r: 5, fill: 'none', stroke: m.ok ? 'var(--good)' : 'var(--bad)', 'stroke-width': 2.5 });
    case 'rv': return el('rect', { x: -7, y: -7, width: 14, height: 14, fill: 'var(--vote)', transform: 'rotate(45)' });
    case 'rvr': return el('rect', { x: -5, y: -5, width: 10, height: 10, transform: 'rotate(45)',
      fill: m.ok ? 'var(--vote)' : 'none', stroke: 'var(--vote)', 'stroke-width': 2 });
    // Pre-votes (lab 13): the vote's diamond, dashed, because nothing is decided yet.
    case 'pv': return el('rect', { x: -7, y: -7, width: 14, height: 14, transform: 'rotate(45)', fill: 'none',
      stroke: 'var(--vote)', 'stroke-width': 2.5, 'stroke-dasharray': '4 3' });
    case 'pvr': return el('rect', { x: -5, y: -5, width: 10, height: 10, transform: 'rotate(45)',
      fill: m.ok ? 'var(--vote)' : 'none', stroke: 'var(--vote)', 'stroke-width': 2, 'stroke-dasharray': '3 2' });
    // InstallSnapshot (lab 11): a big parcel with an S, the whole state in one message.
    case 'is': {
      const g = el('g', { class: 'snapshot-msg' });
      el('rect', { x: -11, y: -11, width: 22, height: 22, rx: 3, fill: 'var(--vote)', stroke: '#000', 'stroke-width': 1.5 }, g);
      el('text', { y: 5, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 800, fill: '#fff' }, g).textContent = 'S';
      return g;
    }
    case 'isr': return el('rect', { x: -6, y: -6, width: 12, height: 12, rx: 2, fill: 'none', stroke: 'var(--vote)', 'stroke-width': 2.5 });
    case 'req': case 'rep': return el('rect', { x: -4, y: -4, width: 8, height: 8, fill: 'var(--client)' });
    default: return el('circle', { r: 3, fill: '#888' });
  }
}

function endpoint(id) { return id >= 0 && id < demo.n ? demo.positions[id] : CENTER; }

function launch(m, now) {
  if (flying.length > 500) return;
  const a = endpoint(m.f), b = endpoint(m.t);
  if (a === b) return;
  const frameMs = demo.hello ? demo.hello.frame_ms : 100;
  const duration = (m.k === 'req' || m.k === 'rep' ? 300 : 520) * (demo.slow ? 3.5 : 1);
  // Keep the order and spacing the proxy saw, shifted to now. On loopback a reply leaves
  // a fraction of a millisecond after its request arrives; drawn that way, both would fly
  // at once, so a reply sets off when its request's animation lands.
  const isReply = m.k === 'aer' || m.k === 'rvr' || m.k === 'pvr' || m.k === 'isr' || m.k === 'rep';
  const start = now + Math.max(0, frameMs - m.dt) + (isReply ? duration : 0);
  const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy);
  const ra = m.f >= 0 ? demo.radius : DemoLayout.CLIENTS_R, rb = m.t >= 0 ? demo.radius : DemoLayout.CLIENTS_R;
  const from = { x: a.x + (dx * ra) / len, y: a.y + (dy * ra) / len };
  const to = { x: b.x - (dx * rb) / len, y: b.y - (dy * rb) / len };
  // Requests and replies travel on either side of the line so both directions show.
  const side = m.f < m.t ? 1 : -1, ox = (-dy / len) * 9 * side, oy = (dx / len) * 9 * side;
  const lost = m.x === 'cut' || m.x === 'dropped';
  const shape = el('g', { display: 'none' });  // moved as a whole; the shape inside may be rotated
  shape.appendChild(msgShape(m));
  $('msgs').appendChild(shape);
  const dieAt = m.x === 'cut' ? 0.5 : m.x === 'dropped' ? 0.3 + Math.random() * 0.4 : 1;
  flying.push({ shape, start, duration, from, to, ox, oy, lost, dieAt, key: m.x + ':' + m.f + '>' + m.t, f: m.f, t: m.t, cut: m.x === 'cut' });
}

function tick() {
  const now = performance.now();
  for (let i = flying.length - 1; i >= 0; i--) {
    const f = flying[i];
    const p = (now - f.start) / f.duration;
    if (p < 0) continue;
    if (p >= f.dieAt) {
      f.shape.remove();
      flying.splice(i, 1);
      const healed = f.cut && f.f >= 0 && f.t >= 0 && demo.frame && !demo.frame.blocked[f.f][f.t];
      if (f.lost && !healed) {
        // At most a few crosses per link direction: a cut shows one, refreshed while traffic dies there.
        const same = marks.filter((m) => m.key === f.key);
        const limit = f.key.startsWith('cut') ? 1 : 4;
        if (same.length >= limit) { same[0].g.remove(); marks.splice(marks.indexOf(same[0]), 1); }
        const x = f.from.x + (f.to.x - f.from.x) * f.dieAt + f.ox, y = f.from.y + (f.to.y - f.from.y) * f.dieAt + f.oy;
        const g = el('g', { transform: `translate(${x},${y})` }, $('marks'));
        el('line', { x1: -9, y1: -9, x2: 9, y2: 9, class: 'msg-x' }, g);
        el('line', { x1: 9, y1: -9, x2: -9, y2: 9, class: 'msg-x' }, g);
        marks.push({ g, key: f.key, until: now + (demo.slow ? 3000 : 1400) });
      }
      continue;
    }
    const x = f.from.x + (f.to.x - f.from.x) * p + f.ox, y = f.from.y + (f.to.y - f.from.y) * p + f.oy;
    f.shape.setAttribute('display', 'inline');
    f.shape.setAttribute('transform', `translate(${x.toFixed(1)},${y.toFixed(1)})`);
  }
  for (let i = marks.length - 1; i >= 0; i--) {
    const m = marks[i];
    const left = m.until - now;
    if (left <= 0) { m.g.remove(); marks.splice(i, 1); } else m.g.setAttribute('opacity', Math.min(1, left / 500).toFixed(2));
  }
  drawTimers(now);
  drawFps(now);
  requestAnimationFrame(tick);
}

// ---- election timers -----------------------------------------------------------

function drawTimers(now) {
  const f = demo.frame;
  if (!f) return;
  const { election_min_ms: min, election_max_ms: max, heartbeat_ms: hb } = f.timing;
  const width = demo.layout.sizes.timer;
  for (let i = 0; i < demo.servers.length; i++) {
    const s = demo.servers[i];
    s.timer.setAttribute('display', s.showTimer ? 'inline' : 'none');
    if (!s.showTimer) continue;
    // Time since the last reset seen in the journal, advanced by the time since the frame.
    const since = s.sinceReset < 0 ? max : s.sinceReset + (now - demo.frameAt);
    const p = Math.min(1, since / max);
    s.fill.setAttribute('width', (width * p).toFixed(1));
    s.fill.setAttribute('fill', since < min * 0.5 ? 'var(--good)' : since < min ? '#facc15' : 'var(--bad)');
    s.tick.setAttribute('x1', (width * min) / max); s.tick.setAttribute('x2', (width * min) / max);
    s.timerTip.textContent =
      `Election timer of n${i} (an estimate): ${Math.round(since)} ms since it last heard an AppendEntries from a leader, ` +
      `granted a vote or started an election, as seen in the proxy journal. Each server draws its timeout at random between ` +
      `${min} and ${max} ms (the white tick marks ${min} ms, the bar's end ${max} ms); when it runs out the server becomes a ` +
      `candidate. Heartbeats every ${hb} ms keep it near zero. The real timer lives inside the server and may differ slightly.`;
  }
}

function drawFps(now) {
  const t = stats.frameTimes;
  let k = t.length - 1;
  while (k > 0 && now - t[k - 1] < 5000) k--;
  const n = t.length - k;
  stats.fps = n > 1 ? ((n - 1) * 1000) / (t[t.length - 1] - t[k]) : 0;
  if (!drawFps.last || now - drawFps.last > 1000) {
    drawFps.last = now;
    $('fps').textContent = `${stats.fps.toFixed(1)} updates/s`;
  }
}

// ---- controls -------------------------------------------------------------------

function wireControls() {
  $('slow').addEventListener('change', (e) => act({ action: 'slow', on: e.target.checked }));
  $('apply-partition').onclick = () => {
    const side = (s) => [...document.querySelectorAll(`.zone[data-side=${s}] .chip`)].map((c) => Number(c.dataset.id));
    const a = side('a'), b = side('b');
    if (!a.length || !b.length) return addEvent({ time_ms: Date.now(), kind: 'error', text: 'put at least one server on each side first' });
    act({ action: 'partition', groups: [a, b] });
  };
  $('isolate-leader').onclick = () => act({ action: 'isolate_leader' });
  $('split-halves').onclick = () => act({ action: 'split_halves' });
  $('heal').onclick = () => {
    act({ action: 'heal' });
    const a = document.querySelector('.zone[data-side=a] .chips');
    document.querySelectorAll('.zone[data-side=b] .chip').forEach((c) => a.appendChild(c));
  };
  for (const zone of document.querySelectorAll('.zone')) {
    zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault(); zone.classList.remove('over');
      const chip = document.querySelector(`.chip[data-id="${e.dataTransfer.getData('text/plain')}"]`);
      if (chip) zone.querySelector('.chips').appendChild(chip);
    });
  }
  const showRange = () => {
    demo.faultEditing = true;
    $('drop-out').textContent = $('drop').value + ' %'; $('latency-out').textContent = $('latency').value + ' ms';
    $('faults-now').textContent = 'not applied yet: Apply faults sets them';
    $('faults-now').classList.add('editing');
  };
  $('drop').oninput = showRange; $('latency').oninput = showRange;
  // The sliders keep the presenter's values until the proxy reports the change.
  const applied = () => { demo.faultEditing = false; demo.faultHoldUntil = performance.now() + 3000; };
  $('fault-node').onchange = () => { demo.faultEditing = false; demo.faultHoldUntil = 0; if (demo.frame) syncFaultSliders(demo.frame); };
  $('apply-faults').onclick = () => {
    const node = $('fault-node').value;
    act({ action: 'faults', node: node === 'all' ? 'all' : Number(node), drop: Number($('drop').value), latency_ms: Number($('latency').value) });
    applied();
  };
  $('clear-faults').onclick = () => {
    $('drop').value = 0; $('latency').value = 0;
    act({ action: 'faults', node: 'all', drop: 0, latency_ms: 0 });
    applied();
  };
  $('client-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act({ action: 'client', op: $('op').value, key: $('key').value, value: $('value').value });
  });
  $('op').onchange = () => { $('value').disabled = $('op').value === 'get' || $('op').value === 'delete'; };
  $('narr-stop').onclick = () => act({ action: 'scenario_stop' });
  // Hiding the panel widens the stage; the layout follows (watchStageSize).
  const toggleSide = () => {
    document.body.classList.toggle('stage-only');
    $('toggle-side').textContent = document.body.classList.contains('stage-only') ? 'show panel' : 'hide panel';
  };
  $('toggle-side').onclick = toggleSide;
  // A presenter's clicker sends PageDown or the right arrow: the next scenario step.
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('input, select, textarea') || e.ctrlKey || e.altKey || e.metaKey) return;
    if (e.key === 'c' || e.key === 'C') return toggleSide();
    const s = demo.frame && demo.frame.scenario;
    if (s && ['PageDown', 'ArrowRight', ' '].includes(e.key) && !demo.frame.busy) {
      e.preventDefault();
      act({ action: 'scenario', name: s.name });
    } else if (s && e.key === 'Escape') act({ action: 'scenario_stop' });
  });
}

wireControls();
watchStageSize();
connect();
requestAnimationFrame(tick);
