// timeline_browser_test.mjs: opens a raftlab HTML timeline in a real browser.
//
//   node timeline_browser_test.mjs PAGE.html SCREENSHOT.png
//
// Uses Debian's Chromium (/usr/bin/chromium, or RAFTLAB_CHROMIUM) through
// playwright-core, never a browser downloaded by Playwright, in a fresh profile
// directory that is removed afterwards. Checks that the page draws without script
// errors, has one lane per server, message arrows, lost messages and the violation,
// that hovering an arrow shows its content, and saves a screenshot.
//
// Time travel: PAGE.html.expected.json (written with the page by raftlab-timeline-sample)
// holds every server's state, read from the servers themselves, at chosen events. The
// test presses Home and then the right arrow one event at a time, and at each of those
// events compares the state panel (up or down, role, term, commit index, log length)
// with it; then End, a click on the restart mark, and j/k and Shift+arrow.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pagePath, shotPath] = process.argv.slice(2);
if (!pagePath || !shotPath) {
  console.error('usage: node timeline_browser_test.mjs PAGE.html SCREENSHOT.png');
  process.exit(2);
}
const executablePath = process.env.RAFTLAB_CHROMIUM || '/usr/bin/chromium';
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); };
const expected = JSON.parse(readFileSync(pagePath + '.expected.json', 'utf8'));
const expectedAt = new Map(expected.points.map((p) => [p.event, p.servers]));

/// The selected event and what the state panel shows for each server.
async function panel(page) {
  return page.evaluate(() => ({
    event: Number(document.getElementById('state-panel').getAttribute('data-event')),
    servers: [...document.querySelectorAll('#state-servers .server-state')].map((el) => ({
      node: Number(el.dataset.node), up: el.dataset.up, role: el.dataset.role, term: Number(el.dataset.term),
      commit: Number(el.dataset.commit), log: Number(el.dataset.log), text: el.textContent,
    })),
  }));
}

/// Compares the panel with the servers' states at its event; returns how many differ.
function compare(shown, servers, how) {
  let wrong = 0;
  const say = (what) => { if (++wrong <= 3) failures.push(`${how}: event ${shown.event}: ${what}`); };
  if (shown.servers.length !== servers.length) say(`panel shows ${shown.servers.length} servers, not ${servers.length}`);
  servers.forEach((want, n) => {
    const got = shown.servers[n];
    if (!got) return;
    if (!want.up) { if (got.up !== '0') say(`server ${n} should show as down, shows ${JSON.stringify(got)}`); return; }
    const same = got.up === '1' && got.role === want.role && got.term === want.term && got.commit === want.commit &&
      got.log === want.log && got.text.includes(`term ${want.term}`) && got.text.includes(`commit ${want.commit}`);
    if (!same) say(`server ${n} should be ${want.role} term ${want.term} commit ${want.commit} log ${want.log}, ` +
      `the panel shows ${got.up === '1' ? `${got.role} term ${got.term} commit ${got.commit} log ${got.log}` : 'it ' + (got.up === '0' ? 'down' : 'unknown')}`);
  });
  return wrong;
}

