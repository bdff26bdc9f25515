// atlas studio: the page. Explore an activation atlas, paint with its cells, search photos.
// Plain ES2020, no dependencies; it talks only to the studio's JSON API (docs/studio.md).
'use strict';

(() => {
  // ---------------------------------------------------------------- constants and helpers

  const CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const MAX_GRID = 64;
  const MAX_SCALE = 480; // CSS px per atlas cell at the deepest zoom
  const HINTS = {
    explore: 'wheel or pinch to zoom · drag to pan · hover a cell, click to pin it',
    paint: 'click atlas cells to make them brushes · drag to pan',
    search: 'click atlas cells to make them brushes · drag to pan',
  };

  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

  /** A DOM element: h('div', {class: 'x', 'data-a': 1, style: {...}}, child, 'text', ...). */
  function h(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value == null || value === false) continue;
      if (key === 'class') e.className = value;
      else if (key === 'style') Object.assign(e.style, value);
      else e.setAttribute(key, value === true ? '' : String(value));
    }
    e.append(...children.flat().filter((c) => c != null && c !== false));
    return e;
  }

  /** fetch + JSON; a non-2xx answer throws an Error carrying the server's `error` message. */
  async function api(path, options = {}) {
    const res = await fetch(path, options);
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = text; }
    if (!res.ok) {
      const message = body && typeof body === 'object' && body.error ? body.error
        : `${res.status} ${res.statusText || 'error'}${typeof body === 'string' && body ? `: ${body}` : ''}`;
      const err = new Error(message);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  const shortLabel = (label) => String(label || '').split(',')[0].trim();
  const formatNum = (v) => (v === 0 || Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toExponential(2));
  const withParam = (url, key, value) => `${url}${url.includes('?') ? '&' : '?'}${key}=${encodeURIComponent(value)}`;

  /** A TOML basic string: quotes, backslashes and control characters escaped. */
  function tomlString(s) {
    const named = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f' };
    return `"${String(s).replace(/[\\"\u0000-\u001f\u007f]/g,
      (ch) => named[ch] || `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
  }
  const tomlKey = (k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k));

  // ---------------------------------------------------------------- state

  const state = {
    palettes: [],        // GET /api/palettes
    paletteId: null,
    palette: null,       // GET /api/palettes/{id}, cells given `index` and `short`
    cellAt: null,        // Int32Array(grid * grid): cell index or -1
    classSet: new Set(),
    mode: 'explore',
    hover: -1,
    pinned: -1,
    filter: null,        // {label, cls, values}
    opacity: null,       // per cell, from the class filter
    tool: 'brush',
    indexes: [],
    job: null,           // the last job JSON seen
  };
  const view = { scale: 1, tx: 0, ty: 0, w: 0, h: 0, dpr: 1, fitted: false, moved: false }; // moved: by the user since the fit
  const paletteCache = new Map(); // id -> Promise<palette>
  const cellCache = new Map();    // id/column,row -> cell JSON
  const cellPending = new Map();  // id/column,row -> Promise
  const attrCache = new Map();    // id\nlabel -> Promise<attributions>
  const icons = new Map();        // URL -> Image, each loaded once
  const works = new Map();        // palette id -> {brushes: Map(char -> brush), selected, grids: {paint, search}}
  let els = {};
  let loadSeq = 0;
  let drawPending = false;

  // ---------------------------------------------------------------- palettes

  function loadPalette(id) {
    if (!paletteCache.has(id)) {
      const p = api(`/api/palettes/${encodeURIComponent(id)}`).then((palette) => {
        palette.cells.forEach((c, i) => { c.index = i; c.short = shortLabel(c.label); });
        return palette;
      });
      p.catch(() => paletteCache.delete(id));
      paletteCache.set(id, p);
    }
    return paletteCache.get(id);
  }

  function fillLayerSelect() {
    els.layerSelect.replaceChildren(...state.palettes.map((p) =>
      h('option', { value: p.id }, `${p.model} · ${p.layer} (${p.cells} cells)`)));
  }

  /** Switches the atlas to palette `id`: its cells, classes, brushes and grids. */
  async function selectPalette(id) {
    const seq = ++loadSeq;
    els.layerSelect.value = id;
    let palette;
    try {
      palette = await loadPalette(id);
    } catch (err) {
      showBanner(`Could not load the palette ${id}: ${err.message}`);
      return;
    }
    if (seq !== loadSeq) return;
    hideBanner();
    state.paletteId = id;
    state.palette = palette;
    state.cellAt = new Int32Array(palette.grid * palette.grid).fill(-1);
    for (const c of palette.cells) state.cellAt[c.row * palette.grid + c.column] = c.index;
    state.hover = -1;
    state.pinned = -1;
    state.filter = null;
    state.opacity = null;
    state.classSet = new Set(palette.classes || []);
    els.classSuggestions.replaceChildren(...(palette.classes || []).map((label) => h('option', { value: label })));
    resetCellPanel();
    showPaletteInfo(palette);
    measureAtlas();
    fitView();
    renderBrushes();
    renderGrid('paint');
    renderGrid('search');
    syncSizeInputs();
    if (state.mode === 'search') checkSearchLayer();
    drawNow();
    if (els.classFilter.value.trim()) applyFilter();
  }

  function showPaletteInfo(p) {
    const summary = `${Number(p.samples).toLocaleString()} samples from ${Number(p.images).toLocaleString()} images · `
      + `${p.grid}×${p.grid} grid · stride ${p.stride} · ${p.channels} channels`;
    els.paletteInfo.replaceChildren(summary, ' · ', h('a', { href: p.atlas, target: '_blank', rel: 'noopener' }, 'atlas.png'));
  }

  // ---------------------------------------------------------------- the atlas view: geometry

  function measureAtlas() {
    const r = els.atlasView.getBoundingClientRect();
    const [oldW, oldH] = [view.w, view.h];
    view.w = r.width;
    view.h = r.height;
    view.dpr = window.devicePixelRatio || 1;
    els.atlas.width = Math.max(1, Math.round(view.w * view.dpr));
    els.atlas.height = Math.max(1, Math.round(view.h * view.dpr));
    const mini = els.minimap.getBoundingClientRect();
    els.minimap.width = Math.max(1, Math.round(mini.width * view.dpr));
    els.minimap.height = Math.max(1, Math.round(mini.height * view.dpr));
    if (view.fitted && !view.moved) fitView();
    else if (view.fitted && oldW > 0) { // keep the centre where it was
      view.tx += (view.w - oldW) / 2;
      view.ty += (view.h - oldH) / 2;
    }
  }

  function fitScale() {
    const g = state.palette ? state.palette.grid : 1;
    return Math.max(2, (Math.min(view.w, view.h) * 0.94) / g);
  }

  function fitView() {
    if (!state.palette || view.w <= 0) return;
    const g = state.palette.grid;
    view.scale = fitScale();
    view.tx = (view.w - g * view.scale) / 2;
    view.ty = (view.h - g * view.scale) / 2;
    view.fitted = true;
    view.moved = false;
    scheduleDraw();
  }

  /** Keeps some of the atlas in the window. */
  function constrainView() {
    if (!state.palette) return;
    const size = state.palette.grid * view.scale;
    const m = Math.min(80, view.w / 4, view.h / 4);
    view.tx = clamp(view.tx, m - size, view.w - m);
    view.ty = clamp(view.ty, m - size, view.h - m);
  }

  function zoomAt(px, py, factor) {
    const s = clamp(view.scale * factor, fitScale() * 0.5, MAX_SCALE);
    const k = s / view.scale;
    view.tx = px - (px - view.tx) * k;
    view.ty = py - (py - view.ty) * k;
    view.scale = s;
    view.moved = true;
    constrainView();
    scheduleDraw();
  }

  function panBy(dx, dy) {
    view.tx += dx;
    view.ty += dy;
    view.moved = true;
    constrainView();
    scheduleDraw();
  }

  /** Puts atlas point (ax, ay), in cells, at the centre of the view. */
  function centreOn(ax, ay) {
    view.tx = view.w / 2 - ax * view.scale;
    view.ty = view.h / 2 - ay * view.scale;
    view.moved = true;
    constrainView();
    scheduleDraw();
  }

  /** The index of the kept cell under view point (px, py), or -1. */
  function cellIndexAt(px, py) {
    if (!state.palette) return -1;
    const g = state.palette.grid;
    const column = Math.floor((px - view.tx) / view.scale);
    const row = Math.floor((py - view.ty) / view.scale);
    if (column < 0 || row < 0 || column >= g || row >= g) return -1;
    return state.cellAt[row * g + column];
  }

  function cellIndexOf(column, row) {
    const p = state.palette;
    if (!p || column < 0 || row < 0 || column >= p.grid || row >= p.grid) return -1;
    return state.cellAt[row * p.grid + column];
  }

  /** The centre of cell (column, row) in client CSS pixels; brings it into view when hidden. */
  function cellCenter(column, row) {
    const at = () => {
      const r = els.atlas.getBoundingClientRect();
      return { x: r.left + view.tx + (column + 0.5) * view.scale, y: r.top + view.ty + (row + 0.5) * view.scale };
    };
    let p = at();
    if (document.elementFromPoint(p.x, p.y) !== els.atlas) {
      centreOn(column + 0.5, row + 0.5);
      drawNow();
      p = at();
    }
    return p;
  }

  // ---------------------------------------------------------------- the atlas view: drawing

  /** The icon at `url`, loaded on first use and kept; a load redraws. */
  function icon(url) {
    let img = icons.get(url);
    if (!img) {
      img = new Image();
      img.decoding = 'async';
      img.onload = scheduleDraw;
      img.src = url;
      icons.set(url, img);
    }
    return img;
  }
  const ready = (img) => img && img.complete && img.naturalWidth > 0;

  function scheduleDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; drawAtlas(); drawMinimap(); });
  }

  function drawNow() {
    if (view.w <= 0) measureAtlas();
    drawAtlas();
    drawMinimap();
  }

  function drawAtlas() {
    const ctx = els.atlas.getContext('2d');
    const { w, h: height, dpr, scale: s, tx, ty } = view;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, height);
    const p = state.palette;
    if (!p) return;
    ctx.fillStyle = '#1b1b1c';
    ctx.fillRect(tx, ty, p.grid * s, p.grid * s);
    ctx.imageSmoothingQuality = 'high';
    const gap = s >= 24 ? 0.5 : 0;
    for (const c of p.cells) {
      const x = tx + c.column * s;
      const y = ty + c.row * s;
      if (x + s < 0 || y + s < 0 || x > w || y > height) continue; // only visible icons load
      const img = icon(c.icon);
      ctx.globalAlpha = state.opacity ? state.opacity[c.index] : 1;
      if (ready(img)) ctx.drawImage(img, x + gap, y + gap, s - 2 * gap, s - 2 * gap);
      else { ctx.fillStyle = '#333336'; ctx.fillRect(x + gap, y + gap, s - 2 * gap, s - 2 * gap); }
    }
    ctx.globalAlpha = 1;
    if (s >= 72) drawLabels(ctx, p, s);
    drawMarks(ctx, p, s);
  }

  /** Each cell's top class under its icon, when the icons are large enough. */
  function drawLabels(ctx, p, s) {
    const size = Math.min(13, Math.max(10, s / 9));
    ctx.font = `${size}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    for (const c of p.cells) {
      const x = view.tx + c.column * s;
      const y = view.ty + c.row * s;
      if (x + s < 0 || y + s < 0 || x > view.w || y > view.h) continue;
      let text = c.short;
      const room = s - 8;
      while (text.length > 1 && ctx.measureText(text).width > room) text = `${text.slice(0, -2)}…`;
      ctx.globalAlpha = state.opacity ? Math.max(0.25, state.opacity[c.index]) : 1;
      ctx.fillStyle = 'rgba(0, 0, 0, 0.6)';
      ctx.fillRect(x + 0.5, y + s - size - 6, s - 1, size + 5.5);
      ctx.fillStyle = '#f0f0f0';
      ctx.fillText(text, x + 4, y + s - size / 2 - 3);
    }
    ctx.globalAlpha = 1;
  }

  /** Outlines: the hovered cell, the pinned one, and the brushes with their characters. */
  function drawMarks(ctx, p, s) {
    const outline = (i, colour, width) => {
      const c = p.cells[i];
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.strokeRect(view.tx + c.column * s + width / 2, view.ty + c.row * s + width / 2, s - width, s - width);
    };
    if (state.mode === 'explore') {
      if (state.hover >= 0 && state.hover !== state.pinned) outline(state.hover, 'rgba(255,255,255,0.9)', 1.5);
      if (state.pinned >= 0) outline(state.pinned, '#f2b33d', 2.5);
      return;
    }
    const w = work();
    const r = clamp(s * 0.17, 6, 12);
    ctx.font = `bold ${Math.round(r * 1.3)}px ui-monospace, Menlo, monospace`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const b of w.brushes.values()) {
      const i = b.kind === 'cell' ? cellIndexOf(b.column, b.row) : -1;
      if (i < 0) continue;
      const selected = b.char === w.selected;
      outline(i, selected ? '#f2b33d' : 'rgba(242,179,61,0.6)', selected ? 2.5 : 1.5);
      const cx = view.tx + b.column * s + r + 3;
      const cy = view.ty + b.row * s + r + 3;
      ctx.fillStyle = selected ? '#f2b33d' : 'rgba(20,20,20,0.85)';
      ctx.beginPath();
      ctx.arc(cx, cy, r, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = selected ? '#1b1406' : '#f2b33d';
      ctx.fillText(b.char, cx, cy + 0.5);
    }
    ctx.textAlign = 'start';
    if (state.hover >= 0) outline(state.hover, 'rgba(255,255,255,0.9)', 1.5);
  }

  /** The whole atlas small (icons already loaded, grey squares for the rest) and the viewport. */
  function drawMinimap() {
    const cv = els.minimap;
    const ctx = cv.getContext('2d');
    const size = cv.width / view.dpr;
    ctx.setTransform(view.dpr, 0, 0, view.dpr, 0, 0);
    ctx.clearRect(0, 0, size, size);
    const p = state.palette;
    if (!p || size <= 0) return;
    const pad = 6;
    const cs = (size - 2 * pad) / p.grid;
    for (const c of p.cells) {
      const img = icons.get(c.icon);
      ctx.globalAlpha = state.opacity ? state.opacity[c.index] : 1;
      if (ready(img)) ctx.drawImage(img, pad + c.column * cs, pad + c.row * cs, cs, cs);
      else { ctx.fillStyle = '#55555a'; ctx.fillRect(pad + c.column * cs, pad + c.row * cs, cs - 0.5, cs - 0.5); }
    }
    ctx.globalAlpha = 1;
    const x0 = clamp(-view.tx / view.scale, 0, p.grid);
    const y0 = clamp(-view.ty / view.scale, 0, p.grid);
    const x1 = clamp((view.w - view.tx) / view.scale, 0, p.grid);
    const y1 = clamp((view.h - view.ty) / view.scale, 0, p.grid);
    ctx.strokeStyle = '#f2b33d';
    ctx.lineWidth = 1.5;
    ctx.strokeRect(pad + x0 * cs, pad + y0 * cs, Math.max(2, (x1 - x0) * cs), Math.max(2, (y1 - y0) * cs));
  }

  // ---------------------------------------------------------------- the atlas view: input

  function setupAtlasInput() {
    const cv = els.atlas;
    const pointers = new Map(); // pointerId -> {x, y} in view pixels
    let gesture = null;         // {kind: 'pan', start, last, moved} or {kind: 'pinch', dist, mx, my}
    const local = (e) => {
      const r = cv.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    const pinchOf = () => {
      const [a, b] = [...pointers.values()];
      return { kind: 'pinch', dist: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)), mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2 };
    };

    cv.addEventListener('pointerdown', (e) => {
      if (e.pointerType === 'mouse' && e.button !== 0) return;
      cv.setPointerCapture(e.pointerId);
      const p = local(e);
      pointers.set(e.pointerId, p);
      if (pointers.size === 1) gesture = { kind: 'pan', start: p, last: p, moved: false };
      else if (pointers.size === 2) { gesture = pinchOf(); hideTip(); }
    });

    cv.addEventListener('pointermove', (e) => {
      const p = local(e);
      if (!pointers.has(e.pointerId)) { hoverAt(p); return; }
      pointers.set(e.pointerId, p);
      if (gesture.kind === 'pinch' && pointers.size >= 2) {
        const now = pinchOf();
        zoomAt(now.mx, now.my, now.dist / gesture.dist);
        panBy(now.mx - gesture.mx, now.my - gesture.my);
        gesture = now;
      } else if (gesture.kind === 'pan') {
        if (!gesture.moved && Math.hypot(p.x - gesture.start.x, p.y - gesture.start.y) > 4) {
          gesture.moved = true;
          cv.classList.add('dragging');
          hideTip();
        }
        if (gesture.moved) panBy(p.x - gesture.last.x, p.y - gesture.last.y);
        else hoverAt(p);
        gesture.last = p;
      }
    });

    const end = (e) => {
      if (!pointers.has(e.pointerId)) return;
      pointers.delete(e.pointerId);
      if (e.type === 'pointerup' && gesture && gesture.kind === 'pan' && !gesture.moved) clickAt(local(e));
      if (pointers.size === 1) { // a pinch became a one-finger drag: no click
        const [q] = pointers.values();
        gesture = { kind: 'pan', start: q, last: q, moved: true };
      } else if (pointers.size === 0) {
        gesture = null;
        cv.classList.remove('dragging');
      }
    };
    cv.addEventListener('pointerup', end);
    cv.addEventListener('pointercancel', end);
    cv.addEventListener('pointerleave', () => { if (!pointers.size) { setHover(-1); hideTip(); } });

    cv.addEventListener('wheel', (e) => {
      e.preventDefault();
      const p = local(e);
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? view.h : 1;
      zoomAt(p.x, p.y, Math.exp(-e.deltaY * unit * (e.ctrlKey ? 0.01 : 0.0015)));
    }, { passive: false });

    setupMinimapInput();
    els.zoomIn.addEventListener('click', () => zoomAt(view.w / 2, view.h / 2, 1.4));
    els.zoomOut.addEventListener('click', () => zoomAt(view.w / 2, view.h / 2, 1 / 1.4));
    els.zoomFit.addEventListener('click', fitView);
  }

  /** Clicking (or dragging on) the minimap recentres the view there. */
  function setupMinimapInput() {
    const cv = els.minimap;
    let dragging = false;
    const go = (e) => {
      if (!state.palette) return;
      const r = cv.getBoundingClientRect();
      const cs = (r.width - 12) / state.palette.grid;
      centreOn((e.clientX - r.left - 6) / cs, (e.clientY - r.top - 6) / cs);
    };
    cv.addEventListener('pointerdown', (e) => { dragging = true; cv.setPointerCapture(e.pointerId); go(e); });
    cv.addEventListener('pointermove', (e) => { if (dragging) go(e); });
    cv.addEventListener('pointerup', () => { dragging = false; });
    cv.addEventListener('pointercancel', () => { dragging = false; });
  }

  function setHover(i) {
    if (i === state.hover) return;
    state.hover = i;
    els.atlas.classList.toggle('over-cell', i >= 0);
    scheduleDraw();
    if (state.mode === 'explore' && state.pinned < 0 && i >= 0) showCell(i);
  }

  function hoverAt(p) {
    const i = cellIndexAt(p.x, p.y);
    setHover(i);
    if (i < 0) { hideTip(); return; }
    const c = state.palette.cells[i];
    let text = `${c.short} · ${c.count} samples`;
    if (state.mode !== 'explore') {
      const b = brushOfCell(c);
      text += b ? ` · brush ${b.char}` : ' · click: new brush';
    }
    const tip = els.atlasTip;
    tip.textContent = text;
    tip.hidden = false;
    const x = Math.min(p.x + 14, view.w - tip.offsetWidth - 6);
    const y = p.y + 18 + tip.offsetHeight > view.h ? p.y - tip.offsetHeight - 10 : p.y + 18;
    tip.style.left = `${Math.max(4, x)}px`;
    tip.style.top = `${y}px`;
  }
  const hideTip = () => { els.atlasTip.hidden = true; };

  function clickAt(p) {
    const i = cellIndexAt(p.x, p.y);
    if (state.mode === 'explore') {
      if (i < 0 || i === state.pinned) {
        state.pinned = -1;
        if (i >= 0) showCell(i); else els.cellPanel.classList.remove('pinned');
      } else {
        state.pinned = i;
        showCell(i);
      }
      scheduleDraw();
    } else if (i >= 0) {
      addOrSelectBrush(i);
    }
  }

  // ---------------------------------------------------------------- the cell panel

  function resetCellPanel() {
    const panel = els.cellPanel;
    panel.classList.add('empty');
    panel.classList.remove('pinned');
    delete panel.dataset.cell;
  }

  function fetchCell(id, c) {
    const key = `${id}/${c.column},${c.row}`;
    if (cellCache.has(key)) return Promise.resolve(cellCache.get(key));
    if (!cellPending.has(key)) {
      const p = api(`/api/palettes/${encodeURIComponent(id)}/cells/${c.column},${c.row}`)
        .then((data) => { cellCache.set(key, data); return data; })
        .finally(() => cellPending.delete(key));
      cellPending.set(key, p);
    }
    return cellPending.get(key);
  }

  /** Shows cell `i` in the panel: what the palette says at once, the classes and crops when fetched. */
  function showCell(i) {
    const id = state.paletteId;
    const c = state.palette.cells[i];
    const key = `${c.column},${c.row}`;
    const panel = els.cellPanel;
    const same = panel.dataset.cell === key && panel.dataset.palette === id;
    panel.classList.remove('empty');
    panel.classList.toggle('pinned', state.pinned === i);
    panel.dataset.cell = key;
    panel.dataset.palette = id;
    els.cellPin.textContent = state.pinned === i ? 'pinned · click it again or Esc to release' : 'click the cell to pin it';
    if (same) return;
    els.cellIcon.src = c.icon;
    els.cellIcon.alt = c.label;
    els.cellLabel.textContent = c.short;
    els.cellLabel.title = c.label;
    els.cellPos.textContent = `column ${c.column}, row ${c.row}`;
    els.cellCount.textContent = String(c.count);
    const cached = cellCache.get(`${id}/${key}`);
    if (cached) { renderCellDetail(cached); return; }
    els.cellClasses.replaceChildren(h('li', { class: 'muted' }, 'loading…'));
    els.cellExemplars.replaceChildren();
    fetchCell(id, c).then((data) => {
      if (state.paletteId === id && panel.dataset.cell === key) renderCellDetail(data);
    }).catch((err) => {
      if (state.paletteId === id && panel.dataset.cell === key) {
        els.cellClasses.replaceChildren(h('li', { class: 'error' }, err.message));
      }
    });
  }

  function renderCellDetail(d) {
    els.cellCount.textContent = String(d.count);
    const top = (d.top || []).slice(0, 5);
    const max = Math.max(1e-12, ...top.map((t) => Math.abs(t.attribution)));
    els.cellClasses.replaceChildren(...(top.length ? top.map((t) => h('li', {},
      h('span', { class: 'name', title: `${t.label}\n(click: filter the atlas by this class)`, 'data-label': t.label }, t.label),
      h('span', { class: 'value' }, formatNum(t.attribution)),
      h('span', { class: 'bar' }, h('span', {
        class: t.attribution < 0 ? 'neg' : null,
        style: { width: `${(100 * Math.abs(t.attribution)) / max}%` },
      })))) : [h('li', { class: 'muted' }, 'no attributed classes')]));
    const crops = d.exemplars || [];
    els.cellExemplars.replaceChildren(...(crops.length
      ? crops.map((url) => h('img', { src: url, alt: 'exemplar crop', loading: 'lazy' }))
      : [h('p', { class: 'muted' }, 'no exemplars (start the studio with --collection)')]));
  }

  // ---------------------------------------------------------------- the class filter

  function setupFilter() {
    const box = els.classFilter;
    // Typing applies only an exact class (a suggestion picked); Enter or leaving the box applies anything.
    box.addEventListener('input', () => {
      const v = box.value.trim();
      if (!v || state.classSet.has(v)) applyFilter();
    });
    box.addEventListener('change', applyFilter);
    const restyle = () => { computeOpacity(); scheduleDraw(); };
    els.classSign.addEventListener('change', restyle);
    els.classIntensity.addEventListener('input', restyle);
    els.cellClasses.addEventListener('click', (e) => {
      const name = e.target.closest('.name');
      if (!name) return;
      box.value = name.dataset.label;
      applyFilter();
    });
  }

  function fetchAttributions(id, label) {
    const key = `${id}\n${label}`;
    if (!attrCache.has(key)) {
      const p = api(`/api/palettes/${encodeURIComponent(id)}/attributions?class=${encodeURIComponent(label)}`);
      p.catch(() => attrCache.delete(key));
      attrCache.set(key, p);
    }
    return attrCache.get(key);
  }

  async function applyFilter() {
    const label = els.classFilter.value.trim();
    const id = state.paletteId;
    if (state.filter && state.filter.label === label && state.filter.id === id) return;
    els.classError.textContent = '';
    if (!label || !id) {
      state.filter = null;
      els.classInfo.textContent = '';
    } else {
      try {
        const res = await fetchAttributions(id, label);
        if (id !== state.paletteId || els.classFilter.value.trim() !== label) return;
        state.filter = { id, label, cls: res.class, values: res.values.map((v) => Number(v) || 0) };
        els.classInfo.textContent = `opacity: each cell's attribution to “${res.class}”`;
      } catch (err) {
        if (id !== state.paletteId || els.classFilter.value.trim() !== label) return;
        state.filter = null;
        els.classInfo.textContent = '';
        els.classError.textContent = err.message;
      }
    }
    computeOpacity();
    scheduleDraw();
  }

  /** Opacity per cell: a = v / max (or -v / max(-v) for "negative"), mixed by the intensity. */
  function computeOpacity() {
    const f = state.filter;
    if (!f) { state.opacity = null; return; }
    const sign = els.classSign.value === 'negative' ? -1 : 1;
    const k = Number(els.classIntensity.value);
    const vs = f.values.map((v) => sign * v);
    const max = Math.max(0, ...vs);
    state.opacity = vs.map((v) => 1 - k * (1 - (max > 0 ? clamp(v / max, 0, 1) : 0)));
  }

  // ---------------------------------------------------------------- brushes (per palette)

  const newGrid = (rows, cols) => ({ rows, cols, cells: Array.from({ length: rows }, () => Array(cols).fill('.')) });

  /** The brushes and grids of the current palette (each palette keeps its own). */
  function work() {
    let w = works.get(state.paletteId);
    if (!w) {
      w = { brushes: new Map(), selected: null, grids: { paint: newGrid(14, 14), search: newGrid(3, 3) } };
      works.set(state.paletteId, w);
    }
    return w;
  }

  const brushOfCell = (c) => [...work().brushes.values()]
    .find((b) => b.kind === 'cell' && b.column === c.column && b.row === c.row);

  function cellBrush(char, column, row, toml) {
    const i = cellIndexOf(column, row);
    const c = i >= 0 ? state.palette.cells[i] : null;
    return {
      char, kind: 'cell', column, row,
      icon: c ? c.icon : null,
      label: c ? c.label : `cell ${column},${row} (not kept by this palette)`,
      toml: toml || `{ cell = [${column}, ${row}] }`,
    };
  }

  function addOrSelectBrush(i) {
    const w = work();
    const c = state.palette.cells[i];
    const existing = brushOfCell(c);
    if (existing) { selectBrush(existing.char); return; }
    const char = [...CHARS].find((ch) => !w.brushes.has(ch));
    if (!char) { els.brushHint.textContent = `All ${CHARS.length} characters are in use: remove a brush first.`; return; }
    w.brushes.set(char, cellBrush(char, c.column, c.row));
    selectBrush(char);
  }

  function selectBrush(char) {
    work().selected = char;
    if (state.tool === 'erase') setTool('brush');
    renderBrushes();
    scheduleDraw();
  }

  function removeBrush(char) {
    const w = work();
    w.brushes.delete(char);
    if (w.selected === char) w.selected = w.brushes.size ? w.brushes.keys().next().value : null;
    for (const kind of ['paint', 'search']) {
      for (const row of w.grids[kind].cells) row.forEach((ch, k) => { if (ch === char) row[k] = '.'; });
      refreshGridCells(kind);
    }
    renderBrushes();
    scheduleDraw();
  }

  function renderBrushes() {
    const w = work();
    els.brushes.replaceChildren(...[...w.brushes.values()].map((b) => h('button', {
      type: 'button', class: `brush${b.char === w.selected ? ' selected' : ''}`, 'data-char': b.char, title: b.label,
    },
    b.icon ? h('img', { src: b.icon, alt: '' }) : h('span', { class: 'swatch' }, b.kind),
    h('span', { class: 'char' }, b.char),
    h('span', { class: 'what' }, b.kind === 'cell' ? shortLabel(b.label) : b.label),
    h('span', { class: 'remove', role: 'button', title: `remove brush ${b.char}`, 'aria-label': `remove brush ${b.char}` }, '×'))));
    els.brushHint.textContent = w.brushes.size ? '' : 'No brushes yet: click cells of the atlas to add them.';
    if (state.mode !== 'explore') sizeGrid(activeKind());
  }

  function setupBrushes() {
    els.brushes.addEventListener('click', (e) => {
      const button = e.target.closest('.brush');
      if (!button) return;
      if (e.target.closest('.remove')) removeBrush(button.dataset.char);
      else selectBrush(button.dataset.char);
    });
    els.brushes.addEventListener('keydown', (e) => {
      const button = e.target.closest('.brush');
      if (button && (e.key === 'Delete' || e.key === 'Backspace')) removeBrush(button.dataset.char);
    });
  }

  // ---------------------------------------------------------------- the grid editors

  const activeKind = () => (state.mode === 'search' ? 'search' : 'paint');
  const gridEl = (kind) => (kind === 'search' ? els.searchGrid : els.paintGrid);

  function setTool(tool) {
    state.tool = tool;
    for (const t of ['brush', 'fill', 'erase']) els[`tool_${t}`].classList.toggle('active', t === tool);
  }

  function styleCell(div, ch, brushes) {
    const b = ch === '.' ? null : brushes.get(ch);
    div.dataset.char = ch;
    div.classList.toggle('iconic', Boolean(b && b.icon));
    div.classList.toggle('unknown', ch !== '.' && !b);
    div.style.backgroundImage = b && b.icon ? `url("${b.icon}")` : '';
    div.textContent = b && b.icon ? '' : (ch === '.' ? '' : ch);
  }

  function renderGrid(kind) {
    const w = work();
    const g = w.grids[kind];
    const frag = document.createDocumentFragment();
    for (let r = 0; r < g.rows; r++) {
      for (let c = 0; c < g.cols; c++) {
        const div = document.createElement('div');
        div.className = 'cell';
        div.dataset.row = r;
        div.dataset.col = c;
        styleCell(div, g.cells[r][c], w.brushes);
        frag.append(div);
      }
    }
    const el = gridEl(kind);
    el.style.setProperty('--cols', g.cols);
    el.replaceChildren(frag);
    sizeGrid(kind);
  }

  function refreshGridCells(kind) {
    const w = work();
    const g = w.grids[kind];
    for (const div of gridEl(kind).children) styleCell(div, g.cells[div.dataset.row][div.dataset.col], w.brushes);
  }

  /** Cells as large as the panel allows (6 to 44 px): its width, and its height while that spares 16 px. */
  function sizeGrid(kind) {
    const g = work().grids[kind];
    const el = gridEl(kind);
    const avail = (el.parentElement.clientWidth || 400) - 6;
    let cell = clamp(Math.floor((avail - g.cols) / g.cols), 6, 44);
    const side = els.side;
    if (el.offsetParent && getComputedStyle(side).overflowY !== 'visible') {
      const rest = side.scrollHeight - el.offsetHeight; // everything else in the panel
      const byHeight = Math.floor((side.clientHeight - rest - 4) / g.rows) - 1;
      cell = Math.min(cell, Math.max(16, byHeight));
    }
    el.style.setProperty('--cell', `${cell}px`);
    el.classList.toggle('tiny', cell < 16);
  }

  function syncSizeInputs() {
    const g = work().grids[activeKind()];
    els.gridRows.value = g.rows;
    els.gridCols.value = g.cols;
  }

  /** Resizes the active grid, keeping what fits. */
  function resizeGrid() {
    const kind = activeKind();
    const g = work().grids[kind];
    const read = (input, old) => {
      const v = clamp(Math.round(Number(input.value)) || old, 1, MAX_GRID);
      input.value = v;
      return v;
    };
    const rows = read(els.gridRows, g.rows);
    const cols = read(els.gridCols, g.cols);
    g.cells = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => (g.cells[r] && g.cells[r][c]) || '.'));
    g.rows = rows;
    g.cols = cols;
    renderGrid(kind);
  }

  function floodFill(g, r0, c0, ch) {
    const from = g.cells[r0][c0];
    if (from === ch) return;
    const stack = [[r0, c0]];
    while (stack.length) {
      const [r, c] = stack.pop();
      if (r < 0 || c < 0 || r >= g.rows || c >= g.cols || g.cells[r][c] !== from) continue;
      g.cells[r][c] = ch;
      stack.push([r + 1, c], [r - 1, c], [r, c + 1], [r, c - 1]);
    }
  }

  /** Applies the tool at one cell element; `first` is the press (fill acts on it only). */
  function applyTool(kind, div, first) {
    const w = work();
    const g = w.grids[kind];
    const r = Number(div.dataset.row);
    const c = Number(div.dataset.col);
    if (state.tool === 'erase') { g.cells[r][c] = '.'; styleCell(div, '.', w.brushes); return; }
    const ch = w.selected;
    if (!ch || !w.brushes.has(ch)) { els.brushHint.textContent = 'Pick a brush first: click a cell of the atlas.'; return; }
    if (state.tool === 'fill') {
      if (first) { floodFill(g, r, c, ch); refreshGridCells(kind); }
      return;
    }
    g.cells[r][c] = ch;
    styleCell(div, ch, w.brushes);
  }

  function setupGridEditor(kind) {
    const el = gridEl(kind);
    let last = null; // the cell element last painted while the pointer is down
    el.addEventListener('pointerdown', (e) => {
      const div = e.target.closest('.cell');
      if (!div || (e.pointerType === 'mouse' && e.button !== 0)) return;
      e.preventDefault();
      el.setPointerCapture(e.pointerId);
      last = div;
      applyTool(kind, div, true);
    });
    el.addEventListener('pointermove', (e) => {
      if (!last) return;
      const under = document.elementFromPoint(e.clientX, e.clientY);
      const div = under && under.closest('.cell');
      if (!div || div === last || !el.contains(div)) return;
      // every cell on the line from the last one: a fast stroke leaves no gaps
      const cols = work().grids[kind].cols;
      const [r0, c0] = [Number(last.dataset.row), Number(last.dataset.col)];
      const [r1, c1] = [Number(div.dataset.row), Number(div.dataset.col)];
      const n = Math.max(Math.abs(r1 - r0), Math.abs(c1 - c0));
      for (let k = 1; k <= n; k++) {
        const r = Math.round(r0 + ((r1 - r0) * k) / n);
        const c = Math.round(c0 + ((c1 - c0) * k) / n);
        applyTool(kind, el.children[r * cols + c], false);
      }
      last = div;
    });
    const stop = () => { last = null; };
    el.addEventListener('pointerup', stop);
    el.addEventListener('pointercancel', stop);
    el.addEventListener('lostpointercapture', stop);
  }

  function setupEditors() {
    setupGridEditor('paint');
    setupGridEditor('search');
    for (const t of ['brush', 'fill', 'erase']) els[`tool_${t}`].addEventListener('click', () => setTool(t));
    els.gridClear.addEventListener('click', () => {
      const kind = activeKind();
      const g = work().grids[kind];
      work().grids[kind] = newGrid(g.rows, g.cols);
      renderGrid(kind);
    });
    els.gridRows.addEventListener('change', resizeGrid);
    els.gridCols.addEventListener('change', resizeGrid);
    els.openCanvas.addEventListener('change', async () => {
      const file = els.openCanvas.files[0];
      if (!file) return;
      try { await loadCanvasText(await file.text(), file.name); } catch (err) { els.openMessage.textContent = `${file.name}: ${err.message}`; }
      els.openCanvas.value = '';
    });
  }

  // ---------------------------------------------------------------- canvas TOML: writing

  /** The canvas of the `kind` grid ('paint' or 'search') as TOML; throws when nothing is painted. */
  function buildCanvasToml(kind) {
    const w = work();
    const g = w.grids[kind];
    const used = new Set(g.cells.flat().filter((ch) => ch !== '.'));
    if (!used.size) throw new Error('Nothing to send: paint at least one cell of the grid with a brush.');
    const missing = [...used].filter((ch) => !w.brushes.has(ch));
    if (missing.length) throw new Error(`No brush for the character(s) ${missing.map((ch) => `'${ch}'`).join(', ')} in the grid.`);
    const lines = [];
    const title = kind === 'paint' ? els.paintTitle.value.trim() : '';
    if (title) lines.push(`title = ${tomlString(title)}`);
    lines.push(`palette = ${tomlString(state.paletteId)}`, '', "grid = '''", ...g.cells.map((row) => row.join('')), "'''", '', '[brushes]');
    for (const b of w.brushes.values()) {
      if (!used.has(b.char)) continue;
      const entry = `${tomlKey(b.char)} = ${b.toml}`;
      const note = b.kind === 'cell' ? String(b.label || '').replace(/[\u0000-\u001f\u007f]/g, ' ') : '';
      lines.push(note ? `${entry.padEnd(24)}  # ${note}` : entry);
    }
    if (kind === 'paint') lines.push('', '[settings]', ...settingsLines());
    return `${lines.join('\n')}\n`;
  }

  function settingsLines() {
    const out = [];
    const number = (input, name, { optional = false, min = 0 } = {}) => {
      const raw = input.value.trim();
      if (!raw) {
        if (optional) return;
        throw new Error(`${name}: give a whole number`);
      }
      const v = Number(raw);
      if (!Number.isInteger(v) || v < min) throw new Error(`${name}: ${raw} is not a whole number${min ? ` of at least ${min}` : ''}`);
      out.push(`${name} = ${v}`);
    };
    number(els.paintSteps, 'steps', { min: 1 });
    number(els.paintSeed, 'seed');
    number(els.paintSize, 'size', { optional: true, min: 1 });
    return out;
  }

  // ---------------------------------------------------------------- canvas TOML: reading (a tolerant subset)

  /** Drops a `#` comment, minding quoted strings. */
  function stripComment(line) {
    let quote = null;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quote) {
        if (ch === '\\' && quote === '"') i++;
        else if (ch === quote) quote = null;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '#') return line.slice(0, i);
    }
    return line;
  }

  /** A TOML string value (basic or literal) at the start of `v`, or null. */
  function readString(v) {
    const basic = v.match(/^"((?:[^"\\]|\\.)*)"/);
    if (basic) {
      try { return JSON.parse(`"${basic[1]}"`); } catch { return basic[1]; }
    }
    const literal = v.match(/^'([^']*)'/);
    return literal ? literal[1] : null;
  }

  function parseCanvas(text) {
    const out = { title: null, palette: null, grid: null, brushes: [], settings: {}, ignored: [] };
    const lines = text.split(/\r?\n/);
    let table = '';
    for (let i = 0; i < lines.length; i++) {
      const open = table === '' && lines[i].match(/^\s*grid\s*=\s*('''|""")(.*)$/);
      if (open) { // a multi-line string: rows until the closing quotes, raw ('#' may be a brush)
        const rows = [];
        let chunk = open[2];
        for (;;) {
          const end = chunk.indexOf(open[1]);
          rows.push(end >= 0 ? chunk.slice(0, end) : chunk);
          if (end >= 0 || ++i >= lines.length) break;
          chunk = lines[i];
        }
        out.grid = rows.map((r) => r.trim()).filter(Boolean);
        continue;
      }
      const line = stripComment(lines[i]).trim();
      if (!line) continue;
      const header = line.match(/^\[\s*([^\]]+?)\s*\]$/);
      if (header) { table = header[1]; continue; }
      const kv = line.match(/^("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=\s*(.*)$/);
      if (!kv) continue;
      const key = readString(kv[1]) ?? kv[1];
      const value = kv[2].trim();
      if (table === '') {
        if (key === 'title') out.title = readString(value);
        else if (key === 'palette') out.palette = readString(value);
        else if (key === 'grid') out.grid = (readString(value) || '').split('\n').map((r) => r.trim()).filter(Boolean);
        else out.ignored.push(key);
      } else if (table === 'brushes') {
        out.brushes.push({ char: key, ...brushKind(value), toml: value });
      } else if (table === 'settings') {
        if (['steps', 'seed', 'size'].includes(key) && /^-?\d+$/.test(value)) out.settings[key] = Number(value);
        else out.ignored.push(`settings.${key}`);
      }
    }
    return out;
  }

  /** The kind of a brush's inline table: cell (with its position), class, mix, photo or stamp. */
  function brushKind(value) {
    if (/\bmix\s*=/.test(value)) return { kind: 'mix' };
    if (/\bstamp\s*=/.test(value)) return { kind: 'stamp' };
    if (/\bphoto\s*=/.test(value)) return { kind: 'photo' };
    const cell = value.match(/\bcell\s*=\s*\[\s*(\d+)\s*,\s*(\d+)\s*\]/);
    if (cell) return { kind: 'cell', column: Number(cell[1]), row: Number(cell[2]) };
    const cls = value.match(/\bclass\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*')/);
    if (cls) return { kind: 'class', cls: readString(cls[1]) };
    return { kind: 'unknown' };
  }

  /** A served palette for a canvas's `palette`: an id, or a path ending in model/layer. */
  function matchPalette(name) {
    if (!name) return null;
    if (state.palettes.some((p) => p.id === name)) return name;
    const parts = name.replace(/[\\/]+$/, '').split(/[\\/]/);
    const [model, layer] = parts.slice(-2);
    const hit = state.palettes.find((p) => p.model === model && p.layer === layer);
    return hit ? hit.id : null;
  }

  /** Loads a canvas file into the active editor (switching to its palette when served). */
  async function loadCanvasText(text, name) {
    const c = parseCanvas(text);
    if (!c.grid || !c.grid.length) throw new Error("no grid = ''' ... ''' block found");
    const notes = [];
    const id = matchPalette(c.palette);
    if (id && id !== state.paletteId) await selectPalette(id);
    else if (!id && c.palette) notes.push(`its palette "${c.palette}" is not served here: loaded into ${state.paletteId}`);
    if (state.mode === 'explore') setMode('paint');
    const kind = activeKind();
    const w = work();
    w.brushes = new Map();
    const dropped = [];
    const kept = [];
    for (const b of c.brushes) {
      if ([...b.char].length !== 1) { dropped.push(b.char); continue; }
      if (b.kind === 'cell') w.brushes.set(b.char, cellBrush(b.char, b.column, b.row, b.toml));
      else if (b.kind === 'class' || b.kind === 'mix') {
        w.brushes.set(b.char, { char: b.char, kind: b.kind, label: b.kind === 'class' ? b.cls : 'mix', toml: b.toml });
        kept.push(b.char);
      } else dropped.push(b.char);
    }
    if (kept.length) notes.push(`only cell brushes can be edited here; ${kept.join(', ')} kept as written`);
    if (dropped.length) notes.push(`dropped brushes ${dropped.join(', ')} (photo and stamp brushes: paint those with atlas paint)`);
    // the grid: truncated to 64 a side, ragged rows padded, unknown characters freed
    const rows = c.grid.slice(0, MAX_GRID).map((r) => [...r].slice(0, MAX_GRID));
    const cols = Math.max(...rows.map((r) => r.length));
    if (c.grid.length > MAX_GRID || c.grid.some((r) => [...r].length > MAX_GRID)) notes.push('the grid was cut to 64 cells a side');
    const unknown = new Set();
    const cells = rows.map((r) => Array.from({ length: cols }, (_, k) => {
      const ch = r[k] || '.';
      if (ch !== '.' && !w.brushes.has(ch)) { unknown.add(ch); return '.'; }
      return ch;
    }));
    if (unknown.size) notes.push(`cells of ${[...unknown].join(', ')} were freed (no editable brush)`);
    w.grids[kind] = { rows: cells.length, cols, cells };
    w.selected = w.brushes.size ? w.brushes.keys().next().value : null;
    if (c.title != null) els.paintTitle.value = c.title;
    if (c.settings.steps != null) els.paintSteps.value = c.settings.steps;
    if (c.settings.seed != null) els.paintSeed.value = c.settings.seed;
    els.paintSize.value = c.settings.size != null ? c.settings.size : '';
    if (c.ignored.length) notes.push(`ignored: ${c.ignored.join(', ')}`);
    els.openMessage.textContent = [`Opened ${name}: ${cells.length}×${cols}, ${w.brushes.size} brushes.`, ...notes].join('\n');
    renderBrushes();
    renderGrid(kind);
    syncSizeInputs();
    scheduleDraw();
  }

  // ---------------------------------------------------------------- painting jobs

  let follow = null;     // {id, es, timer, lastStep, done}: the job the page follows
  let canvasBlobUrl = null;
  let lastCanvasToml = '';
  const TERMINAL = ['done', 'failed', 'cancelled'];

  function setupPaint() {
    els.paintRun.addEventListener('click', runPaint);
    els.paintCancel.addEventListener('click', cancelPaint);
    els.paintOutputClose.addEventListener('click', () => { els.paintOutput.hidden = true; });
    els.paintShow.addEventListener('click', () => { els.paintOutput.hidden = false; });
  }

  function clearPaintOutput() {
    els.paintError.textContent = '';
    els.paintStatus.textContent = '';
    delete els.paintStatus.dataset.state;
    els.paintProgress.value = 0;
    for (const e of [els.paintOutput, els.paintPreview, els.paintImage, els.sheetLink, els.downloads]) e.hidden = true;
    els.downloadPng.removeAttribute('href');
    els.downloadCanvas.removeAttribute('href');
  }

  async function runPaint() {
    let toml;
    try { toml = buildCanvasToml('paint'); } catch (err) { els.paintError.textContent = err.message; return; }
    stopFollowing();
    clearPaintOutput();
    lastCanvasToml = toml;
    els.paintRun.disabled = true;
    els.paintStatus.textContent = 'sending…';
    try {
      const res = await api('/api/paint', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: toml });
      followJob(res.job);
    } catch (err) {
      els.paintStatus.textContent = '';
      els.paintError.textContent = err.message;
    } finally {
      els.paintRun.disabled = false;
    }
  }

  function stopFollowing() {
    if (!follow) return;
    if (follow.es) follow.es.close();
    clearTimeout(follow.timer);
    follow = null;
  }

  /** Follows job `id` with server-sent events, or by polling every 500 ms when they fail. */
  function followJob(id) {
    stopFollowing();
    const token = { id, es: null, timer: null, lastStep: -1, done: false };
    follow = token;
    showJob(token, { job: id, state: 'queued', step: 0, steps: 0 });
    let es;
    try {
      es = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`);
    } catch {
      poll(token); // no EventSource here
      return;
    }
    token.es = es;
    es.onmessage = (ev) => {
      if (follow !== token) return;
      let job;
      try { job = JSON.parse(ev.data); } catch { return; }
      showJob(token, job);
    };
    es.onerror = () => {
      es.close();
      token.es = null;
      if (follow === token && !token.done) poll(token);
    };
  }

  function poll(token) {
    const tick = async () => {
      if (follow !== token || token.done) return;
      try {
        showJob(token, await api(`/api/jobs/${encodeURIComponent(token.id)}`));
      } catch (err) {
        if (follow === token) els.paintError.textContent = err.message;
        return;
      }
      if (!token.done) token.timer = setTimeout(tick, 500);
    };
    tick();
  }

  /** Shows a job's state: status, progress, the image as it forms, the results when done. */
  function showJob(token, job) {
    if (follow !== token) return;
    state.job = job;
    const st = job.state;
    const [step, steps] = [job.step || 0, job.steps || 0];
    els.paintStatus.dataset.state = st;
    els.paintStatus.textContent = st === 'running' ? `step ${step}/${steps}`
      : st === 'done' ? `done · ${steps} steps` : st === 'queued' ? 'queued' : st;
    els.paintProgress.max = Math.max(1, steps);
    els.paintProgress.value = st === 'done' ? els.paintProgress.max : step;
    els.paintCancel.disabled = TERMINAL.includes(st);
    if (st === 'running' && job.preview && step !== token.lastStep) {
      if (token.lastStep < 0) els.paintOutput.hidden = false; // the first picture: show the card
      token.lastStep = step;
      els.paintPreview.src = withParam(job.preview, 'step', step);
      els.paintPreview.hidden = false;
    }
    els.paintOutputTitle.textContent = `${job.title || els.paintTitle.value.trim() || 'Untitled'}${
      st === 'running' ? ` · step ${step}/${steps}` : st === 'done' ? '' : ` · ${st}`}`;
    if (st === 'done') showResults(job);
    if (st === 'failed') els.paintError.textContent = job.error || 'the painting failed';
    if (TERMINAL.includes(st)) {
      token.done = true;
      if (token.es) token.es.close();
      clearTimeout(token.timer);
    }
  }

  function showResults(job) {
    els.paintPreview.hidden = true;
    els.paintOutput.hidden = false;
    if (job.image) {
      els.paintImage.src = job.image;
      els.paintImage.hidden = false;
      els.downloadPng.href = job.image;
    }
    if (job.sheet) {
      els.paintSheet.src = job.sheet;
      els.sheetLink.href = job.sheet;
      els.sheetLink.hidden = false;
    }
    if (canvasBlobUrl) URL.revokeObjectURL(canvasBlobUrl);
    canvasBlobUrl = job.canvas ? null : URL.createObjectURL(new Blob([lastCanvasToml], { type: 'text/plain' }));
    els.downloadCanvas.href = job.canvas || canvasBlobUrl;
    els.downloads.hidden = false;
  }

  async function cancelPaint() {
    const token = follow;
    if (!token) return;
    els.paintCancel.disabled = true;
    try {
      const res = await api(`/api/jobs/${encodeURIComponent(token.id)}`, { method: 'DELETE' });
      if (follow === token && !token.done) showJob(token, { ...state.job, ...res });
    } catch (err) {
      els.paintError.textContent = err.message;
      els.paintCancel.disabled = false;
    }
  }

  // ---------------------------------------------------------------- search

  function setupSearch(indexes) {
    state.indexes = Array.isArray(indexes) ? indexes : [];
    const tab = els.tabSearch;
    if (!state.indexes.length) {
      tab.disabled = true;
      tab.title = 'start the studio with --index DIR';
      return;
    }
    tab.disabled = false;
    tab.title = 'Search photos with a drawn grid';
    els.searchIndex.replaceChildren(...state.indexes.map((x) =>
      h('option', { value: x.id }, `${x.id} · ${x.layer} (${x.photos} photos)`)));
    const fitting = state.indexes.find((x) => (x.palettes || []).includes(state.paletteId));
    if (fitting) els.searchIndex.value = fitting.id;
  }

  /** Says so when the selected layer cannot query the selected index; false then. */
  function checkSearchLayer() {
    const index = state.indexes.find((x) => x.id === els.searchIndex.value);
    els.searchError.replaceChildren();
    if (!index) return false;
    const palettes = index.palettes || [];
    if (palettes.includes(state.paletteId)) return true;
    els.searchError.append(`The index ${index.id} is searched with ${palettes.join(', ') || 'no served palette'}; `
      + `the selected layer is ${state.paletteId}.`);
    if (palettes.length) {
      const button = h('button', { type: 'button' }, `switch to ${palettes[0]}`);
      button.addEventListener('click', () => selectPalette(palettes[0]));
      els.searchError.append(button);
    }
    return false;
  }

  async function runSearch() {
    if (!checkSearchLayer()) return;
    let toml;
    try { toml = buildCanvasToml('search'); } catch (err) { els.searchError.textContent = err.message; return; }
    const top = clamp(Math.round(Number(els.searchTop.value)) || 12, 1, 500);
    els.searchTop.value = top;
    els.searchRun.disabled = true;
    els.searchResults.replaceChildren(h('p', { class: 'muted' }, 'searching…'));
    try {
      const hits = await api(`/api/search?index=${encodeURIComponent(els.searchIndex.value)}&top=${top}`,
        { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: toml });
      renderHits(hits || []);
    } catch (err) {
      els.searchResults.replaceChildren();
      els.searchError.textContent = err.message;
    } finally {
      els.searchRun.disabled = false;
    }
  }

  /** The hits as a contact sheet: photo, the matched box over it, rank, score, file name. */
  function renderHits(hits) {
    const pct = (v) => `${100 * clamp(Number(v) || 0, 0, 1)}%`;
    if (!hits.length) { els.searchResults.replaceChildren(h('p', { class: 'muted' }, 'no hits')); return; }
    els.searchResults.replaceChildren(...hits.map((hit, k) => {
      const box = hit.box || {};
      const file = String(hit.image || '').split(/[\\/]/).pop();
      const score = Number(hit.score);
      return h('div', { class: 'hit', 'data-score': score.toFixed(4), title: `${hit.image}\nrow ${hit.row}, column ${hit.col}, side ${hit.side}` },
        h('div', { class: 'photo' },
          h('img', { src: hit.photo, alt: file, loading: 'lazy' }),
          h('div', { class: 'box', style: { left: pct(box.left), top: pct(box.top), width: pct(box.width), height: pct(box.height) } })),
        h('div', { class: 'caption' }, h('span', { class: 'rank' }, `#${k + 1}`), h('span', { class: 'score' }, score.toFixed(3))),
        h('div', { class: 'file' }, file));
    }));
  }

  // ---------------------------------------------------------------- modes, keys, banner

  function setMode(mode) {
    if (mode === 'search' && els.tabSearch.disabled) return;
    state.mode = mode;
    document.body.dataset.mode = mode;
    for (const tab of els.tabs) tab.setAttribute('aria-selected', String(tab.dataset.mode === mode));
    els.atlasHint.textContent = HINTS[mode];
    if (mode !== 'explore' && state.palette) {
      syncSizeInputs();
      sizeGrid(activeKind());
      refreshGridCells(activeKind());
    }
    if (mode === 'search') checkSearchLayer();
    hideTip();
    scheduleDraw();
  }

  function setupKeys() {
    document.addEventListener('keydown', (e) => {
      if (e.target.closest('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape' && state.pinned >= 0) {
        state.pinned = -1;
        els.cellPanel.classList.remove('pinned');
        els.cellPin.textContent = 'click the cell to pin it';
        scheduleDraw();
      } else if (e.key === '+' || e.key === '=') zoomAt(view.w / 2, view.h / 2, 1.4);
      else if (e.key === '-') zoomAt(view.w / 2, view.h / 2, 1 / 1.4);
      else if (e.key === '0') fitView();
      else if (state.mode !== 'explore' && { b: 1, f: 1, e: 1 }[e.key]) setTool({ b: 'brush', f: 'fill', e: 'erase' }[e.key]);
    });
  }

  function showBanner(message) {
    els.banner.textContent = message;
    els.banner.hidden = false;
  }
  const hideBanner = () => { els.banner.hidden = true; };

  // ---------------------------------------------------------------- start

  function cacheElements() {
    const ids = {
      layerSelect: 'layer-select', paletteInfo: 'palette-info', tabSearch: 'tab-search',
      atlasView: 'atlas-view', atlas: 'atlas', minimap: 'minimap', atlasTip: 'atlas-tip', atlasHint: 'atlas-hint',
      banner: 'banner', zoomIn: 'zoom-in', zoomOut: 'zoom-out', zoomFit: 'zoom-fit',
      classFilter: 'class-filter', classSuggestions: 'class-suggestions', classSign: 'class-sign',
      classIntensity: 'class-intensity', classInfo: 'class-info', classError: 'class-error',
      cellPanel: 'cell-panel', cellIcon: 'cell-icon', cellLabel: 'cell-label', cellPos: 'cell-pos',
      cellCount: 'cell-count', cellPin: 'cell-pin', cellClasses: 'cell-classes', cellExemplars: 'cell-exemplars',
      brushes: 'brushes', brushHint: 'brush-hint', tool_brush: 'tool-brush', tool_fill: 'tool-fill', tool_erase: 'tool-erase',
      gridClear: 'grid-clear', gridRows: 'grid-rows', gridCols: 'grid-cols', paintGrid: 'paint-grid', searchGrid: 'search-grid',
      openCanvas: 'open-canvas', openMessage: 'open-message',
      paintTitle: 'paint-title', paintSteps: 'paint-steps', paintSize: 'paint-size', paintSeed: 'paint-seed',
      paintRun: 'paint-run', paintCancel: 'paint-cancel', paintStatus: 'paint-status', paintProgress: 'paint-progress',
      paintError: 'paint-error', paintPreview: 'paint-preview', paintImage: 'paint-image', paintSheet: 'paint-sheet', side: 'side',
      sheetLink: 'sheet-link', downloads: 'downloads', paintOutput: 'paint-output', paintOutputTitle: 'paint-output-title',
      paintOutputClose: 'paint-output-close', paintShow: 'paint-show', downloadPng: 'download-png', downloadCanvas: 'download-canvas',
      searchIndex: 'search-index', searchTop: 'search-top', searchRun: 'search-run', searchError: 'search-error',
      searchResults: 'search-results',
    };
    els = Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, document.getElementById(id)]));
    els.tabs = [...document.querySelectorAll('#tabs [role="tab"]')];
  }

  async function start() {
    cacheElements();
    setupAtlasInput();
    setupFilter();
    setupBrushes();
    setupEditors();
    setupPaint();
    setupKeys();
    for (const tab of els.tabs) tab.addEventListener('click', () => setMode(tab.dataset.mode));
    els.layerSelect.addEventListener('change', () => selectPalette(els.layerSelect.value));
    els.searchRun.addEventListener('click', runSearch);
    els.searchIndex.addEventListener('change', checkSearchLayer);
    els.atlasHint.textContent = HINTS.explore;
    new ResizeObserver(() => { measureAtlas(); drawNow(); }).observe(els.atlasView);
    window.addEventListener('resize', () => { if (state.palette && state.mode !== 'explore') sizeGrid(activeKind()); });

    const indexes = api('/api/indexes').catch(() => []);
    state.palettes = await api('/api/palettes');
    fillLayerSelect();
    if (!state.palettes.length) {
      showBanner('No palettes are served: start the studio with --palettes DIR (folders holding a palette.json).');
    } else {
      await selectPalette(state.palettes[0].id);
    }
    setupSearch(await indexes);
  }

  const readyPromise = start().catch((err) => {
    showBanner(`The studio could not start: ${err.message}`);
    window.studio.error = err.message;
  });

  window.studio = {
    ready: readyPromise,
    get paletteId() { return state.paletteId; },
    get palette() { return state.palette; },
    get mode() { return state.mode; },
    get job() { return state.job; },
    get view() { return { scale: view.scale, tx: view.tx, ty: view.ty }; },
    get brushes() { return state.palette ? [...work().brushes.values()].map((b) => ({ ...b })) : []; },
    cellCenter,
    setMode,
    selectPalette,
    canvasToml: (kind) => buildCanvasToml(kind || activeKind()),
    error: null,
  };
})();
