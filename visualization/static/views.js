// The dashboard's views, drawn in the browser: the live plots, the network, the headline.
//
// The server sends numbers only (see visualization/widgets.py): new rows of the time
// series, and for the network the node positions, states and degrees plus the ties
// that changed since the last frame. Everything is drawn here on <canvas>, by one
// set of drawing functions that also write SVG (SvgContext below), so PNG and SVG
// exports show exactly what the page shows.
//
// A frame is one message, to the plots view: the new rows, and with them the headline's
// numbers and each network's frame (positions, states, degrees, ties added and
// removed); the plots view hands those on to the page's headline and network views
// with a window event named by the session's channel. A view that opens late says
// "hello" and is sent everything on its own.
//
// Once a frame's numbers are in, the plots view answers {type: "received", frame}: the
// server's play loop waits for that before stepping again, so frames never queue up
// between server and browser. Drawing is decoupled from receiving: each view draws
// its newest state once per screen refresh (requestAnimationFrame), so a browser that
// cannot keep up skips drawings, never data, and never slows the run it shows. A tab
// in the background draws nothing until it is shown again.

const FONT = "12px sans-serif";
const SMALL = "11px sans-serif";
const TITLE_FONT = "bold 13px sans-serif";
// A view paints at most once per screen refresh, and after a paint that took t ms it
// waits PAINT_REST x t ms before the next: painting takes at most a quarter of the
// page's time, so a slow machine (or many tabs on one core) paints less often while
// every frame's numbers are still taken in, and answered, at once.
const PAINT_REST = 3;

// Paint a view's newest state: once per screen refresh at most, resting after a paint
// in proportion to how long it took (PAINT_REST); nothing while the tab is hidden.
function schedulePaint(view, paint) {
  if (document.hidden || view.raf || view.rest) return;
  const wait = (view.nextPaint || 0) - performance.now();
  if (wait > 0) {
    view.rest = setTimeout(() => { view.rest = null; schedulePaint(view, paint); }, wait);
    return;
  }
  view.raf = requestAnimationFrame(() => {
    view.raf = null;
    const t0 = performance.now();
    paint();
    const took = performance.now() - t0;
    view.nextPaint = performance.now() + PAINT_REST * took;
    view.el.dataset.paintMs = took.toFixed(1);
    view.el.dataset.paints = (+view.el.dataset.paints || 0) + 1;
  });
}

// ---------------------------------------------------------------- helpers
function floats(view, Type) {
  // a message buffer (DataView, maybe unaligned) as a typed array of its own
  const bytes = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
  return new Type(bytes);
}

function download(blob, filename) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.className = "rw-export-link";
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

