// layout_test.mjs: the demo page's layout (assets/layout.js) without a browser.
//
//   node layout_test.mjs
//
// For 3, 5 and 7 servers and stages the size of a 1280x720 and a 1920x1080 page, with
// and without the side panel (and a few odd shapes), it checks what a projector
// audience needs: no card (role, timer, log, commit point) lies under a message's path
// or on another card or server, everything is inside the drawing, and hiding the panel
// makes the drawing wider and never smaller. The geometry here is its own, not
// layout.js's: paths are sampled point by point.
import { createRequire } from 'node:module';
import { strict as assert } from 'node:assert';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const DemoLayout = require('../assets/layout.js');

// A message flies 9 units to the side of its link and is at most 16 units wide (an
// AppendEntries square), with a 1-unit outline: 18 units from the link's axis.
const MESSAGE_BAND = 9 + 8 + 1;

// The stage (the svg) in pixels, as demo.css makes it at 1280x720 and 1920x1080.
const STAGES = {
  '1280x720 panel': [906, 470], '1280x720 no panel': [1240, 490],
  '1920x1080 panel': [1480, 850], '1920x1080 no panel': [1880, 870],
};
const ODD = { 'tall': [700, 900], 'tiny': [420, 300], 'ultrawide': [2500, 600] };

function distanceToBox(p, b) {
  const dx = Math.max(b.x - p.x, 0, p.x - (b.x + b.w)), dy = Math.max(b.y - p.y, 0, p.y - (b.y + b.h));
  return Math.hypot(dx, dy);
}

/// The nearest any point of the segment a-b comes to the box (sampled every unit or so).
function segmentToBox(a, b, box) {
  const steps = Math.max(2, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y)));
  let best = Infinity;
  for (let k = 0; k <= steps; k++) {
    const t = k / steps;
    best = Math.min(best, distanceToBox({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t }, box));
  }
  return best;
}

const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const within = (a, b) => a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;

/// Every problem of one layout, in words ([] when there is none).
function problems(L) {
  const found = [], n = L.n, r = L.sizes.r, centre = { x: 0, y: 0 };
  const cards = L.positions.map((p, i) => ({ x: p.x + L.cards[i].x, y: p.y + L.cards[i].y, w: L.cards[i].w, h: L.cards[i].h }));
  const discs = L.positions.map((p) => ({ x: p.x - r - 12, y: p.y - r - 12, w: 2 * r + 24, h: 2 * r + 24 }));
  const paths = [];
  for (let i = 0; i < n; i++) {
    paths.push([`n${i}-clients`, L.positions[i], centre]);
    for (let j = i + 1; j < n; j++) paths.push([`n${i}-n${j}`, L.positions[i], L.positions[j]]);
  }
  cards.forEach((card, i) => {
    for (const [name, a, b] of paths) {
      const d = segmentToBox(a, b, card);
      if (d < MESSAGE_BAND) found.push(`the card of n${i} is ${d.toFixed(1)} units from the path ${name}`);
    }
    cards.forEach((other, j) => { if (j > i && overlaps(card, other)) found.push(`the cards of n${i} and n${j} overlap`); });
    discs.forEach((disc, j) => { if (j !== i && overlaps(card, disc)) found.push(`the card of n${i} covers n${j}`); });
    if (!within(card, L.viewBox)) found.push(`the card of n${i} is outside the drawing`);
  });
  return found;
}

for (const n of [3, 5, 7])
  for (const [name, [w, h]] of Object.entries({ ...STAGES, ...ODD }))
    test(`${n} servers, stage ${name} (${w}x${h}): no card under a message, on a card or a server`, () => {
      const L = DemoLayout.fit(n, w, h);
      assert.deepEqual(problems(L), []);
      assert.ok(L.viewBox.w * L.scale <= w + 1 && L.viewBox.h * L.scale <= h + 1, 'the drawing fits the stage');
    });

for (const n of [3, 5, 7])
  for (const size of ['1280x720', '1920x1080'])
    test(`${n} servers at ${size}: hiding the panel draws the cluster wider, and not smaller`, () => {
      const [w0, h0] = STAGES[`${size} panel`], [w1, h1] = STAGES[`${size} no panel`];
      const a = DemoLayout.fit(n, w0, h0), b = DemoLayout.fit(n, w1, h1);
      const width = (L) => L.viewBox.w * L.scale;
      assert.ok(width(b) >= 1.2 * width(a), `drawn ${width(a).toFixed(0)} px wide with the panel, ${width(b).toFixed(0)} px without`);
      assert.ok(b.scale >= a.scale * 0.99, `scale ${a.scale.toFixed(3)} with the panel, ${b.scale.toFixed(3)} without`);
    });

test('a log entry of 3 servers is at least 14 px high at 1280x720 with the panel', () => {
  const L = DemoLayout.fit(3, ...STAGES['1280x720 panel']);
  assert.ok(L.sizes.entry * L.scale >= 14, `entry numbers ${(L.sizes.entry * L.scale).toFixed(1)} px`);
  assert.ok(L.sizes.commit * L.scale >= 14, `commit labels ${(L.sizes.commit * L.scale).toFixed(1)} px`);
});

test('the top server\'s card is above it, on the side away from every link', () => {
  for (const n of [3, 5, 7]) assert.equal(DemoLayout.fit(n, ...STAGES['1920x1080 panel']).sides[0], 'above');
});
