// demo_browser_test.mjs: the demo page in a real browser against a live cluster.
//
//   node demo_browser_test.mjs --demo BUILD/bin/raftlab-demo --grader BUILD/bin/raftlab-grader --out DIR
//                              [--impl solutions] [--server-binary PATH]
//
// Builds the lab 10 server with the grader's build-server (unless --server-binary),
// starts raftlab-demo on a free port, and drives the page in Debian's Chromium
// (/usr/bin/chromium or RAFTLAB_CHROMIUM) through playwright-core, never a browser
// Playwright downloads. It checks that the page shows a leader, a new leader after the
// leader is killed (the dead one still showing its term, uncovered), a partition and
// its healing, faults set through the proxy's HTTP control and the demo's API on the
// sliders, a write committed on every server, term colours apart from message colours,
// and a scenario's narration. For a projector it measures the drawing with and without
// the side panel (hiding it must widen the drawing by 20 % or more), the rendered text
// sizes at 1280x720, and that no link or message ever crosses a log. It measures the
// time to the first leader and the page's update rate under a background load of 500
// operations per second, and checks that after SIGINT no server of the demo's work
// directory is left. Screenshots of each state and measurements.json go to DIR.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.demo || !args.out || (!args.grader && !args['server-binary'])) {
  console.error('usage: node demo_browser_test.mjs --demo PATH --grader PATH --out DIR [--impl solutions] [--server-binary PATH]');
  process.exit(2);
}
const out = args.out;
mkdirSync(out, { recursive: true });
const started = Date.now();
const log = (...m) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s]`, ...m);
const failures = [];
const expect = (ok, what) => { if (!ok) { failures.push(what); log('FAIL: ' + what); } return ok; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const measurements = {};

/// CIEDE2000 colour difference of two "rgb(r, g, b)" colours: about 2 is barely
/// noticeable, 20 and more reads as another colour.
function deltaE(c1, c2) {
  const lab = (css) => {
    const [r, g, b] = css.match(/\d+(\.\d+)?/g).slice(0, 3).map((v) => {
      const u = Number(v) / 255;
      return u <= 0.04045 ? u / 12.92 : ((u + 0.055) / 1.055) ** 2.4;
    });
    const f = (t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
    const x = f((r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047), y = f(r * 0.2126 + g * 0.7152 + b * 0.0722);
    const z = f((r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883);
    return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
  };
  const [L1, a1, b1] = lab(c1), [L2, a2, b2] = lab(c2), rad = Math.PI / 180;
  const Cm = (Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2, G = 0.5 * (1 - Math.sqrt(Cm ** 7 / (Cm ** 7 + 25 ** 7)));
  const p1 = [(1 + G) * a1, b1], p2 = [(1 + G) * a2, b2];
  const C1 = Math.hypot(...p1), C2 = Math.hypot(...p2);
  const hue = ([x, y]) => (x === 0 && y === 0 ? 0 : (Math.atan2(y, x) / rad + 360) % 360);
  const h1 = hue(p1), h2 = hue(p2);
  let dh = C1 * C2 === 0 ? 0 : h2 - h1;
  if (dh > 180) dh -= 360; else if (dh < -180) dh += 360;
  const dH = 2 * Math.sqrt(C1 * C2) * Math.sin((dh * rad) / 2);
  const Lm = (L1 + L2) / 2, Cpm = (C1 + C2) / 2;
  let hm = h1 + h2;
  if (C1 * C2 !== 0) hm = (Math.abs(h1 - h2) > 180 ? (hm < 360 ? hm + 360 : hm - 360) : hm) / 2;
  const T = 1 - 0.17 * Math.cos((hm - 30) * rad) + 0.24 * Math.cos(2 * hm * rad) + 0.32 * Math.cos((3 * hm + 6) * rad) - 0.2 * Math.cos((4 * hm - 63) * rad);
  const SL = 1 + (0.015 * (Lm - 50) ** 2) / Math.sqrt(20 + (Lm - 50) ** 2), SC = 1 + 0.045 * Cpm, SH = 1 + 0.015 * Cpm * T;
  const RT = -Math.sin(2 * 30 * Math.exp(-(((hm - 275) / 25) ** 2)) * rad) * 2 * Math.sqrt(Cpm ** 7 / (Cpm ** 7 + 25 ** 7));
  return Math.sqrt(((L2 - L1) / SL) ** 2 + ((C2 - C1) / SC) ** 2 + (dH / SH) ** 2 + RT * ((C2 - C1) / SC) * (dH / SH));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

/// Process ids whose command line mentions `text` (Linux /proc).
function processesMentioning(text) {
  const found = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(text) && Number(pid) !== process.pid) found.push(`${pid}: ${cmd.trim()}`);
    } catch { /* gone meanwhile */ }
  }
  return found;
}

// ---- 1. the server program ----------------------------------------------------
let serverBinary = args['server-binary'];
if (!serverBinary) {
  log('building the lab 10 server:', args.grader, 'build-server --impl', args.impl || 'solutions');
  serverBinary = execFileSync(args.grader, ['build-server', '--impl', args.impl || 'solutions'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
}
log('server:', serverBinary);

// ---- 2. the demo ------------------------------------------------------------------
const port = await freePort();
const spawnedAt = Date.now();
const demo = spawn(args.demo, ['--server-binary', serverBinary, '--port', String(port), '--nodes', '3', '--proxy-control', '0'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
let demoOutput = '';
let demoExit = null;
const exited = new Promise((resolve) => demo.on('exit', (code, signal) => { demoExit = { code, signal }; resolve(); }));
demo.stdout.on('data', (d) => { demoOutput += d; });
demo.stderr.on('data', (d) => { demoOutput += d; });
const waitFor = async (pred, ms, step = 50) => {
  const until = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > until) return null;
    await sleep(step);
  }
};
const url = await waitFor(() => (demoOutput.match(/http:\/\/127\.0\.0\.1:\d+\//) || [])[0] || demoExit, 30000);
if (!url || typeof url !== 'string') {
  console.error('raftlab-demo did not print its address; its output:\n' + demoOutput);
  demo.kill('SIGKILL');
  process.exit(1);
}
const workDir = (demoOutput.match(/work directory (\S+)/) || [])[1];
const proxyControl = (demoOutput.match(/fault proxy control on (127\.0\.0\.1:\d+)/) || [])[1];
log('demo at', url, 'work directory', workDir, 'proxy control', proxyControl);
expect(!!workDir, 'the demo should print its work directory');
expect(!!proxyControl, 'the demo should print where the fault proxy\'s control listens');
const post = (address, body) => fetch(address, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  .then(async (r) => { if (!r.ok) throw new Error(`POST ${address}: ${r.status} ${await r.text()}`); return r.json(); });

const executablePath = process.env.RAFTLAB_CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'raftlab-chromium-'));
let context;
const shot = async (page, name) => { await page.screenshot({ path: join(out, name + '.png') }); log('screenshot', name + '.png'); };
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, viewport: { width: 1600, height: 940 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => { if (!r.url().startsWith(url)) errors.push('fetched ' + r.url()); });
  await page.goto(url);

  const leader = () => page.evaluate(() => document.body.dataset.leader ?? '');
  const servers = () => page.evaluate(() => [...document.querySelectorAll('#servers g.server')].map((g) => ({
    id: Number(g.dataset.id), role: g.dataset.role, process: g.dataset.process,
    term: Number(g.dataset.term || 0), commit: Number(g.dataset.commit || 0), last: Number(g.dataset.last || 0) })));
  const click = (selector) => page.locator(selector).first().click();

  // ---- 3. a leader ----------------------------------------------------------------
  const first = await waitFor(async () => (await leader()) !== '' && leader(), 20000);
  measurements.time_to_leader_ms = Date.now() - spawnedAt;
  if (!expect(first !== null, 'the page should show a leader within 20 s')) throw new Error('no leader');
  log(`leader n${first} on the page ${measurements.time_to_leader_ms} ms after starting raftlab-demo`);
  expect(await page.locator('#servers g.server').count() === 3, 'three servers drawn');
  await sleep(400);  // some messages in flight
  await shot(page, '01-leader');

  // ---- 3b. the drawing for a projector ----------------------------------------------
  // Hiding the panel (key C) gives the drawing the freed width: measured on the page.
  const drawing = () => page.evaluate(() => {
    const boxes = ['#links', '#servers', '#client-node'].map((s) => document.querySelector(s).getBoundingClientRect());
    const entry = document.querySelector('#servers .log-term'), m = entry && entry.getScreenCTM();
    return { w: Math.round(Math.max(...boxes.map((b) => b.right)) - Math.min(...boxes.map((b) => b.left))),
      h: Math.round(Math.max(...boxes.map((b) => b.bottom)) - Math.min(...boxes.map((b) => b.top))),
      entryPx: entry ? Number((parseFloat(getComputedStyle(entry).fontSize) * Math.hypot(m.a, m.b)).toFixed(1)) : 0 };
  });
  const withPanel = await drawing();
  await page.keyboard.press('c');
  const withoutPanel = await waitFor(async () => { const d = await drawing(); return d.w >= withPanel.w * 1.2 && d; }, 3000);
  measurements.drawing_with_panel = withPanel;
  measurements.drawing_without_panel = withoutPanel || await drawing();
  expect(!!withoutPanel, `hiding the panel draws the cluster at least 20 % wider: ${JSON.stringify(withPanel)} with the panel, ` +
    `${JSON.stringify(await drawing())} without`);
  expect(!!withoutPanel && withoutPanel.entryPx >= withPanel.entryPx * 0.99,
    `hiding the panel does not make the log smaller (${withPanel.entryPx} px, then ${withoutPanel && withoutPanel.entryPx} px)`);
  await shot(page, '01b-panel-hidden');
  await page.keyboard.press('c');
  expect(await waitFor(async () => Math.abs((await drawing()).w - withPanel.w) <= withPanel.w * 0.05, 3000), 'showing the panel again restores the drawing');
  // Readable from the back of a room: rendered sizes at a 1280x720 projector.
  await page.setViewportSize({ width: 1280, height: 720 });
  await sleep(500);
  const sizes = await page.evaluate(() => {
    const px = (sel) => {
      const e = document.querySelector(sel), m = e.getScreenCTM ? e.getScreenCTM() : null;
      return Number((parseFloat(getComputedStyle(e).fontSize) * (m ? Math.hypot(m.a, m.b) : 1)).toFixed(1));
    };
    return { entry: px('#servers .log-term'), commit: px('#servers .commit-label'), index: px('#servers .log-index'),
      legend: px('#legend span'), events: px('#events li') };
  });
  measurements.font_px_at_1280x720 = sizes;
  log('font sizes at 1280x720 (px):', JSON.stringify(sizes));
  for (const [what, min] of [['entry', 14], ['commit', 14], ['index', 13], ['legend', 16], ['events', 16]])
    expect(sizes[what] >= min, `at 1280x720 the ${what} text is at least ${min} px (it is ${sizes[what]} px)`);
  await shot(page, '01c-1280x720');
  await page.setViewportSize({ width: 1600, height: 940 });
  await sleep(500);
  // No log under a link or a message: sampled at every animation frame for 2.5 s of
  // writes and heartbeats.
  for (let i = 0; i < 6; i++) await page.evaluate((i) => fetch('/api/action', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ action: 'client', op: 'put', key: 'layout' + i, value: String(i) }) }), i);
  const covered = await page.evaluate(() => new Promise((resolve) => {
    const found = new Set();
    let frames = 0, messages = 0;
    const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const lines = [...document.querySelectorAll('#links line')].map((l) => {
      const m = l.getScreenCTM(), at = (x, y) => ({ x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f });
      return [at(+l.getAttribute('x1'), +l.getAttribute('y1')), at(+l.getAttribute('x2'), +l.getAttribute('y2'))];
    });
    const until = performance.now() + 2500;
    const step = () => {
      const logs = [...document.querySelectorAll('#servers .log')].map((g) => ({ id: g.closest('.server').dataset.id, r: g.getBoundingClientRect() }));
      for (const l of logs) {
        for (const [a, b] of lines)
          for (let t = 0; t <= 1; t += 0.005) {
            const x = a.x + (b.x - a.x) * t, y = a.y + (b.y - a.y) * t;
            if (x >= l.r.left && x <= l.r.right && y >= l.r.top && y <= l.r.bottom) { found.add(`a link crosses the log of n${l.id}`); break; }
          }
        for (const m of document.querySelectorAll('#msgs > g')) {
          if (m.getAttribute('display') === 'none') continue;
          messages++;
          if (hit(m.getBoundingClientRect(), l.r)) found.add(`a message flew over the log of n${l.id}`);
        }
      }
      frames++;
      if (performance.now() < until) requestAnimationFrame(step); else resolve({ found: [...found], frames, messages });
    };
    requestAnimationFrame(step);
  }));
  log(`logs and messages: ${covered.frames} frames sampled, ${covered.messages} message positions`);
  expect(covered.frames > 20 && covered.messages > 100, `enough frames and messages sampled (${covered.frames}, ${covered.messages})`);
  expect(covered.found.length === 0, 'no log is ever under a link or a message: ' + covered.found.join('; '));

  // ---- 4. kill the leader, see a new one ----------------------------------------
  await click(`.server-card[data-id="${first}"] button[data-action=kill]`);
  const killedAt = Date.now();
  await waitFor(async () => (await servers())[first].process === 'stopped', 5000);
  await sleep(400);  // the colour change is animated
  await shot(page, '02-leader-killed');
  // The dead server still says its term, and its down mark covers none of it: nothing
  // of the mark is in the term's box, nor on top anywhere in it.
  const downTerm = await page.evaluate((id) => {
    const g = document.querySelector(`#servers g.server[data-id="${id}"]`), term = g.querySelector('.term');
    const mark = g.querySelector('.down'), t = term.getBoundingClientRect(), m = mark.getBoundingClientRect();
    let covered = 0;
    for (let x = t.left + 1; x < t.right; x += 2)
      for (let y = t.top + 1; y < t.bottom; y += 2) {
        const top = document.elementFromPoint(x, y);
        if (top && mark.contains(top)) covered++;
      }
    let opacity = 1;
    for (let e = term; e && e.nodeType === 1; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    return { text: term.textContent, shown: mark.getAttribute('display') !== 'none', opacity, covered,
      overlap: m.left < t.right && t.left < m.right && m.top < t.bottom && t.top < m.bottom,
      size: t.height };
  }, first);
  expect(downTerm.shown, 'the killed server is marked down');
  expect(/^term \d+$/.test(downTerm.text) && downTerm.opacity >= 0.9 && downTerm.size >= 14,
    `the killed server still shows its term, readable: ${JSON.stringify(downTerm)}`);
  expect(!downTerm.overlap && downTerm.covered === 0, `the down mark leaves the term uncovered: ${JSON.stringify(downTerm)}`);
  const second = await waitFor(async () => { const l = await leader(); return l !== '' && l !== first && l; }, 10000);
  measurements.new_leader_after_kill_ms = Date.now() - killedAt;
  expect(second !== null, 'a new leader within 10 s of killing the old one');
  log(`new leader n${second} after ${measurements.new_leader_after_kill_ms} ms`);
  await sleep(300);
  await shot(page, '03-new-leader');
  await click(`.server-card[data-id="${first}"] button[data-action=start]`);
  expect(await waitFor(async () => (await servers())[first].role === 'follower', 10000), 'the old leader comes back as a follower');

  // ---- 5. partition and heal --------------------------------------------------------
  const before = await leader();
  await click('#isolate-leader');
  expect(await waitFor(() => page.locator('#links line.link.cut').count(), 5000), 'the partition shows as cut links');
  expect(await waitFor(async () => /Cut by the partition: .*n\d/.test(await page.locator('#net-note').innerText()), 10000),
    'the network note names the cut links');
  const side = (s) => page.evaluate((s) => [...document.querySelectorAll(`.zone[data-side=${s}] .chip`)].map((c) => c.dataset.id).join(','), s);
  const sideB = () => side('b');
  // The side of n0 is A: the isolated leader is alone on B, or on A when it is n0.
  const splitOneRest = async () => { const a = await side('a'), b = await side('b'); return b !== '' && a !== '' && (/^\d$/.test(a) || /^\d$/.test(b)); };
  expect(await waitFor(splitOneRest, 10000),
    `the partition editor shows the isolated leader alone on one side (A holds "${await side('a')}", B holds "${await sideB()}")`);
  const third = await waitFor(async () => { const l = await leader(); return l !== '' && l !== before && l; }, 10000);
  expect(third !== null, 'the majority side elects a leader while the old one is isolated');
  await sleep(300);
  await shot(page, '04-partitioned');
  await click('#heal');
  expect(await waitFor(async () => (await page.locator('#links line.link.cut').count()) === 0, 5000), 'heal removes the cuts');
  expect(await waitFor(async () => !(await page.locator('#net-note').isVisible()), 10000), 'heal clears the network note');
  expect(await waitFor(async () => (await sideB()) === '', 10000), 'after the heal every server is back on side A');
  expect(await waitFor(async () => (await servers()).filter((s) => s.role === 'leader').length === 1, 10000),
    'one leader after healing (the isolated one steps down)');
  await sleep(300);
  await shot(page, '05-healed');

  // ---- 5b. faults set through the HTTP APIs show on the sliders ------------------------
  const sliders = () => page.evaluate(() => ({
    drop: Number(document.getElementById('drop').value), latency: Number(document.getElementById('latency').value),
    dropOut: document.getElementById('drop-out').textContent, latencyOut: document.getElementById('latency-out').textContent,
    now: document.getElementById('faults-now').textContent }));
  // The values, on every link the menu names (not the largest of links that differ).
  const slidersShow = (drop, latency) => waitFor(async () => {
    const s = await sliders();
    return s.drop === drop && s.latency === latency && s.dropOut === `${drop} %` && s.latencyOut === `${latency} ms` &&
      !/not the same/.test(s.now);
  }, 5000);
  // Through the proxy's own control, as ./raftlab proxy does: every link between servers.
  const links = (await (await fetch(`http://${proxyControl}/links`)).json()).links.filter((l) => l.from !== 'client');
  for (const l of links)
    await post(`http://${proxyControl}/links/${encodeURIComponent(l.name)}/faults`, { direction: 'both', drop: 0.3, latency_ms: 120 });
  expect(await slidersShow(30, 120), `faults set through the proxy's HTTP control show on the sliders (drop 30 %, 120 ms); ` +
    `they show ${JSON.stringify(await sliders())}`);
  expect(await waitFor(async () => (await page.locator('#links line.link.faulty').count()) === 3, 3000), 'every link is drawn faulty');
  expect(await waitFor(async () => /link faults: every link between servers: drop 30 %, latency 120 ms/.test(await page.locator('#events').innerText()), 3000),
    'the event log says which faults the proxy has now');
  await shot(page, '05b-faults-from-the-proxy');
  // Through the demo's HTTP API, on the links of one server: the menu's choice shows them.
  await post(`${url}api/action`, { action: 'faults', node: 1, drop: 45, latency_ms: 250 });
  await page.selectOption('#fault-node', '1');
  expect(await slidersShow(45, 250), `faults set on n1's links through /api/action show on the sliders for n1; they show ${JSON.stringify(await sliders())}`);
  await post(`http://${proxyControl}/clear-faults`, {});
  expect(await slidersShow(0, 0), `clearing the faults through the proxy sets the sliders back to 0; they show ${JSON.stringify(await sliders())}`);
  expect(await waitFor(async () => (await page.locator('#links line.link.faulty').count()) === 0, 3000), 'no link is drawn faulty after the clear');
  await page.selectOption('#fault-node', 'all');

  // ---- 6. a write, committed everywhere ---------------------------------------------
  await page.selectOption('#op', 'put');
  await page.fill('#key', 'color');
  await page.fill('#value', 'green');
  await click('#client-form button[type=submit]');
  expect(await waitFor(() => page.locator('#client-results li.ok').count(), 10000), 'the write is answered ok');
  const target = Math.max(...(await servers()).map((s) => s.last));
  const committed = await waitFor(async () => (await servers()).every((s) => s.commit >= target), 10000);
  expect(committed, `every server shows commit index >= ${target} after the write`);
  await sleep(300);
  await shot(page, '06-write-committed');

  // ---- 6b. term colours are not message colours -------------------------------------
  // Every colour a message is drawn in (the legend's shapes, and the red of rejections
  // and cuts), against the legend's term colours and the logs' boxes.
  const colours = await page.evaluate(() => {
    const seen = (e, prop) => getComputedStyle(e)[prop];
    const message = new Set();
    for (const svg of document.querySelectorAll('#legend span:not(.legend-terms) svg'))
      for (const shape of svg.querySelectorAll('rect, circle, line'))
        for (const prop of ['fill', 'stroke']) message.add(seen(shape, prop));
    const probe = document.createElement('span');
    document.body.appendChild(probe);
    for (const v of ['--bad', '--good', '--entries', '--vote', '--client']) { probe.style.color = `var(${v})`; message.add(getComputedStyle(probe).color); }
    probe.remove();
    const terms = [...document.querySelectorAll('#legend .term-swatch')].map((r) => ({ term: Number(r.dataset.term), fill: seen(r, 'fill') }));
    const boxes = [...document.querySelectorAll('#servers .log-box')].map((r) => ({ term: Number(r.dataset.term), fill: seen(r, 'fill') }));
    return { message: [...message], terms, boxes };
  });
  // Outlines and numbers (near black), and "none", are not message colours.
  const messageColours = colours.message.filter((c) => /^rgb/.test(c) && !/^rgba\(.*, 0\)$/.test(c) && deltaE(c, 'rgb(0, 0, 0)') > 15);
  measurements.message_colours = messageColours;
  measurements.term_colours = colours.terms.map((t) => t.fill);
  expect(messageColours.length >= 6, `the legend shows the message colours (${messageColours.join(' ')})`);
  expect(colours.terms.length >= 5, `the legend shows at least five term colours (${colours.terms.length})`);
  let closest = { d: Infinity };
  for (const t of colours.terms)
    for (const m of messageColours) { const d = deltaE(t.fill, m); if (d < closest.d) closest = { d, term: t.term, t: t.fill, m }; }
  measurements.term_to_message_min_delta_e = Number(closest.d.toFixed(1));
  expect(closest.d >= 20, `term colours stay apart from message colours (CIEDE2000 >= 20): term ${closest.term} ` +
    `${closest.t} is ${closest.d.toFixed(1)} from ${closest.m}`);
  for (let i = 0; i < colours.terms.length; i++)
    for (let j = i + 1; j < colours.terms.length; j++)
      expect(deltaE(colours.terms[i].fill, colours.terms[j].fill) >= 20, `terms ${i + 1} and ${j + 1} have distinct colours`);
  const period = colours.terms.length;
  const wrong = colours.boxes.filter((b) => b.fill !== colours.terms[(b.term - 1) % period].fill);
  expect(colours.boxes.length > 0 && wrong.length === 0,
    `every log box has its term's colour from the legend (${colours.boxes.length} boxes, wrong: ${JSON.stringify(wrong.slice(0, 3))})`);

  // ---- 7. a scenario's narration -----------------------------------------------------
  await click('#scenario-list button[data-name=split_brain]');
  expect(await waitFor(() => page.locator('#narration:not([hidden])').count(), 5000), 'picking a scenario shows its introduction');
  await click('#narr-next');
  expect(await waitFor(async () => /can no longer reach anyone/.test(await page.locator('#narr-text').textContent()), 10000),
    'the scenario step narrates the isolated leader');
  await sleep(1500);
  await shot(page, '07-scenario-split-brain');
  await click('#narr-stop');
  await click('#heal');
  await waitFor(async () => (await servers()).filter((s) => s.role === 'leader' && s.process === 'running').length === 1, 10000);

  // ---- 7b. Figure 8, step by step ---------------------------------------------------
  const idle = () => waitFor(async () => page.locator('#busy[hidden]').count(), 30000);
  const step = async (k) => {
    await idle();
    await click('#narr-next');
    return waitFor(async () => (await page.locator('#narr-step').textContent()).startsWith(`step ${k} of`) &&
      (await page.locator('#busy[hidden]').count()) > 0 && page.locator('#narr-text').textContent(), 30000);
  };
  await idle();
  await click('#scenario-list button[data-name=figure8]');
  await waitFor(async () => /Figure 8/.test(await page.locator('#narr-title').textContent()), 5000);
  expect(/replies are cut/.test(await step(1) || ''), 'Figure 8 step 1 cuts the acknowledgements');
  const uncommitted = await step(2);
  expect(/a majority/.test(uncommitted || ''), `Figure 8 step 2 stores an entry on a majority, said: ${uncommitted}`);
  await sleep(800);
  await shot(page, '08-figure8-on-a-majority-uncommitted');
  const resolved = await step(3);
  expect(/won term/.test(resolved || ''), `Figure 8 step 3 names the new leader, said: ${resolved}`);
  await sleep(800);
  await shot(page, '09-figure8-new-leader');
  expect(/rejoins/.test(await step(4) || ''), 'Figure 8 step 4 brings the old leader back');
  await click('#narr-stop');
  await idle();

  // ---- 7c. a follower catches up ----------------------------------------------------------
  await click('#scenario-list button[data-name=catch_up]');
  await waitFor(async () => /catch-up/.test(await page.locator('#narr-title').textContent()), 5000);
  await step(1);
  const wrote = await step(2);
  expect(/5 of 5 writes committed/.test(wrote || ''), `catch-up: five writes commit without the follower, said: ${wrote}`);
  const caught = await step(3);
  expect(/like the others/.test(caught || ''), `catch-up: the restarted follower catches up, said: ${caught}`);
  await click('#narr-stop');
  await idle();

  // ---- 7f. snapshot catch-up (lab 11): a follower far behind receives InstallSnapshot ----
  await click('#scenario-list button[data-name=snapshot_catch_up]');
  await waitFor(async () => /Snapshot catch-up/.test(await page.locator('#narr-title').textContent()), 5000);
  expect(/is down/.test(await step(1) || ''), 'snapshot catch-up step 1 turns snapshots on and kills a follower');
  const snapWrote = await step(2) || '';
  expect(/60 of 60 writes committed/.test(snapWrote), `snapshot catch-up: sixty writes commit, said: ${snapWrote}`);
  // Count the parcels as they fly: sample the stage while the follower restarts.
  await idle();
  await click('#narr-next');
  let parcels = 0;
  const sampleUntil = Date.now() + 6000;
  while (Date.now() < sampleUntil) {
    parcels = Math.max(parcels, await page.evaluate(() => document.querySelectorAll('#stage .snapshot-msg').length));
    await sleep(50);
  }
  const snapCaught = await waitFor(async () => (await page.locator('#narr-step').textContent()).startsWith('step 3 of') &&
    (await page.locator('#busy[hidden]').count()) > 0 && page.locator('#narr-text').textContent(), 30000) || '';
  await shot(page, '09d-snapshot-catch-up');
  measurements.snapshot_parcels_seen = parcels;
  expect(/like the others/.test(snapCaught), `snapshot catch-up: the restarted follower catches up, said: ${snapCaught}`);
  expect(parcels >= 1, `snapshot catch-up: an InstallSnapshot parcel is drawn on the stage (saw ${parcels})`);
  expect(/without snapshots/.test(await step(4) || ''), 'snapshot catch-up step 4 turns snapshots off');
  await click('#narr-stop');
  await idle();

  // ---- 7g. membership changes (lab 12): remove a follower, add it back, remove the leader ----
  await click('#scenario-list button[data-name=membership]');
  await waitFor(async () => /Membership changes/.test(await page.locator('#narr-title').textContent()), 5000);
  const removed = await step(1) || '';
  expect(/is outside now/.test(removed), `membership step 1 removes a follower, said: ${removed}`);
  const outside = await waitFor(async () => page.evaluate(() =>
    [...document.querySelectorAll('#stage .server')].filter((g) => g.dataset.member === 'out').length), 5000);
  expect(outside === 1, `membership: one server is drawn outside the configuration (saw ${outside})`);
  await shot(page, '09e-membership-removed');
  const memberWrote = await step(2) || '';
  expect(/60 of 60 writes committed/.test(memberWrote), `membership: sixty writes commit among the voters left, said: ${memberWrote}`);
  // Watch for the learner while the follower is added back.
  await idle();
  await click('#narr-next');
  let learnerSeen = false;
  const learnUntil = Date.now() + 8000;
  while (Date.now() < learnUntil && !learnerSeen) {
    learnerSeen = await page.evaluate(() => [...document.querySelectorAll('#stage .server')].some((g) => g.dataset.member === 'learner'));
    await sleep(30);
  }
  const added = await waitFor(async () => (await page.locator('#narr-step').textContent()).startsWith('step 3 of') &&
    (await page.locator('#busy[hidden]').count()) > 0 && page.locator('#narr-text').textContent(), 30000) || '';
  measurements.membership_learner_drawn = learnerSeen;
  expect(/made it a voter/.test(added), `membership: the follower joins as a learner and becomes a voter, said: ${added}`);
  const [voters, drawnServers] = await page.evaluate(() => {
    const all = [...document.querySelectorAll('#stage .server')];
    return [all.filter((g) => g.dataset.member === 'voter').length, all.length];
  });
  expect(voters === drawnServers, `membership: every server drawn as a voter after the addition (saw ${voters} of ${drawnServers})`);
  const leaderGone = await step(4) || '';
  expect(/removed itself/.test(leaderGone) && /won term/.test(leaderGone),
    `membership: the leader removes itself and another wins, said: ${leaderGone}`);
  await sleep(800);
  await shot(page, '09f-membership-leader-removed');
  expect(/is a voter again/.test(await step(5) || ''), 'membership step 5 adds the old leader back and turns membership off');
  await click('#narr-stop');
  await idle();

  // ---- 7e. Cloudflare 2020: a deaf follower, without and with PreVote and CheckQuorum ----
  await click('#scenario-list button[data-name=cloudflare_2020]');
  await waitFor(async () => /Cloudflare 2020/.test(await page.locator('#narr-title').textContent()), 5000);
  expect(/hears nobody/.test(await step(1) || ''), 'Cloudflare 2020 step 1 deafens a follower');
  await sleep(1500);
  await shot(page, '09b-cloudflare-plain-raft');
  const plain = await step(2) || '';
  const plainElections = Number((/(\d+) elections/.exec(plain) || [])[1]);
  measurements.cloudflare_plain_elections_10s = plainElections;
  // Plain Raft: the deaf follower times out every 300-600 ms and each election deposes
  // the leader, so 10 s hold many; 3 is far below what any run showed.
  expect(plainElections >= 3, `plain Raft with a deaf follower keeps electing, said: ${plain}`);
  expect(/restarted/.test(await step(3) || ''), 'Cloudflare 2020 step 3 restarts the servers with PreVote and CheckQuorum');
  expect(/hears nobody/.test(await step(4) || ''), 'Cloudflare 2020 step 4 deafens a follower again');
  await sleep(1500);
  const preVotes = await page.evaluate(() => document.querySelectorAll('#stage [stroke-dasharray]').length);
  await shot(page, '09c-cloudflare-prevote');
  const stable = await step(5) || '';
  const stableElections = Number((/(\d+) elections/.exec(stable) || [])[1]);
  measurements.cloudflare_prevote_elections_10s = stableElections;
  measurements.cloudflare_prevote_dashed_shapes = preVotes;
  // Liveness on a shared machine is judged generously, as lab 13's system check does.
  expect(stableElections <= 2, `with PreVote and CheckQuorum the leader stays, said: ${stable}`);
  expect(/rejoins/.test(await step(6) || ''), 'Cloudflare 2020 step 6 heals');
  await click('#narr-stop');
  await idle();

  // ---- 7d. slow motion ------------------------------------------------------------------
  await click('#slow');
  await waitFor(async () => (await page.locator('#busy[hidden]').count()) === 0, 3000);
  const slowDone = await waitFor(async () => (await page.locator('#busy[hidden]').count()) > 0 && (await leader()) !== '', 60000, 200);
  expect(slowDone, 'slow motion restarts the servers and a leader is elected with the slow timing');
  expect(await page.evaluate(() => window.demoStats && document.getElementById('slow').checked), 'the slow-motion switch stays on');
  await sleep(2500);
  await shot(page, '10-slow-motion');
  await click('#slow');
  await waitFor(async () => (await page.locator('#busy[hidden]').count()) === 0, 3000);
  expect(await waitFor(async () => (await page.locator('#busy[hidden]').count()) > 0 && (await leader()) !== '', 60000, 200),
    'back to normal speed with a leader');

  // ---- 8. update rate under 500 operations per second ---------------------------------
  await page.evaluate(() => fetch('/api/action', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ action: 'load', ops: 500 }) }));
  await sleep(3000);
  const f0 = await page.evaluate(() => ({ frames: window.demoStats.frames, t: performance.now() }));
  const state0 = await page.evaluate(() => fetch('/api/state').then((r) => r.json()));
  await sleep(5000);
  const f1 = await page.evaluate(() => ({ frames: window.demoStats.frames, t: performance.now() }));
  const state1 = await page.evaluate(() => fetch('/api/state').then((r) => r.json()));
  measurements.frames_per_second_under_load = Number((((f1.frames - f0.frames) * 1000) / (f1.t - f0.t)).toFixed(2));
  measurements.load_ops_per_second_achieved = Number((((state1.load.done - state0.load.done) * 1000) / (f1.t - f0.t)).toFixed(1));
  measurements.load_failed = state1.load.failed;
  log(`under load: ${measurements.frames_per_second_under_load} frames/s at the page, ` +
      `${measurements.load_ops_per_second_achieved} ops/s completed`);
  // The rate itself is a measurement (measurements.json), not a pass mark: CI's machine
  // is shared. What must hold is that frames keep coming under load: one a second.
  expect(f1.frames - f0.frames >= 5, `the page keeps getting frames under load (${f1.frames - f0.frames} in 5 s)`);
  await shot(page, '11-under-load');
  await page.evaluate(() => fetch('/api/action', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ action: 'load', ops: 0 }) }));

  expect(errors.length === 0, 'the page reported: ' + errors.join('; '));
} catch (e) {
  failures.push(String(e && e.stack || e));
  console.error(e);
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}

// ---- 9. SIGINT leaves nothing behind ------------------------------------------------
demo.kill('SIGINT');
let giveUp;
const stoppedInTime = await Promise.race([exited.then(() => true),
  new Promise((r) => { giveUp = setTimeout(() => r(false), 15000); })]);
clearTimeout(giveUp);
expect(stoppedInTime, 'raftlab-demo exits within 15 s of SIGINT');
if (!stoppedInTime) demo.kill('SIGKILL');
await sleep(300);
if (workDir) {
  const left = processesMentioning(workDir);
  expect(left.length === 0, 'no server of the demo is left after SIGINT: ' + left.join('; '));
  expect(!existsSync(workDir), `the work directory ${workDir} is removed`);
}
measurements.total_test_s = Number(((Date.now() - started) / 1000).toFixed(1));
writeFileSync(join(out, 'measurements.json'), JSON.stringify(measurements, null, 2) + '\n');
log('measurements', JSON.stringify(measurements));
if (failures.length) {
  console.error('FAILED:\n  ' + failures.join('\n  ') + '\n--- raftlab-demo output:\n' + demoOutput);
  process.exit(1);
}
log('ok');