function esc(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// A drawing context with the part of CanvasRenderingContext2D these views use,
// recording SVG instead of pixels.
class SvgContext {
  constructor(width, height) {
    this.width = width; this.height = height; this.parts = [];
    this.strokeStyle = "#000"; this.fillStyle = "#000"; this.lineWidth = 1;
    this.globalAlpha = 1; this.font = FONT; this.textAlign = "start";
    this.textBaseline = "alphabetic"; this.dash = []; this.path = ""; this.dx = 0; this.dy = 0;
    this.stack = [];
  }
  save() { this.stack.push([this.dx, this.dy, this.strokeStyle, this.fillStyle, this.lineWidth,
                            this.globalAlpha, this.font, this.textAlign, this.textBaseline, this.dash]); }
  restore() { [this.dx, this.dy, this.strokeStyle, this.fillStyle, this.lineWidth, this.globalAlpha,
               this.font, this.textAlign, this.textBaseline, this.dash] = this.stack.pop(); }
  translate(x, y) { this.dx += x; this.dy += y; }
  setLineDash(d) { this.dash = d; }
  beginPath() { this.path = ""; }
  f(v) { return Math.round(v * 100) / 100; }
  moveTo(x, y) { this.path += `M${this.f(x + this.dx)} ${this.f(y + this.dy)}`; }
  lineTo(x, y) { this.path += `L${this.f(x + this.dx)} ${this.f(y + this.dy)}`; }
  closePath() { this.path += "Z"; }
  rect(x, y, w, h) { this.moveTo(x, y); this.lineTo(x + w, y); this.lineTo(x + w, y + h); this.lineTo(x, y + h); this.closePath(); }
  arc(x, y, r) {
    const cx = this.f(x + this.dx), cy = this.f(y + this.dy), rr = this.f(r);
    this.path += `M${this.f(cx - rr)} ${cy}a${rr} ${rr} 0 1 0 ${2 * rr} 0a${rr} ${rr} 0 1 0 ${-2 * rr} 0`;
  }
  alpha() { return this.globalAlpha < 1 ? ` opacity="${this.globalAlpha}"` : ""; }
  stroke() {
    const dash = this.dash.length ? ` stroke-dasharray="${this.dash.join(" ")}"` : "";
    this.parts.push(`<path d="${this.path}" fill="none" stroke="${this.strokeStyle}" stroke-width="${this.lineWidth}"${dash}${this.alpha()}/>`);
  }
  fill() { this.parts.push(`<path d="${this.path}" fill="${this.fillStyle}"${this.alpha()}/>`); }
  fillRect(x, y, w, h) {
    this.parts.push(`<rect x="${this.f(x + this.dx)}" y="${this.f(y + this.dy)}" width="${this.f(w)}" height="${this.f(h)}" fill="${this.fillStyle}"${this.alpha()}/>`);
  }
  clearRect(x, y, w, h) { const f = this.fillStyle; this.fillStyle = "#ffffff"; this.fillRect(x, y, w, h); this.fillStyle = f; }
  fillText(text, x, y) {
    const anchor = { center: "middle", right: "end", end: "end" }[this.textAlign] || "start";
    const base = { middle: "middle", top: "hanging", bottom: "text-after-edge" }[this.textBaseline] || "auto";
    const [weight, size, ...family] = this.font.startsWith("bold") ? this.font.split(" ") : ["normal", ...this.font.split(" ")];
    this.parts.push(`<text x="${this.f(x + this.dx)}" y="${this.f(y + this.dy)}" font-size="${parseInt(size)}" font-weight="${weight}" font-family="${family.join(" ")}" text-anchor="${anchor}" dominant-baseline="${base}" fill="${this.fillStyle}"${this.alpha()}>${esc(text)}</text>`);
  }
  measureText(text) { return { width: String(text).length * parseInt(this.font.replace("bold ", "")) * 0.55 }; }
  svg() {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">` +
      `<rect width="100%" height="100%" fill="#ffffff"/>${this.parts.join("")}</svg>`;
  }
}

function exportButtons(el, name, paint) {
  // paint(ctx, scale) draws the whole view on a context and returns its size
  const bar = document.createElement("div");
  bar.className = "rw-export";
  bar.style.cssText = "display:flex;gap:6px;justify-content:flex-end;margin:2px 0";
  for (const kind of ["PNG", "SVG"]) {
    const b = document.createElement("button");
    b.textContent = kind;
    b.className = `rw-export-${kind.toLowerCase()}`;
    b.title = `Download this view as ${kind}`;
    b.style.cssText = "border:1px solid #999;border-radius:4px;padding:1px 8px;background:#fff;cursor:pointer;font-size:12px";
    b.onclick = () => {
      const [w, h] = paint(null);
      if (kind === "SVG") {
        const ctx = new SvgContext(w, h);
        paint(ctx);
        download(new Blob([ctx.svg()], { type: "image/svg+xml" }), `${name}.svg`);
      } else {
        const c = document.createElement("canvas");
        c.width = w * 2; c.height = h * 2;
        const ctx = c.getContext("2d");
        ctx.scale(2, 2);
        ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, w, h);
        paint(ctx);
        c.toBlob(blob => download(blob, `${name}.png`), "image/png");
      }
    };
    bar.appendChild(b);
  }
  el.appendChild(bar);
}

function sizedCanvas(width, height) {
  const c = document.createElement("canvas");
  const ratio = window.devicePixelRatio || 1;
  c.width = Math.round(width * ratio); c.height = Math.round(height * ratio);
  c.style.width = width + "px"; c.style.height = height + "px";
  c.getContext("2d").scale(ratio, ratio);
  return c;
}

