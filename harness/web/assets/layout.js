// layout.js: where the demo page draws each server, from the size of the stage in
// pixels. Pure geometry, no DOM: demo.js draws what fit() returns, and
// test/layout_test.mjs checks it in Node.
//
// The servers sit on an ellipse around the clients' circle. Each server has a card on
// its outer side: its role and election timer, its log and its commit point. Every message flies between two servers, or between a server and the clients
// in the middle, so it stays inside the ring; a card that keeps clear of every such
// path is never covered by one. fit() tries ellipses and, for each server, a card
// above or below it or beside it, keeps the layouts where nothing overlaps, and picks
// the one that can be drawn largest in the stage; among those, the one that fills it
// best. A wider stage (the side panel hidden) gets a wider layout, drawn at least as
// large.
'use strict';

const DemoLayout = (() => {
  /// Sizes in drawing units, by cluster size: the disc's radius, how many log entries a
  /// card shows and their box, and the font sizes of the stage's texts.
  const SIZES = {
    3: { r: 58, boxes: 10, box: 28, boxH: 30, name: 36, term: 21, tag: 22, entry: 19, index: 18, commit: 19, label: 17, timer: 120 },
    5: { r: 50, boxes: 8, box: 27, boxH: 29, name: 32, term: 19, tag: 20, entry: 18, index: 17, commit: 18, label: 16, timer: 110 },
    7: { r: 44, boxes: 6, box: 26, boxH: 28, name: 28, term: 18, tag: 19, entry: 17, index: 16, commit: 17, label: 15, timer: 100 },
  };
  const BOX_GAP = 3;     // between two log boxes
  const CARD_GAP = 16;   // between a disc and its card: clears the leader's halo and the down badge
  const MESSAGE = 20;    // half the width of a message's path: its side offset (9) and its shape (10)
  const MIN_FLIGHT = 140;  // the shortest stretch of link a message is seen flying along
  const SIDE_COST = 0.05;  // cards beside their servers must draw this much larger (all of them) to be chosen
  const CLIENTS_R = 30;  // the clients' circle in the middle
  const LABEL = { w: 190, h: 24, push: 30 };  // a link's label ("drop 20 %, +100 ms"), outside the ring

  function sizes(n) { return n <= 3 ? SIZES[3] : n <= 5 ? SIZES[5] : SIZES[7]; }

  /// A card's size and where its rows go (y of each row's top, from the card's top).
  function card(z) {
    const log = z.boxes * (z.box + BOX_GAP) + 2 * (2 * z.index + 8);  // the boxes, the first and last index
    const rows = { tag: 0, log: z.tag + 10 };
    rows.commit = rows.log + z.boxH + 8;
    return { w: Math.max(log, 2 * z.timer + 40), h: rows.commit + z.commit + 4, rows };
  }

  /// The card's box relative to its server's centre, on one side of the disc.
  function cardBox(side, z, c) {
    const d = z.r + CARD_GAP;
    switch (side) {
      case 'above': return { x: -c.w / 2, y: -d - c.h, w: c.w, h: c.h };
      case 'below': return { x: -c.w / 2, y: d, w: c.w, h: c.h };
      case 'left': return { x: -d - c.w, y: -c.h / 2, w: c.w, h: c.h };
      default: return { x: d, y: -c.h / 2, w: c.w, h: c.h };
    }
  }

  // ---- geometry ------------------------------------------------------------------

  const shift = (b, p) => ({ x: b.x + p.x, y: b.y + p.y, w: b.w, h: b.h });
  const grow = (b, m) => ({ x: b.x - m, y: b.y - m, w: b.w + 2 * m, h: b.h + 2 * m });
  const overlap = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  const inside = (p, b) => p.x >= b.x && p.x <= b.x + b.w && p.y >= b.y && p.y <= b.y + b.h;

  function pointToSegment(p, a, b) {
    const dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
    const t = len2 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0;
    return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
  }

  function segmentsCross(a, b, c, d) {
    const side = (p, q, r) => Math.sign((q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x));
    return side(a, b, c) * side(a, b, d) < 0 && side(c, d, a) * side(c, d, b) < 0;
  }

  /// Whether the segment a-b passes within `m` of the box.
  function segmentNearBox(a, b, box, m) {
    const g = grow(box, m);
    if (inside(a, g) || inside(b, g)) return true;
    const corners = [{ x: g.x, y: g.y }, { x: g.x + g.w, y: g.y }, { x: g.x + g.w, y: g.y + g.h }, { x: g.x, y: g.y + g.h }];
    for (let k = 0; k < 4; k++) if (segmentsCross(a, b, corners[k], corners[(k + 1) % 4])) return true;
    // Near a corner of the box itself (the grown box's corners are farther than m).
    const own = [{ x: box.x, y: box.y }, { x: box.x + box.w, y: box.y }, { x: box.x + box.w, y: box.y + box.h }, { x: box.x, y: box.y + box.h }];
    return own.some((c) => pointToSegment(c, a, b) < m);
  }

  /// Where each link's label goes: its middle, pushed outward from the centre.
  function labelBox(a, b) {
    const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2, d = Math.hypot(mx, my) || 1;
    const x = mx + (mx / d) * LABEL.push, y = my + (my / d) * LABEL.push;
    return { x: x - LABEL.w / 2, y: y - LABEL.h / 2, w: LABEL.w, h: LABEL.h, cx: x, cy: y };
  }

  // ---- one candidate layout ----------------------------------------------------------

  /// Servers on the ellipse (rx, ry), server 0 at the top, clockwise.
  function positions(n, rx, ry) {
    return Array.from({ length: n }, (_, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      return { x: Math.abs(Math.cos(a)) < 1e-9 ? 0 : rx * Math.cos(a), y: ry * Math.sin(a) };
    });
  }

  /// The sides a server's card may take: outward, above or below it, or (except for a
  /// server straight above or below the centre) beside it.
  function sidesFor(p) {
    const vertical = p.y < 0 ? 'above' : 'below';
    if (Math.abs(p.x) < 1) return [vertical];
    return [vertical, p.x < 0 ? 'left' : 'right'];
  }

  /// Every way to give the cards their sides, a server and its mirror image alike.
  function sideChoices(pos) {
    const options = pos.map(sidesFor);
    const free = [];  // servers whose side is chosen (the others copy their mirror image)
    for (let i = 0; i < pos.length; i++) if (pos[i].x <= 0 || options[i].length === 1) free.push(i);
    const mirror = (i) => pos.findIndex((q) => Math.abs(q.x + pos[i].x) < 1e-6 && Math.abs(q.y - pos[i].y) < 1e-6);
    const out = [];
    const choose = (k, sides) => {
      if (k === free.length) {
        const all = pos.map((_, i) => sides[i] ?? sides[mirror(i)]?.replace('left', 'right'));
        out.push(all);
        return;
      }
      for (const s of options[free[k]]) choose(k + 1, { ...sides, [free[k]]: s });
    };
    choose(0, {});
    return out;
  }

  /// The layout, or null when something overlaps, a card is in a message's way, or it
  /// cannot be drawn at `atLeast` pixels per unit in a stage of w x h pixels.
  function tryLayout(n, z, c, rx, ry, sides, w, h, atLeast) {
    const pos = positions(n, rx, ry);
    for (let i = 0; i < n; i++) {
      if (Math.hypot(pos[i].x, pos[i].y) < z.r + CLIENTS_R + MIN_FLIGHT / 2) return null;
      for (let j = i + 1; j < n; j++)
        if (Math.hypot(pos[i].x - pos[j].x, pos[i].y - pos[j].y) < 2 * z.r + MIN_FLIGHT) return null;
    }
    const cards = pos.map((p, i) => shift(cardBox(sides[i], z, c), p));
    const discs = pos.map((p) => ({ x: p.x - z.r - 12, y: p.y - z.r - 12, w: 2 * z.r + 24, h: 2 * z.r + 24 }));
    const labels = [];  // of the links around the ring: outside it, never on a card
    for (let i = 0; i < n; i++) labels.push(labelBox(pos[i], pos[(i + 1) % n]));
    const all = [...cards, ...discs, ...labels, { x: -CLIENTS_R, y: -CLIENTS_R, w: 2 * CLIENTS_R, h: 2 * CLIENTS_R }];
    const x0 = Math.min(...all.map((b) => b.x)) - 8, y0 = Math.min(...all.map((b) => b.y)) - 8;
    const x1 = Math.max(...all.map((b) => b.x + b.w)) + 8, y1 = Math.max(...all.map((b) => b.y + b.h)) + 8;
    const box = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
    const scale = Math.min(w / box.w, h / box.h);
    if (scale < atLeast) return null;
    const boxes = [...cards.map((b) => grow(b, 4)), ...discs];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        if (j !== i + n && overlap(boxes[i], boxes[j])) return null;  // a card and its own disc never do
    if (labels.some((l) => cards.some((b) => overlap(b, l)))) return null;
    // Message paths: every pair of servers, and every server with the clients.
    const centre = { x: 0, y: 0 };
    for (const card of cards)
      for (let i = 0; i < n; i++) {
        if (segmentNearBox(pos[i], centre, card, MESSAGE)) return null;
        for (let j = i + 1; j < n; j++) if (segmentNearBox(pos[i], pos[j], card, MESSAGE)) return null;
      }
    return { rx, ry, pos, sides, cards: pos.map((p, i) => cardBox(sides[i], z, c)), box, scale };
  }

  // ---- the best one ----------------------------------------------------------------------

  /// The layout of n servers for a stage of width x height pixels:
  ///   { n, sizes, card: {w, h, rows}, positions: [{x, y}], cards: [box relative to its
  ///     server], sides: ['above'|'below'|'left'|'right'], viewBox: {x, y, w, h}, scale }
  /// where scale is pixels per drawing unit. The clients' circle is at (0, 0).
  function fit(n, width, height) {
    const z = sizes(n), c = card(z);
    const w = Math.max(width, 200), h = Math.max(height, 150);
    // A layout's worth: its scale, less a little for cards beside their servers (cards
    // above and below read alike and leave the links long).
    const worth = (l) => l.scale * (1 - (SIDE_COST * l.sides.filter((s) => s === 'left' || s === 'right').length) / n);
    const candidates = [];
    let best = 0;
    for (let rx = 2 * z.r; rx <= 1100; rx += 15)
      for (let ry = z.r + 40; ry <= 800; ry += 15)
        for (const sides of sideChoices(positions(n, rx, ry))) {
          const l = tryLayout(n, z, c, rx, ry, sides, w, h, best * 0.995);
          if (!l) continue;
          candidates.push(l);
          best = Math.max(best, worth(l));
        }
    if (!candidates.length) throw new Error(`no layout of ${n} servers fits`);
    // Among the layouts worth (nearly) as much, the one that fills the stage best: the
    // servers as far apart as the stage allows, so messages are easy to follow.
    const fill = (l) => (l.box.w * l.box.h * l.scale * l.scale) / (w * h);
    const chosen = candidates.filter((l) => worth(l) >= best * 0.995).reduce((a, b) => (fill(b) > fill(a) ? b : a));
    return { n, sizes: z, card: c, positions: chosen.pos, cards: chosen.cards, sides: chosen.sides,
      viewBox: chosen.box, scale: chosen.scale, rx: chosen.rx, ry: chosen.ry };
  }

  return { fit, segmentNearBox, labelBox, MESSAGE, BOX_GAP, CLIENTS_R };
})();

if (typeof module !== 'undefined') module.exports = DemoLayout;
