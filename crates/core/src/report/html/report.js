"use strict";
// dupscan's HTML report. The data is the JSON in <script id="data">; corpus
// text only ever enters the page as text nodes (textContent, append of
// strings), never as markup.
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const BATCH = 100;
  const VIA = ["representative", "exact", "unit", "span", "contained"];
  const SIDE = ["", "reference", "corpus"];
  const app = document.getElementById("app");

  // ---- small helpers -------------------------------------------------
  function el(tag, cls, ...kids) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const int = (n) => Number(n).toLocaleString("en-US");
  // 1, 10, 100, 1k, 10k, 100k, 1M: axis labels that fit.
  function short(n) {
    if (n >= 1e6 && n % 1e6 === 0) return n / 1e6 + "M";
    if (n >= 1000 && n % 1000 === 0) return n / 1000 + "k";
    if (n >= 1024 && n % 1024 === 0) return n / 1024 + "k";
    return String(n);
  }
  // A long name cut in the middle, so both ends show.
  const middle = (s, n) => (s.length <= n ? s : s.slice(0, Math.floor(n * 0.35)) + "\u2026" + s.slice(s.length - Math.ceil(n * 0.65) + 1));
  function bytes(n) {
    if (n < 1024) return n + " B";
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let u = -1;
    do { n /= 1024; u++; } while (n >= 1024 && u < units.length - 1);
    return n.toFixed(n < 10 ? 1 : 0) + " " + units[u];
  }
  const pct = (a, b) => (b > 0 ? (100 * a / b).toFixed(1) : "0.0") + "%";
  const fixed = (x) => Number(x).toFixed(2);

  // ---- the data, decoded ---------------------------------------------
  const G = D.groups.map((g) => ({
    id: g[0], size: g[1], docs: g[2], min: g[3], bytes: g[4], members: g[5], search: null, el: null,
  }));
  const docId = (i) => D.docs[i][0];
  const docSource = (i) => D.sources[D.docs[i][1]];
  function textOf(g, m) { return m[8] === null ? g.members[0][8] : m[8]; }
  function searchText(g) {
    if (g.search === null) {
      const parts = [];
      for (const m of g.members) {
        if (m[8] !== null) parts.push(m[8]);
        parts.push(docId(m[0]));
      }
      g.search = parts.join("\n").toLowerCase();
    }
    return g.search;
  }

  // ---- word diff -----------------------------------------------------
  const WORD = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;
  function tokens(text) {
    const out = [];
    for (const m of text.matchAll(WORD)) out.push({ s: m.index, e: m.index + m[0].length, w: m[0] });
    return out;
  }
  const MAX_EDITS = 400;
  // Marks with 1 the tokens of a and b on a shortest edit script's common
  // subsequence (Myers' O(ND) algorithm after trimming the common prefix and
  // suffix); beyond MAX_EDITS edits the middle is left all different.
  function diff(a, b) {
    const n = a.length, m = b.length;
    const ka = new Uint8Array(n), kb = new Uint8Array(m);
    let s = 0;
    while (s < n && s < m && a[s] === b[s]) { ka[s] = kb[s] = 1; s++; }
    let ea = n, eb = m;
    while (ea > s && eb > s && a[ea - 1] === b[eb - 1]) { ea--; eb--; ka[ea] = kb[eb] = 1; }
    const N = ea - s, M = eb - s;
    if (N === 0 || M === 0) return [ka, kb];
    const max = Math.min(N + M, MAX_EDITS), off = max + 1;
    let v = new Int32Array(2 * max + 3);
    const trace = [];
    let found = -1;
    for (let d = 0; d <= max && found < 0; d++) {
      trace.push(v.slice());
      for (let k = -d; k <= d; k += 2) {
        let x = (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
        let y = x - k;
        while (x < N && y < M && a[s + x] === b[s + y]) { x++; y++; }
        v[off + k] = x;
        if (x >= N && y >= M) { found = d; break; }
      }
    }
    if (found < 0) return [ka, kb];
    let x = N, y = M;
    for (let d = found; d > 0; d--) {
      const vp = trace[d], k = x - y;
      const pk = (k === -d || (k !== d && vp[off + k - 1] < vp[off + k + 1])) ? k + 1 : k - 1;
      const px = vp[off + pk], py = px - pk;
      while (x > px && y > py) { x--; y--; ka[s + x] = 1; kb[s + y] = 1; }
      x = px; y = py;
    }
    while (x > 0 && y > 0) { x--; y--; ka[s + x] = 1; kb[s + y] = 1; }
    return [ka, kb];
  }

  // Text with the changed words (class cls) and what lies outside the
  // matched span [m0, m1) marked; each run of equal marks is one span.
  function marked(text, toks, keep, cls, m0, m1) {
    const f = document.createDocumentFragment();
    const n = text.length;
    const mark = new Uint8Array(n);
    if (toks) {
      for (let i = 0; i < toks.length; i++) {
        if (!keep[i]) for (let j = toks[i].s; j < toks[i].e; j++) mark[j] |= 1;
      }
    }
    const partial = m0 > 0 || m1 < n;
    if (partial) for (let j = 0; j < n; j++) if (j < m0 || j >= m1) mark[j] |= 2;
    let i = 0;
    while (i < n) {
      let j = i + 1;
      while (j < n && mark[j] === mark[i]) j++;
      const piece = text.slice(i, j);
      const c = [];
      if (mark[i] & 1) c.push(cls);
      if (mark[i] & 2) c.push("outside");
      else if (partial) c.push("match");
      f.append(c.length ? el("span", c.join(" "), piece) : piece);
      i = j;
    }
    return f;
  }

  // ---- the run -------------------------------------------------------
  function header() {
    const p = D.params, s = D.stats;
    document.title = "dupscan report: " + p.inputs.join(", ");
    app.append(el("h1", null, "dupscan report"));
    app.append(el("p", "sub",
      D.tool.name + " " + D.tool.version + " \u00b7 " + p.unit + " units, threshold " + p.threshold +
      ", " + p.shingle + " " + p.ngram + "-grams, " + p.num_perm + " permutations (" + p.bands + " \u00d7 " + p.rows +
      "), seed " + p.seed + ", scope " + p.scope + ", groups " + p.groups + " \u00b7 " + s.seconds.toFixed(2) + " s"));
    const cards = el("div", "cards");
    const card = (v, label) => cards.append(el("div", "card", el("b", null, v), el("span", null, label)));
    card(int(s.documents), "documents");
    card(int(s.units), "units (" + int(s.skipped_units) + " too short)");
    card(int(s.groups), "groups");
    card(int(s.duplicate_units), "duplicate units");
    card(bytes(D.duplicated_bytes), "duplicated (" + pct(D.duplicated_bytes, s.bytes) + " of " + bytes(s.bytes) + ")");
    card(s.seconds.toFixed(2) + " s", "wall time");
    app.append(cards);
    const more = el("details", "params", el("summary", null, "All parameters and counters"));
    const table = el("table", "kv");
    const row = (k, v) => table.append(el("tr", null, el("td", null, k), el("td", null, v)));
    for (const k in p) row(k, typeof p[k] === "object" ? JSON.stringify(p[k]) : String(p[k]));
    for (const k in s) row("stats." + k, String(s[k]));
    more.append(table);
    app.append(more);
  }

  // ---- pictures ------------------------------------------------------
  // Bars over labels; with log, heights are log10(count + 1).
  function bars(title, caption, labels, values, log) {
    const W = 440, H = 190, L = 40, R = 8, T = 14, B = 36;
    const s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title });
    const f = log ? (x) => Math.log10(x + 1) : (x) => x;
    const top = Math.max(1, ...values.map(f));
    const w = (W - L - R) / Math.max(1, values.length);
    s.append(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#9aa1ad" }));
    const ticks = log ? [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7].filter((t) => f(t) <= top) : [0, Math.max(...values)];
    for (const t of ticks) {
      const y = H - B - (H - B - T) * f(t) / top;
      s.append(svg("line", { x1: L - 3, y1: y, x2: W - R, y2: y, stroke: "#eef0f4" }));
      s.append(svg("text", { x: L - 5, y: y + 3, "text-anchor": "end" }, short(t)));
    }
    const every = Math.ceil(values.length / 9);
    values.forEach((v, i) => {
      const h = (H - B - T) * f(v) / top;
      const r = svg("rect", { class: "bar", x: L + i * w + 1, y: H - B - h, width: Math.max(1, w - 2), height: h });
      r.append(svg("title", {}, labels[i] + ": " + int(v)));
      s.append(r);
      if (i % every === 0) {
        s.append(svg("text", { x: L + i * w + w / 2, y: H - B + 12, "text-anchor": "middle" }, labels[i]));
      }
    });
    s.append(svg("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, caption));
    return el("div", "chart", el("h3", null, title), s);
  }

  function shares(title, rows, note) {
    const box = el("div", "chart", el("h3", null, title));
    if (note) box.append(el("p", "legend", note));
    const grid = el("div", "shares");
    for (const [name, dup, total, extra] of rows) {
      const fill = el("div", "fill");
      fill.style.width = (total > 0 ? Math.min(100, 100 * dup / total) : 0).toFixed(1) + "%";
      const label = el("div", "name", middle(name, 60));
      label.title = name + ": " + bytes(dup) + " of " + bytes(total) + " duplicated" + (extra ? ", " + extra : "");
      grid.append(label, el("div", "track", fill), el("div", "pct", pct(dup, total)));
    }
    if (!rows.length) grid.append(el("div", "empty", "nothing duplicated"));
    box.append(grid);
    return box;
  }

  function charts() {
    const c = D.charts;
    app.append(el("h2", null, "Pictures"));
    const box = el("div", "charts");
    box.append(bars("Group sizes", "members per group (4–8: 4 to 7); groups, log scale",
      c.sizes.map(([lo, hi]) => (lo === hi ? String(lo) : short(lo) + "\u2013" + short(hi + 1))), c.sizes.map((x) => x[2]), true));
    let first = c.similarity.findIndex((n) => n > 0);
    if (first < 0) first = 14;
    const sims = c.similarity.slice(first);
    box.append(bars("Similarity to the representative", "similarity of each member (bins of 0.05); members, log scale",
      sims.map((_, i) => ((first + i) / 20).toFixed(2)), sims, true));
    box.append(bars("Documents by duplicated share",
      "share of bytes in a group member; documents, log scale",
      ["none"].concat(c.shares.slice(1).map((_, i) => (i * 10) + "\u2013" + (i * 10 + 10) + "%")), c.shares, true));
    box.append(shares("Documents with the most duplicated bytes",
      c.documents.map(([d, dup, total]) => [d, dup, total]),
      "duplicated share of each; top " + c.documents.length));
    box.append(shares("Duplicated share per input file",
      c.files.map(([f, dup, total, n]) => [f, dup, total, int(n) + " documents"]), null));
    app.append(box);
  }

  // ---- contamination and dedup -----------------------------------------
  function contamination() {
    const c = D.contamination;
    if (!c) return;
    app.append(el("h2", null, "Contamination"));
    app.append(el("p", null, int(c.contaminated_documents) + " of " + int(c.reference_documents) +
      " reference items matched by " + int(c.corpus_units) + " corpus units."));
    const t = el("table", "items");
    t.append(el("tr", null, ...["item", "units matched", "corpus units", "in documents", "best document", "covered", "matched text", "groups"].map((h) => el("th", null, h))));
    c.items.forEach((it, i) => {
      const b = it.best;
      t.append(el("tr", null,
        el("td", null, it.doc, el("div", "legend", it.source)),
        el("td", null, it.matched_units + " / " + it.units),
        el("td", null, int(it.corpus_units)),
        el("td", null, int(it.corpus_documents)),
        el("td", null, b ? b.doc : ""),
        el("td", null, b ? (100 * b.covered).toFixed(0) + "%" : ""),
        el("td", "text", D.matched[i] === null || D.matched[i] === undefined ? "" : D.matched[i]),
        el("td", null, it.groups.slice(0, 20).join(", ") + (it.groups.length > 20 ? ", \u2026" : ""))));
    });
    app.append(t);
  }

  function dedup() {
    if (!D.dedup) return;
    app.append(el("h2", null, "Deduplication"));
    app.append(el("p", null, "Keep rule: ", el("b", null, D.dedup.keep), ". " + D.dedup.rule + " " +
      int(D.dedup.removed) + " units removed. In each group below, members are tagged kept or removed, with the document of the kept unit a removed one duplicates."));
  }

  // ---- the groups ----------------------------------------------------
  const state = new URLSearchParams(location.hash.slice(1));
  let shown = [], rendered = 0;
  const list = el("div", "groups");
  const count = el("span", "count");
  const sentinel = el("div", "more");

  function memberMeta(m, rep) {
    const td = el("td", "meta");
    td.append(el("div", "doc", docId(m[0])));
    td.append(el("div", null, docSource(m[0])));
    td.append(el("div", null, "unit " + m[1] + ", bytes " + m[2] + "\u2013" + m[3]));
    const tags = el("div");
    if (rep) tags.append(el("span", "tag", "representative"));
    else tags.append(el("span", "tag", "similarity " + fixed(m[4])), el("span", "tag", "via " + VIA[m[5]]));
    if (m[9]) tags.append(el("span", "tag " + SIDE[m[9]], SIDE[m[9]]));
    if (m[10] === 1) tags.append(el("span", "tag kept", "kept"));
    if (m[10] === 0) tags.append(el("span", "tag removed", "removed"));
    td.append(tags);
    if (m[10] === 0 && m[11] >= 0) td.append(el("div", null, "duplicate of kept unit in " + docId(m[11])));
    if (m[12]) td.append(el("div", null, "text cut to " + int(D.cap[2]) + " bytes"));
    return td;
  }

  function groupBody(g) {
    const rep = g.members[0];
    const repText = rep[8];
    const repToks = tokens(repText);
    const table = el("table", "members");
    table.append(el("tr", null, el("th", null, "member"), el("th", null, "representative"), el("th", null, "this member")));
    const first = el("tr", "rep", memberMeta(rep, true));
    const whole = el("td", "text", marked(repText, null, null, "", rep[6], rep[7]));
    whole.colSpan = 2;
    first.append(whole);
    table.append(first);
    for (let k = 1; k < g.members.length; k++) {
      const m = g.members[k];
      const tr = el("tr", null, memberMeta(m, false));
      if (m[8] === null) {
        const td = el("td", "text same", "same text as the representative");
        td.colSpan = 2;
        tr.append(td);
      } else {
        const toks = tokens(m[8]);
        const [ka, kb] = diff(repToks.map((t) => t.w), toks.map((t) => t.w));
        tr.append(el("td", "text", marked(repText, repToks, ka, "w-del", 0, repText.length)));
        tr.append(el("td", "text", marked(m[8], toks, kb, "w-ins", m[6], m[7])));
      }
      table.append(tr);
    }
    const box = el("div", null, table);
    if (g.size > g.members.length) {
      box.append(el("p", "legend", int(g.size - g.members.length) + " more members not in this file (at most " +
        int(D.cap[1]) + " per group); the JSON report lists them all."));
    }
    return box;
  }

  function groupElement(g) {
    if (g.el) return g.el;
    const d = el("details", "group");
    d.dataset.id = g.id;
    const meta = el("span", "gmeta", "#", el("b", null, String(g.id)), " \u00b7 ", el("b", null, int(g.size)), " members \u00b7 ",
      el("b", null, int(g.docs)), " docs \u00b7 min sim ", el("b", null, fixed(g.min)), " \u00b7 ", el("b", null, bytes(g.bytes)), " dup");
    d.append(el("summary", null, meta, el("span", "snippet", textOf(g, g.members[0]).replace(/\s+/g, " ").slice(0, 300))));
    d.addEventListener("toggle", () => {
      if (d.open && d.childNodes.length === 1) d.append(groupBody(g));
    });
    g.el = d;
    return d;
  }

  function renderMore() {
    const end = Math.min(shown.length, rendered + BATCH);
    const f = document.createDocumentFragment();
    for (; rendered < end; rendered++) f.append(groupElement(shown[rendered]));
    list.append(f);
    sentinel.textContent = "";
    if (rendered < shown.length) {
      const b = el("button", null, "Show " + Math.min(BATCH, shown.length - rendered) + " more");
      b.addEventListener("click", renderMore);
      sentinel.append(b);
    }
    count.textContent = "showing " + int(rendered) + " of " + int(shown.length) + " matching groups";
  }

  const SORTS = {
    bytes: (a, b) => b.bytes - a.bytes || a.id - b.id,
    size: (a, b) => b.size - a.size || a.id - b.id,
    documents: (a, b) => b.docs - a.docs || a.id - b.id,
    similarity: (a, b) => a.min - b.min || a.id - b.id,
    "similarity-desc": (a, b) => b.min - a.min || a.id - b.id,
    id: (a, b) => a.id - b.id,
  };

  const inputs = {};
  function apply(write) {
    const q = inputs.q.value.trim().toLowerCase();
    const min = Number(inputs.min.value) || 0;
    const docs = Number(inputs.docs.value) || 0;
    const lo = inputs.lo.value === "" ? 0 : Number(inputs.lo.value);
    const hi = inputs.hi.value === "" ? 1 : Number(inputs.hi.value);
    const sort = SORTS[inputs.sort.value] ? inputs.sort.value : "bytes";
    shown = G.filter((g) => g.size >= min && g.docs >= docs && g.min >= lo - 1e-9 && g.min <= hi + 1e-9 &&
      (q === "" || searchText(g).includes(q)));
    shown.sort(SORTS[sort]);
    rendered = 0;
    list.textContent = "";
    renderMore();
    if (!shown.length) list.append(el("div", "empty", "No group matches these filters."));
    if (write) {
      const h = new URLSearchParams();
      for (const k of ["q", "min", "docs", "lo", "hi"]) if (inputs[k].value !== "") h.set(k, inputs[k].value);
      if (sort !== "bytes") h.set("sort", sort);
      history.replaceState(null, "", "#" + h.toString());
    }
  }

  function groups() {
    app.append(el("h2", null, "Groups"));
    if (G.length < D.total_groups) {
      app.append(el("p", "note", "This file holds the " + int(G.length) + " groups with the most duplicated bytes, of " +
        int(D.total_groups) + " in the scan (the cap is " + int(D.cap[0]) + " groups, " + int(D.cap[1]) +
        " members per group); the pictures above count every group. The JSON report (--format json) lists them all."));
    }
    app.append(el("p", "legend", "Open a group to see each member beside the representative: ",
      el("span", "w-del", "words only in the representative"), " and ", el("span", "w-ins", "words only in the member"),
      " are marked; when only part of a unit matched, ", el("span", "match", "the matched span"), " is underlined and ",
      el("span", "outside", "the rest is grey"), "."));
    const controls = el("div", "controls");
    const field = (name, label, type, attrs) => {
      const i = el("input");
      i.type = type;
      i.id = "f-" + name;
      for (const k in attrs || {}) i.setAttribute(k, attrs[k]);
      i.value = state.get(name) || "";
      inputs[name] = i;
      controls.append(el("label", null, label, i));
    };
    field("q", "text", "search", { placeholder: "word or document id" });
    field("min", "min size", "number", { min: 2, step: 1 });
    field("docs", "min documents", "number", { min: 1, step: 1 });
    field("lo", "min similarity from", "number", { min: 0, max: 1, step: 0.05 });
    field("hi", "to", "number", { min: 0, max: 1, step: 0.05 });
    const sort = el("select");
    sort.id = "f-sort";
    for (const [v, label] of [["bytes", "duplicated bytes"], ["size", "size"], ["documents", "documents"],
      ["similarity", "min similarity (lowest first)"], ["similarity-desc", "min similarity (highest first)"], ["id", "report order"]]) {
      const o = el("option", null, label);
      o.value = v;
      sort.append(o);
    }
    sort.value = SORTS[state.get("sort")] ? state.get("sort") : "bytes";
    inputs.sort = sort;
    controls.append(el("label", null, "sort by", sort), count);
    app.append(controls, list, sentinel);
    let timer = 0;
    for (const k in inputs) {
      inputs[k].addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => apply(true), 150); });
    }
    apply(false);
    if ("IntersectionObserver" in window) {
      new IntersectionObserver((es) => {
        if (es.some((e) => e.isIntersecting) && rendered < shown.length) renderMore();
      }, { rootMargin: "600px" }).observe(sentinel);
    }
    const open = state.get("open");
    if (open) {
      const ids = new Set(open.split(",").map(Number));
      for (const g of shown.slice(0, rendered)) {
        if (open === "all" || ids.has(g.id)) g.el.open = true;
      }
    }
  }

  header();
  charts();
  contamination();
  dedup();
  groups();
  // Opening a group renders it on the toggle event; render those opened from
  // the address now, so that the page is complete when the load ends.
  for (const g of G) if (g.el && g.el.open && g.el.childNodes.length === 1) g.el.append(groupBody(g));
  document.documentElement.setAttribute("data-ready", "1");
  document.documentElement.setAttribute("data-render-ms", performance.now().toFixed(0));
})();