function niceStep(span, count) {
  const raw = span / Math.max(count, 1);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

function ticks(lo, hi, count) {
  const step = niceStep(hi - lo || 1, count);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
  return out;
}

function fmt(v) {
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + "M";
  if (a >= 1e4) return (v / 1e3).toFixed(0) + "k";
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return Number(v.toFixed(2)).toString();
  return Number(v.toPrecision(3)).toString();
}

function answerReceived(model, frame) {
  model.send({ type: "received", frame });
}

// the window events that carry a frame's parts from the plots view to the other views
function eventName(model, part) { return `rw-${model.get("channel")}-${part}`; }

function listen(view, model, part, handler) {
  const name = eventName(model, part);
  window.addEventListener(name, handler);
  view.cleanups = (view.cleanups || []).concat(() => window.removeEventListener(name, handler));
}

// ---------------------------------------------------------------- the plots
const PANEL_W = 330, PANEL_H = 230;
const M = { left: 52, right: 50, top: 40, bottom: 30 };

class Plots {
  // options: the view's CSS class, its export file name, its panels' CSS class
  // (the bandit panel is this view under other names)
  constructor(model, el, { css = "rw-plots-view", file = "rewire-plots", panelClass = "rw-panel" } = {}) {
    this.model = model; this.el = el; this.panelClass = panelClass;
    this.columns = {}; this.length = 0; this.hist = new Int32Array(0);
    this.marks = [];   // interventions: [generation, label]
    this.views = {};   // per panel: {x: [lo, hi] or null, hidden: Set}
    el.classList.add(css);
    exportButtons(el, file, ctx => this.paintAll(ctx));
    this.grid = document.createElement("div");
    this.grid.style.cssText = `display:grid;grid-template-columns:repeat(auto-fill,${PANEL_W}px);gap:4px`;
    el.appendChild(this.grid);
    this.tip = document.createElement("div");
    this.tip.className = "rw-tooltip";
    this.tip.style.cssText = "position:fixed;display:none;pointer-events:none;background:rgba(255,255,255,.95);border:1px solid #888;border-radius:4px;padding:3px 6px;font:12px sans-serif;z-index:1000;white-space:pre";
    el.appendChild(this.tip);
    this.build();
    model.on("change:spec", () => this.build());
    model.on("msg:custom", (msg, buffers) => this.receive(msg, buffers));
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.schedule(); });
    model.send({ type: "hello" });
  }

  build() {
    this.spec = this.model.get("spec") || { panels: [] };
    this.grid.innerHTML = "";
    this.canvases = this.spec.panels.map((panel, i) => {
      const c = sizedCanvas(PANEL_W, PANEL_H);
      c.className = this.panelClass;
      c.dataset.title = panel.title;
      this.grid.appendChild(c);
      this.views[i] = this.views[i] || { x: null, hidden: new Set() };
      this.interact(c, i);
      return c;
    });
    this.schedule();
  }

  receive(msg, buffers) {
    if (msg.type === "reset") {
      this.columns = {}; this.length = 0; this.hist = new Int32Array(0); this.marks = [];
      this.el.dataset.marks = "[]";
      for (const k in this.views) this.views[k].x = null;
    } else if (msg.type === "rows") {
      const rows = floats(buffers[0], Float64Array);
      const names = msg.columns, count = msg.count;
      if (msg.first > this.length) return this.model.send({ type: "hello" });  // a gap: resync
      this.length = msg.first;  // a row measured again (after an intervention) is replaced
      for (let j = 0; j < names.length; j++) {
        let col = this.columns[names[j]];
        const need = this.length + count;
        if (!col || col.length < need) {
          const grown = new Float64Array(Math.max(need, 2 * (col ? col.length : 64)));
          if (col) grown.set(col.subarray(0, this.length));
          col = this.columns[names[j]] = grown;
        }
        for (let r = 0; r < count; r++) col[this.length + r] = rows[r * names.length + j];
      }
      this.length += count;
      if (buffers.length > 1) this.hist = floats(buffers[1], Int32Array);
      if (msg.marks) { this.marks = msg.marks; this.el.dataset.marks = JSON.stringify(msg.marks); }
      if (msg.headline) window.dispatchEvent(new CustomEvent(eventName(this.model, "headline"), { detail: msg.headline }));
      for (const [role, head] of Object.entries(msg.graphs || {})) {
        window.dispatchEvent(new CustomEvent(eventName(this.model, role),
          { detail: { msg: head, buffers: buffers.slice(head.at, head.at + 5) } }));
      }
    }
    // the numbers are in: the server may compute the next frame while this one is drawn.
    // The play loop keeps one frame in flight (it waits for frame t - 1 after sending
    // t), so answering every other frame is enough; each answer costs the server a
    // message in and two kernel status messages out.
    if (msg.frame !== undefined && msg.frame % 2 === 0) answerReceived(this.model, msg.frame);
    this.schedule();
  }

  schedule() {
    schedulePaint(this, () => {
      this.canvases.forEach((c, i) => this.paint(c.getContext("2d"), i));
      this.el.dataset.generation = this.length - 1;  // what is on screen (tests, benchmark)
    });
  }

  series(s) {
    // the values of one series (derived ones computed here from what the server sent)
    const col = this.columns[s.column];
    const n = this.length;
    if (!col) return new Float64Array(0);
    const v = col.subarray(0, n);
    if (s.derive === "one_minus") return v.map(x => 1 - x);
    if (s.derive === "increments") return v.map((x, i) => (i === 0 ? 0 : x - v[i - 1]));
    if (s.derive === "window_ratio") {
      // (change of this tally) / (change of the "over" tally) across the last `window`
      // rows: e.g. cooperators proposed per request served; no point where none was
      const over = this.columns[s.over];
      if (!over) return new Float64Array(0);
      return v.map((x, i) => {
        const j = Math.max(0, i - s.window);
        const d = over[i] - over[j];
        return d > 0 ? (x - v[j]) / d : NaN;
      });
    }
    return v;
  }

  xRange(i) {
    const view = this.views[i];
    if (view.x) return view.x;
    const panel = this.spec.panels[i];
    if (panel.kind === "hist") return [-0.5, Math.max(this.hist.length, 10) - 0.5];
    let right = 10;
    while (right < this.length - 1) right *= 2;
    return [0, right];
  }

  yRange(values, fixed) {
    if (fixed) return fixed;
    let lo = Infinity, hi = -Infinity;
    for (const v of values) for (const x of v) if (Number.isFinite(x)) { if (x < lo) lo = x; if (x > hi) hi = x; }
    if (!Number.isFinite(lo)) return [0, 1];
    if (lo >= 0 && lo < (hi - lo)) lo = 0;
    const pad = (hi - lo) * 0.08 || Math.max(Math.abs(hi) * 0.25, 0.5);
    return [lo === 0 ? 0 : lo - pad, hi + pad];
  }

  paintAll(ctx) {
    const cols = 2, rows = Math.ceil(this.spec.panels.length / cols);
    const size = [cols * PANEL_W, rows * PANEL_H];
    if (!ctx) return size;
    this.spec.panels.forEach((_, i) => {
      ctx.save(); ctx.translate((i % cols) * PANEL_W, Math.floor(i / cols) * PANEL_H);
      this.paint(ctx, i); ctx.restore();
    });
    return size;
  }

  margin(i) {
    // a panel may ask for a wider left margin (arm names on its y axis)
    const panel = this.spec.panels[i] || {};
    return panel.left ? { ...M, left: panel.left } : M;
  }

  paint(ctx, i) {
    const M = this.margin(i);
    const panel = this.spec.panels[i], view = this.views[i];
    const W = PANEL_W, H = PANEL_H, pw = W - M.left - M.right, ph = H - M.top - M.bottom;
    ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, W, H);
    const [x0, x1] = this.xRange(i);
    const X = x => M.left + ((x - x0) / (x1 - x0)) * pw;
    ctx.fillStyle = "#222"; ctx.font = TITLE_FONT; ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.fillText(panel.title, W / 2, 4);
    this.legend = this.legend || {};
    const hit = this.legend[i] = [];
    let lx = M.left;
    ctx.font = SMALL; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    const twins = panel.series.some(s => s.twin);
    if (panel.kind !== "hist" && (panel.series.length > 1 || twins)) {
      const entries = panel.series.map((s, j) => [s, j]).filter(([s]) => !s.twin);
      if (twins) entries.push([{ name: "twin", colour: "#777777", twin: true, dotted: true }, -1]);
      entries.forEach(([s, j]) => {
        const label = s.twin ? "twin (dotted)" : s.name + (s.right ? " (right)" : "");
        const w = ctx.measureText(label).width + 22;
        if (lx + w > W - 4) return;
        ctx.globalAlpha = view.hidden.has(j) ? 0.3 : 1;
        ctx.fillStyle = s.colour;
        if (s.dotted) { ctx.fillRect(lx, 22, 3, 4); ctx.fillRect(lx + 5, 22, 3, 4); ctx.fillRect(lx + 10, 22, 2, 4); }
        else ctx.fillRect(lx, 22, 12, 4);
        ctx.fillStyle = "#222"; ctx.fillText(label, lx + 15, 25);
        ctx.globalAlpha = 1;
        hit.push([lx, lx + w, j]);
        lx += w + 4;
      });
    }
    // axes
    const left = [], right = [];
    let values = [];
    if (panel.kind === "hist") values = [[...this.hist]];
    else panel.series.forEach((s, j) => {
      if (this.hiddenSeries(view, s, j)) return;
      const v = this.series(s);
      const a = Math.max(0, Math.floor(x0)), b = Math.min(v.length, Math.ceil(x1) + 1);
      (s.right ? right : left).push(v.subarray(a, b));
    });
    const yl = panel.kind === "hist" ? this.yRange(values, null) : this.yRange(left, panel.fixed);
    const yr = right.length ? this.yRange(right, null) : null;
    const Y = (y, r) => M.top + ph - ((y - r[0]) / (r[1] - r[0])) * ph;
    ctx.strokeStyle = "#444"; ctx.lineWidth = 1; ctx.setLineDash([]);
    ctx.beginPath(); ctx.moveTo(M.left, M.top); ctx.lineTo(M.left, M.top + ph); ctx.lineTo(M.left + pw, M.top + ph);
    if (yr) ctx.lineTo(M.left + pw, M.top);
    ctx.stroke();
    ctx.fillStyle = "#333"; ctx.font = SMALL;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of ticks(x0, x1, 5)) {
      ctx.beginPath(); ctx.moveTo(X(t), M.top + ph); ctx.lineTo(X(t), M.top + ph + 4); ctx.stroke();
      ctx.fillText(fmt(t), X(t), M.top + ph + 6);
    }
    ctx.fillText(panel.xlabel || "generation", M.left + pw / 2, H - 12);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    const yticks = panel.categories ? panel.categories.map((_, k) => k) : ticks(yl[0], yl[1], 4);
    for (const t of yticks) {
      ctx.beginPath(); ctx.moveTo(M.left - 4, Y(t, yl)); ctx.lineTo(M.left, Y(t, yl)); ctx.stroke();
      ctx.fillText(panel.categories ? panel.categories[t] : fmt(t), M.left - 6, Y(t, yl));
    }
    if (yr) {
      ctx.textAlign = "left";
      for (const t of ticks(yr[0], yr[1], 4)) {
        ctx.beginPath(); ctx.moveTo(M.left + pw, Y(t, yr)); ctx.lineTo(M.left + pw + 4, Y(t, yr)); ctx.stroke();
        ctx.fillText(fmt(t), M.left + pw + 6, Y(t, yr));
      }
    }
    ctx.save(); ctx.textAlign = "left"; ctx.fillStyle = "#555";
    if (panel.ylabel) ctx.fillText(panel.ylabel, 4, M.top - 8);
    ctx.restore();
    // data, clipped by hand to the plot area (the same code writes SVG)
    const clip = (y) => Math.min(Math.max(y, M.top), M.top + ph);
    if (panel.kind === "hist") {
      ctx.fillStyle = panel.colour || "#56B4E9";
      const bw = Math.max(pw / (x1 - x0), 1);
      for (let d = Math.max(0, Math.ceil(x0)); d < Math.min(this.hist.length, x1); d++) {
        if (!this.hist[d]) continue;
        const top = clip(Y(this.hist[d], yl));
        ctx.fillRect(X(d - 0.5), top, bw, M.top + ph - top);
      }
    } else {
      const stride = Math.max(1, Math.floor((x1 - x0) / (2 * pw)));
      panel.series.forEach((s, j) => {
        if (this.hiddenSeries(view, s, j)) return;
        const v = this.series(s), r = s.right ? yr : yl;
        ctx.strokeStyle = s.colour; ctx.lineWidth = s.width || 2;
        ctx.setLineDash(s.twin ? (s.dash ? [1.5, 4] : [2, 2.5]) : s.dash ? [5, 3] : []);
        ctx.beginPath();
        let started = false, last = 0;
        const a = Math.max(0, Math.floor(x0)), b = Math.min(v.length - 1, Math.ceil(x1));
        // points: a dot per value (values with gaps between them); step: a value holds
        // until the next one (an arm in force)
        const pstep = s.points ? 1 : stride;
        for (let g = a; g <= b; g += (g + pstep > b && g < b) ? (b - g) : pstep) {
          if (!Number.isFinite(v[g])) { started = false; continue; }
          const px = X(g), py = clip(Y(v[g], r));
          if (s.points) { if (px >= M.left - 1 && px <= M.left + pw + 1) { ctx.moveTo(px + 2.5, py); ctx.arc(px, py, 2.5, 0, 2 * Math.PI); } continue; }
          if (started && s.step) ctx.lineTo(px, last);
          if (started) ctx.lineTo(px, py); else { ctx.moveTo(px, py); started = true; }
          last = py;
        }
        if (s.points) { ctx.fillStyle = s.colour; ctx.fill(); } else ctx.stroke();
      });
      ctx.setLineDash([]);
    }
    if (panel.kind !== "hist") this.paintMarks(ctx, x0, x1, X, ph);
    if (view.hover !== undefined && view.hover !== null) {
      ctx.strokeStyle = "#888"; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(X(view.hover), M.top); ctx.lineTo(X(view.hover), M.top + ph); ctx.stroke();
    }
  }

  hiddenSeries(view, s, j) {
    // a twin's series hides with its run's series of the same name, or all with "twin"
    return view.hidden.has(j) || (s.twin && (view.hidden.has(-1) ||
      (s.base !== null && s.base !== undefined && view.hidden.has(s.base))));
  }

  paintMarks(ctx, x0, x1, X, ph) {
    // interventions: a dashed line at their generation, labelled at the top
    ctx.save();
    ctx.font = SMALL; ctx.textAlign = "left"; ctx.textBaseline = "top";
    let row = 0;
    for (const [g, label] of this.marks) {
      if (g < x0 || g > x1) continue;
      ctx.strokeStyle = "#6a3d9a"; ctx.lineWidth = 1.2; ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(X(g), M.top); ctx.lineTo(X(g), M.top + ph); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#6a3d9a";
      const text = label.length > 28 ? label.slice(0, 27) + "…" : label;
      const w = ctx.measureText(text).width;
      const x = Math.min(X(g) + 3, PANEL_W - M.right - w);
      ctx.fillText(text, x, M.top + 2 + 12 * (row++ % 3));
    }
    ctx.restore();
  }

  interact(c, i) {
    const M = this.margin(i);
    const view = this.views[i];
    const panel = () => this.spec.panels[i];
    const pw = PANEL_W - M.left - M.right;
    const dataX = (ev) => {
      const [x0, x1] = this.xRange(i);
      const px = ev.clientX - c.getBoundingClientRect().left;
      return x0 + ((px - M.left) / pw) * (x1 - x0);
    };
    c.addEventListener("mousemove", ev => {
      if (view.drag) {
        const [x0, x1] = view.drag.range, px = ev.clientX - view.drag.start;
        const shift = -(px / pw) * (x1 - x0);
        view.x = [x0 + shift, x1 + shift];
        this.schedule(); return;
      }
      const x = Math.round(dataX(ev));
      const p = panel();
      let lines;
      if (p.kind === "hist") {
        if (x < 0 || x >= this.hist.length) return this.hideTip(view);
        lines = [`degree ${x}: ${this.hist[x]} users`];
      } else {
        if (x < 0 || x >= this.length) return this.hideTip(view);
        lines = [`generation ${x}`];
        p.series.forEach((s, j) => {
          if (this.hiddenSeries(view, s, j)) return;
          const value = this.series(s)[x];
          const shown = !Number.isFinite(value) ? "none"
            : p.categories ? (p.categories[value] ?? fmt(value)) : fmt(value);
          lines.push(`${s.name}${s.twin ? " (twin)" : ""}: ${shown}`);
        });
        for (const [g, label] of this.marks) if (g === x) lines.push(`intervention: ${label}`);
      }
      view.hover = x;
      this.tip.textContent = lines.join("\n");
      this.tip.style.display = "block";
      this.tip.style.left = ev.clientX + 14 + "px"; this.tip.style.top = ev.clientY + 10 + "px";
      this.schedule();
    });
    c.addEventListener("mouseleave", () => { view.drag = null; this.hideTip(view); });
    c.addEventListener("wheel", ev => {
      ev.preventDefault();
      const [x0, x1] = this.xRange(i), at = dataX(ev);
      const f = ev.deltaY < 0 ? 0.8 : 1.25;
      view.x = [at - (at - x0) * f, at + (x1 - at) * f];
      this.schedule();
    }, { passive: false });
    c.addEventListener("mousedown", ev => {
      const py = ev.clientY - c.getBoundingClientRect().top;
      const px = ev.clientX - c.getBoundingClientRect().left;
      const hit = (this.legend[i] || []).find(([a, b]) => py > 15 && py < 33 && px >= a && px <= b);
      if (hit) {  // a legend entry: show or hide that series
        view.hidden.has(hit[2]) ? view.hidden.delete(hit[2]) : view.hidden.add(hit[2]);
        this.schedule(); return;
      }
      view.drag = { start: ev.clientX, range: this.xRange(i) };
    });
    c.addEventListener("mouseup", () => { view.drag = null; });
    c.addEventListener("dblclick", () => { view.x = null; this.schedule(); });
    c.title = "hover: values; wheel: zoom; drag: pan; double-click: whole run; click a legend entry: show/hide";
  }

  hideTip(view) {
    this.tip.style.display = "none";
    if (view.hover !== null) { view.hover = null; this.schedule(); }
  }
}