/// Steps through the page with the keyboard and compares the panel with the run.
async function timeTravel(page) {
  await page.keyboard.press('Home');
  let shown = await panel(page);
  expect(shown.event === 0, `Home should select the first event, selected ${shown.event}`);
  const stop = Math.min(expected.last_event, Math.max(...expected.points.filter((p) => p.event < 400).map((p) => p.event)));
  let compared = 0, wrong = 0, withLog = 0;
  for (let k = 0; k <= stop; k++) {
    if (k > 0) await page.keyboard.press('ArrowRight');
    if (!expectedAt.has(k)) continue;
    shown = await panel(page);
    if (shown.event !== k) { failures.push(`pressing the right arrow ${k} times selected event ${shown.event}`); break; }
    wrong += compare(shown, expectedAt.get(k), 'stepping with the right arrow');
    compared++;
    if (expectedAt.get(k).some((s) => s.log > 0)) withLog++;
  }
  expect(compared > 100 && withLog > 20, `expected to compare many events with logs, compared ${compared} (${withLog} with a log)`);
  await page.keyboard.press('k');
  shown = await panel(page);
  expect(shown.event === stop - 1, `k should step back one event, from ${stop} to ${shown.event}`);
  await page.keyboard.press('j');
  shown = await panel(page);
  expect(shown.event === stop, `j should step on one event, from ${stop - 1} to ${shown.event}`);

  // Shift+right jumps to the next event at which some server's state changed.
  const changedAt = await page.evaluate(() =>
    JSON.parse(document.getElementById('timeline-data').textContent).states.map((c) => c[0]));
  const firstChange = Math.min(...changedAt.filter((e) => e > 0));
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+ArrowRight');
  shown = await panel(page);
  expect(shown.event === firstChange, `Shift+right from the first event should select ${firstChange}, the next state change, not ${shown.event}`);

  await page.keyboard.press('End');
  shown = await panel(page);
  expect(shown.event === expected.last_event, `End should select the last event, selected ${shown.event}`);
  wrong += compare(shown, expectedAt.get(expected.last_event), 'End');

  // A click on server 4's restart mark selects that event.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const spot = await page.evaluate(() => {
    const mark = document.querySelector('#plot circle.mark.restart');
    if (!mark) return null;
    const scroller = document.getElementById('scroller');
    scroller.scrollLeft = Math.max(0, Number(mark.getAttribute('cx')) - scroller.clientWidth / 2);
    const r = mark.getBoundingClientRect();
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    return document.elementFromPoint(cx, cy) === mark ? { cx, cy } : { covered: true };
  });
  expect(spot && !spot.covered, `the restart mark should be visible to click (${JSON.stringify(spot)})`);
  if (spot && !spot.covered) {
    await page.mouse.click(spot.cx, spot.cy);
    shown = await panel(page);
    expect(shown.event === expected.restart_event, `clicking the restart mark selected event ${shown.event}, not ${expected.restart_event}`);
    wrong += compare(shown, expectedAt.get(expected.restart_event), 'clicking the restart mark');
  }
  const lines = await page.evaluate(() => [document.querySelectorAll('#plot path.loglen-line').length,
    document.querySelectorAll('#plot path.commit-line').length]);
  expect(lines[0] > 0 && lines[1] > 0, `expected log length and commit index lines in the lanes, found ${lines}`);
  return { compared, wrong };
}

/// Moves the mouse onto the middle of a RequestVote arrow that nothing covers there,
/// and returns the tooltip's text (null when no such arrow is in view).
async function hoverSomeArrow(page) {
  const spot = await page.evaluate(() => {
    for (const el of document.querySelectorAll('#plot line.msg.request_vote')) {
      const r = el.getBoundingClientRect();
      const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
      if (cx < 0 || cy < 0 || cx > window.innerWidth || cy > window.innerHeight) continue;
      if (document.elementFromPoint(cx, cy) === el) return { cx, cy };
    }
    return null;
  });
  if (!spot) return null;
  await page.mouse.move(spot.cx, spot.cy);
  const tip = page.locator('#tip');
  return (await tip.isVisible()) ? await tip.textContent() : null;
}

const profile = mkdtempSync(join(tmpdir(), 'raftlab-chromium-'));
let context;
try {
  // launchPersistentContext passes the fresh profile as --user-data-dir.
  context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, args, viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => { if (!r.url().startsWith('file:')) errors.push('fetched ' + r.url()); });
  await page.goto(pathToFileURL(resolve(pagePath)).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });

  const servers = await page.evaluate(() => JSON.parse(document.getElementById('timeline-data').textContent).servers);
  const lanes = await page.locator('#plot g.lane').count();
  const arrows = await page.locator('#plot line.msg').count();
  const lost = await page.locator('#plot .drop-x').count();
  const leaderBands = await page.locator('#plot rect.band.leader').count();
  const violation = await page.locator('#violation').count();
  expect(servers >= 2, `the page should describe a cluster, got ${servers} servers`);
  expect(lanes === servers, `expected ${servers} lanes, found ${lanes}`);
  expect(arrows > 20, `expected message arrows, found ${arrows}`);
  expect(lost > 0, 'expected at least one lost message marked with a cross');
  expect(leaderBands > 0, 'expected leader bands');
  expect(violation === 1, 'expected the broken property to be marked once');
  const tip = await hoverSomeArrow(page);
  expect(tip !== null && /request_vote/.test(tip) && /sent/.test(tip),
    `hovering a RequestVote arrow should show it, got ${JSON.stringify(tip)}`);
  const travel = await timeTravel(page);
  expect(errors.length === 0, 'the page reported: ' + errors.join('; '));

  mkdirSync(dirname(resolve(shotPath)), { recursive: true });
  await page.screenshot({ path: shotPath });
  console.log(`lanes ${lanes}, arrows ${arrows}, lost ${lost}, leader bands ${leaderBands}`);
  console.log(`hover: ${tip ? tip.split('\n')[0] : '(none)'}`);
  console.log(`time travel: compared the state panel at ${travel.compared} events stepped to with the right arrow, ${travel.wrong} differed`);
  console.log(`screenshot: ${resolve(shotPath)}`);
} catch (e) {
  failures.push(String(e && e.stack ? e.stack : e));
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (failures.length) {
  console.error('timeline browser test FAILED:\n  ' + failures.join('\n  '));
  process.exit(1);
}
console.log('timeline browser test passed');
