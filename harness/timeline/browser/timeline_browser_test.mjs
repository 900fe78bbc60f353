// timeline_browser_test.mjs: opens a raftlab HTML timeline in a real browser.
//
//   node timeline_browser_test.mjs PAGE.html SCREENSHOT.png
//
// Uses Debian's Chromium (/usr/bin/chromium, or RAFTLAB_CHROMIUM) through
// playwright-core, never a browser downloaded by Playwright, in a fresh profile
// directory that is removed afterwards. Checks that the page draws without script
// errors, has one lane per server, message arrows, lost messages and the violation,
// that hovering an arrow shows its content, and saves a screenshot.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
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
    executablePath, headless: true, args, viewport: { width: 1400, height: 620 },
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
  expect(errors.length === 0, 'the page reported: ' + errors.join('; '));

  mkdirSync(dirname(resolve(shotPath)), { recursive: true });
  await page.screenshot({ path: shotPath });
  console.log(`lanes ${lanes}, arrows ${arrows}, lost ${lost}, leader bands ${leaderBands}`);
  console.log(`hover: ${tip ? tip.split('\n')[0] : '(none)'}`);
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