// ---------------------------------------------------------------- the network
const NET = 560;
const MARKERS = ["circle", "square", "triangle", "diamond", "down", "plus", "cross", "star"];

function marker(ctx, shape, x, y, r) {
  switch (shape) {
    case "square": ctx.rect(x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r); break;
    case "triangle": ctx.moveTo(x, y - r * 1.1); ctx.lineTo(x + r, y + r * 0.8); ctx.lineTo(x - r, y + r * 0.8); ctx.closePath(); break;
    case "down": ctx.moveTo(x, y + r * 1.1); ctx.lineTo(x + r, y - r * 0.8); ctx.lineTo(x - r, y - r * 0.8); ctx.closePath(); break;
    case "diamond": ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r, y); ctx.closePath(); break;
    case "plus": ctx.rect(x - r, y - r * 0.35, 2 * r, 0.7 * r); ctx.rect(x - r * 0.35, y - r, 0.7 * r, 2 * r); break;
    case "cross": ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.lineTo(x + r * 0.6, y + r); ctx.lineTo(x - r, y - r * 0.6); ctx.closePath();
      ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r); ctx.lineTo(x - r * 0.6, y + r); ctx.lineTo(x + r, y - r * 0.6); ctx.closePath(); break;
    case "star": for (let k = 0; k < 10; k++) { const a = -Math.PI / 2 + k * Math.PI / 5, rr = k % 2 ? r * 0.45 : r * 1.2;
      k ? ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a)) : ctx.moveTo(x + rr * Math.cos(a), y + rr * Math.sin(a)); } ctx.closePath(); break;
    default: ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
}

class Network {
  constructor(model, el) {
    this.model = model; this.el = el;
    this.n = 0; this.pos = new Float32Array(0); this.state = new Uint8Array(0); this.degree = new Uint16Array(0);
    this.edges = new Int32Array(2 * 1024); this.count = 0; this.index = new Map();
    this.title = "";
    el.classList.add("rw-network-view");
    exportButtons(el, "rewire-network", ctx => this.paint(ctx));
    this.canvas = sizedCanvas(NET, NET);
    this.canvas.className = "rw-network-canvas";
    this.screen = this.canvas.getContext("2d");
    el.appendChild(this.canvas);
    this.tip = document.createElement("div");
    this.tip.className = "rw-tooltip";
    this.tip.style.cssText = "position:fixed;display:none;pointer-events:none;background:rgba(255,255,255,.95);border:1px solid #888;border-radius:4px;padding:3px 6px;font:12px sans-serif;z-index:1000";
    el.appendChild(this.tip);
    this.canvas.addEventListener("mousemove", ev => this.hover(ev));
    this.canvas.addEventListener("mouseleave", () => { this.tip.style.display = "none"; });
    model.on("msg:custom", (msg, buffers) => this.receive(msg, buffers));
    listen(this, model, model.get("role") || "network", ev => this.receive(ev.detail.msg, ev.detail.buffers));
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.schedule(); });
    model.send({ type: "hello" });
  }

  key(u, v) { return u < v ? u * this.n + v : v * this.n + u; }

  add(u, v) {
    const k = this.key(u, v);
    if (this.index.has(k)) return;
    if (2 * this.count + 2 > this.edges.length) { const g = new Int32Array(this.edges.length * 2); g.set(this.edges); this.edges = g; }
    this.edges[2 * this.count] = u; this.edges[2 * this.count + 1] = v;
    this.index.set(k, this.count++);
  }

  remove(u, v) {
    const k = this.key(u, v), i = this.index.get(k);
    if (i === undefined) return;
    const last = --this.count;
    this.index.delete(k);
    if (i !== last) {
      const a = this.edges[2 * last], b = this.edges[2 * last + 1];
      this.edges[2 * i] = a; this.edges[2 * i + 1] = b;
      this.index.set(this.key(a, b), i);
    }
  }

  receive(msg, buffers) {
    if (msg.type !== "graph") return;
    if (msg.full) { this.n = msg.n; this.count = 0; this.index = new Map(); }
    else if (msg.n !== this.n || msg.since !== this.version) return this.model.send({ type: "hello" });
    this.version = msg.version;
    this.title = msg.title; this.names = msg.names || []; this.generation = msg.generation;
    this.creator = msg.creator === undefined ? -1 : msg.creator;
    this.pos = floats(buffers[0], Float32Array);
    this.state = floats(buffers[1], Uint8Array);
    this.degree = floats(buffers[2], Uint16Array);
    const removed = floats(buffers[4], Int32Array);
    for (let i = 0; i < removed.length; i += 2) this.remove(removed[i], removed[i + 1]);
    const added = floats(buffers[3], Int32Array);
    for (let i = 0; i < added.length; i += 2) this.add(added[i], added[i + 1]);
    this.schedule();
  }

  schedule() {
    schedulePaint(this, () => {
      this.paint(this.screen);
      this.el.dataset.generation = this.generation;
    });
  }

  frame() {
    // data -> pixels: the positions' bounding box fitted into the square below the legend
    const p = this.pos;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < p.length; i += 2) {
      if (p[i] < x0) x0 = p[i]; if (p[i] > x1) x1 = p[i];
      if (p[i + 1] < y0) y0 = p[i + 1]; if (p[i + 1] > y1) y1 = p[i + 1];
    }
    const span = Math.max(x1 - x0, y1 - y0) || 1, top = 56, size = NET - top - 10;
    const s = size / span, cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    return [i => NET / 2 + (p[2 * i] - cx) * s, i => top + size / 2 - (p[2 * i + 1] - cy) * s];
  }

  paint(ctx) {
    if (!ctx) return [NET, NET];
    ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, NET, NET);
    ctx.fillStyle = "#222"; ctx.font = TITLE_FONT; ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.fillText(this.title, NET / 2, 4);
    this.paintLegend(ctx);
    if (!this.n) return [NET, NET];
    const [X, Y] = this.frame();
    const e = this.edges;
    if (ctx === this.screen) {
      this.rasterEdges(ctx, X, Y);
    } else {  // exports: real lines (vector in SVG)
      ctx.strokeStyle = "#000000"; ctx.globalAlpha = this.count > 5000 ? 0.07 : 0.15; ctx.lineWidth = 0.6;
      ctx.beginPath();
      for (let i = 0; i < this.count; i++) { ctx.moveTo(X(e[2 * i]), Y(e[2 * i])); ctx.lineTo(X(e[2 * i + 1]), Y(e[2 * i + 1])); }
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    let top = 1;
    for (let i = 0; i < this.n; i++) if (this.degree[i] > top) top = this.degree[i];
    const colours = this.model.get("colours");
    // creators (recommender index this.creator) are stars: C quality, D clickbait
    for (let r = 0; r < Math.max(this.names.length, 1) + (this.creator >= 0 ? 1 : 0); r++) {
      const shape = r === this.creator ? "star" : MARKERS[r % MARKERS.length];
      for (const coop of [1, 0]) {
        ctx.fillStyle = coop ? colours.C : colours.D;
        ctx.beginPath();
        for (let i = 0; i < this.n; i++) {
          const st = this.state[i];
          if ((st & 1) !== coop || (st >> 1) !== r) continue;
          marker(ctx, shape, X(i), Y(i), 1.5 + 5 * Math.sqrt(this.degree[i] / top));
        }
        ctx.fill();
      }
    }
    return [NET, NET];
  }

  rasterEdges(ctx, X, Y) {
    // On screen the ties are a density image: each tie adds 1 to every pixel it
    // crosses and a pixel's darkness grows with its count, like stacked translucent
    // lines. Thousands of anti-aliased strokes cost a software-rendered canvas tens of
    // milliseconds; this costs a few.
    const ratio = this.canvas.width / NET, w = this.canvas.width, h = this.canvas.height;
    if (!this.counts || this.counts.length !== w * h) {
      this.counts = new Uint16Array(w * h);
      this.image = new ImageData(w, h);
    }
    const counts = this.counts, e = this.edges;
    counts.fill(0);
    for (let i = 0; i < this.count; i++) {
      const x0 = X(e[2 * i]) * ratio, y0 = Y(e[2 * i]) * ratio;
      const dx = X(e[2 * i + 1]) * ratio - x0, dy = Y(e[2 * i + 1]) * ratio - y0;
      const steps = Math.ceil(Math.max(Math.abs(dx), Math.abs(dy))) || 1;
      const sx = dx / steps, sy = dy / steps;
      let x = x0 + 0.5, y = y0 + 0.5;
      for (let j = 0; j <= steps; j++, x += sx, y += sy) {
        const px = x | 0, py = y | 0;
        if (px >= 0 && px < w && py >= 0 && py < h) counts[py * w + px]++;
      }
    }
    const data = this.image.data, per = this.count > 5000 ? 0.07 : 0.15;
    const lut = new Uint8ClampedArray(64);
    for (let c = 0; c < 64; c++) lut[c] = 255 * Math.pow(1 - per, c);
    for (let p = 0, q = 0; p < counts.length; p++, q += 4) {
      const g = lut[counts[p] < 63 ? counts[p] : 63];
      data[q] = g; data[q + 1] = g; data[q + 2] = g; data[q + 3] = 255;
    }
    // keep the title and legend: only the part below them is replaced
    const top = Math.floor(52 * ratio);
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.putImageData(this.image, 0, 0, 0, top, w, h - top);
    ctx.restore();
  }

  paintLegend(ctx) {
    const colours = this.model.get("colours");
    const items = [["C cooperator", colours.C, "circle"], ["D defector", colours.D, "circle"]];
    if ((this.names || []).length > 1) this.names.forEach((name, r) => items.push([name, "#444444", MARKERS[r % MARKERS.length]]));
    if (this.creator >= 0) items.push(["creator (C quality, D clickbait)", "#444444", "star"]);
    ctx.font = SMALL; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    let x = 10, y = 30;
    for (const [label, colour, shape] of items) {
      const w = ctx.measureText(label).width + 24;
      if (x + w > NET - 10) { x = 10; y += 16; }
      ctx.fillStyle = colour; ctx.beginPath(); marker(ctx, shape, x + 6, y, 5); ctx.fill();
      ctx.fillStyle = "#222"; ctx.fillText(label, x + 14, y);
      x += w + 8;
    }
  }

  hover(ev) {
    if (!this.n) return;
    const rect = this.canvas.getBoundingClientRect();
    // the canvas may be shown smaller than it is drawn (narrow windows)
    const mx = (ev.clientX - rect.left) * NET / rect.width, my = (ev.clientY - rect.top) * NET / rect.height;
    const [X, Y] = this.frame();
    let best = -1, bestD = 100;
    for (let i = 0; i < this.n; i++) {
      const d = (X(i) - mx) ** 2 + (Y(i) - my) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    if (best < 0) { this.tip.style.display = "none"; return; }
    const ids = this.model.get("node_ids");
    const st = this.state[best];
    const id = ids.length ? ids[best] : best;
    this.tip.textContent = (st >> 1) === this.creator
      ? `creator ${id}: ${st & 1 ? "quality" : "clickbait"}, audience ${this.degree[best]}`
      : `user ${id}: ${st & 1 ? "cooperator" : "defector"}, ` +
        `${(this.names || [])[st >> 1] || ""}, degree ${this.degree[best]}`;
    this.tip.style.display = "block";
    this.tip.style.left = ev.clientX + 14 + "px"; this.tip.style.top = ev.clientY + 10 + "px";
  }
}

// ---------------------------------------------------------------- the headline
class Headline {
  // "Generation 12  Cooperation 48.3%  Rewires 1,234  Max degree 61  (running)"
  constructor(model, el) {
    this.model = model;
    el.style.cssText = "display:flex;flex-wrap:wrap;align-items:baseline;gap:18px";
    const span = (cls) => {
      const s = document.createElement("span");
      s.className = cls; s.style.marginRight = "18px";
      if (cls.includes("rw-headline")) { s.style.fontSize = "1.25rem"; s.style.fontWeight = "500"; }
      el.appendChild(s); return s;
    };
    this.generation = span("rw-headline rw-generation");
    this.cooperation = span("rw-headline rw-cooperation");
    this.rewires = span("rw-headline rw-rewires");
    this.degree = span("rw-headline rw-max-degree");
    this.status = span("rw-status");
    listen(this, model, "headline", ev => this.show(ev.detail));
    model.on("msg:custom", msg => { if (msg.type === "headline") this.show(msg); });
    this.show({ generation: 0, cooperation: null, status: "no model" });
    model.send({ type: "hello" });
  }

  show(m) {
    const coop = m.cooperation;
    this.generation.textContent = `Generation ${m.generation}`;
    const has = coop !== null && coop !== undefined;
    this.cooperation.textContent = has ? `Cooperation ${(100 * coop).toFixed(1)}%` : "";
    this.rewires.textContent = has ? `Rewires ${m.rewires.toLocaleString("en-US")}` : "";
    this.degree.textContent = has ? `Max degree ${m.max_degree}` : "";
    this.status.textContent = `(${m.status})`;
  }
}

export default {
  render({ model, el }) {
    const kind = model.get("kind");
    const view = kind === "network" ? new Network(model, el)
      : kind === "headline" ? new Headline(model, el)
      : kind === "bandits" ? new Plots(model, el, { css: "rw-bandit-view", file: "rewire-bandits",
                                                    panelClass: "rw-bandit-panel" })
      : new Plots(model, el);
    return () => { view.tip && view.tip.remove(); (view.cleanups || []).forEach(f => f()); };
  },
};
