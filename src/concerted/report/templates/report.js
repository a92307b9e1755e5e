// concerted report: interactive network, timeline and paging. No library, nothing loaded from the
// network. Data comes from the JSON block; every string from it reaches the page through
// textContent only, never as markup.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var W = 1000, H = 700, PAD = 40;
  var block = document.getElementById("report-data");
  var data = block ? JSON.parse(block.textContent) : {};

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svgEl(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }
  function pad2(n) { return (n < 10 ? "0" : "") + n; }
  function fmtTime(t) {
    if (t === null || t === undefined) return "-";
    var d = new Date(t * 1000);
    return d.getUTCFullYear() + "-" + pad2(d.getUTCMonth() + 1) + "-" + pad2(d.getUTCDate()) + " " +
      pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes()) + ":" + pad2(d.getUTCSeconds()) + " UTC";
  }
  function fmtDelay(s) {
    if (s === null || s === undefined) return "-";
    if (s < 120) return (s < 10 ? s.toFixed(1) : s.toFixed(0)) + " s";
    return s < 7200 ? (s / 60).toFixed(1) + " min" : (s / 3600).toFixed(1) + " h";
  }
  // As concerted.confidence.format_p_value: below 1e-14 a p-value is rounding, not a figure.
  function fmtP(p) { return p === null || p === undefined ? "-" : p < 1e-14 ? "< 1e-14" : p.toExponential(1); }
  function table(head, rows) {
    var t = el("table"), tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", {}, h)); });
    t.appendChild(el("thead")).appendChild(tr);
    var body = t.appendChild(el("tbody"));
    rows.forEach(function (r) {
      var row = body.appendChild(el("tr"));
      r.forEach(function (c, i) {
        row.appendChild(el("td", { "class": i === r.length - 1 && typeof c === "string" ? "text" : "" }, c));
      });
    });
    var wrap = el("div", { "class": "scroll" });
    wrap.appendChild(t);
    return wrap;
  }

  function timeline(svg, tl, marks) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    if (!tl || !tl.counts.length) return;
    var w = 360, h = 80, n = tl.counts.length, bw = w / n;
    var top = Math.max.apply(null, tl.counts) || 1;
    tl.counts.forEach(function (c, i) {
      if (!c) return;
      var r = svgEl("rect", { x: (i * bw).toFixed(1), y: (h - 14 - c / top * (h - 20)).toFixed(1),
        width: (bw * 0.9).toFixed(1), height: (c / top * (h - 20)).toFixed(1) });
      r.appendChild(svgEl("title")).textContent = c + " actions";
      svg.appendChild(r);
    });
    var span = (tl.end - tl.start) || 1;
    (marks || []).forEach(function (t) {
      if (t === null) return;
      var x = Math.min(w - 1.5, (t - tl.start) / span * w);
      var m = svgEl("rect", { "class": "mark", x: x.toFixed(1), y: 2, width: 1.5, height: h - 16 });
      m.appendChild(svgEl("title")).textContent = fmtTime(t);
      svg.appendChild(m);
    });
    var a = svgEl("text", { x: 0, y: h - 2 }), b = svgEl("text", { x: w, y: h - 2, "text-anchor": "end" });
    a.textContent = fmtTime(tl.start);
    b.textContent = fmtTime(tl.end);
    svg.appendChild(a);
    svg.appendChild(b);
  }

  function network(fig) {
    var id = fig.getAttribute("data-group"), g = data[id];
    if (!g) return;
    var net = g.network, panel = document.querySelector('[data-panel="' + id + '"]');
    var tlSvg = document.querySelector('[data-timeline="' + id + '"]');
    timeline(tlSvg, g.timeline, []);
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "network of group " + id });
    var view = svg.appendChild(svgEl("g"));
    var k = 1, tx = 0, ty = 0, selected = null;
    function apply() { view.setAttribute("transform", "translate(" + tx + " " + ty + ") scale(" + k + ")"); }
    function px(n) { return PAD + n.x * (W - 2 * PAD); }
    function py(n) { return PAD + n.y * (H - 2 * PAD); }
    var top = 0;
    net.edges.forEach(function (e) { top = Math.max(top, e.strength || 0); });
    top = top || 1;
    var linesOf = net.nodes.map(function () { return []; });
    function select(elem, show, near) {
      if (selected) selected.classList.remove("selected");
      Array.prototype.forEach.call(view.querySelectorAll(".near"), function (x) { x.classList.remove("near"); });
      selected = elem;
      elem.classList.add("selected");
      (near || []).forEach(function (x) { x.classList.add("near"); });
      svg.classList.add("has-selection");
      if (elem.tagName === "circle") view.appendChild(elem);  // the selected member on top
      while (panel.firstChild) panel.removeChild(panel.firstChild);
      show();
    }
    net.edges.forEach(function (e) {
      var a = net.nodes[e.s], b = net.nodes[e.t];
      var line = svgEl("line", { x1: px(a), y1: py(a), x2: px(b), y2: py(b),
        "stroke-width": (2.5 + 6 * (e.strength || 0) / top).toFixed(2) });
      linesOf[e.s].push(line);
      linesOf[e.t].push(line);
      line.appendChild(svgEl("title")).textContent = a.actor + " \u2194 " + b.actor;
      line.addEventListener("click", function (ev) {
        ev.stopPropagation();
        select(line, function () {
          panel.appendChild(el("h4", {}, a.actor + " \u2194 " + b.actor));
          panel.appendChild(el("p", {}, e.weight + " objects in step, median delay " + fmtDelay(e.median_delay_seconds) +
            (e.expected !== null ? ", " + e.expected.toFixed(2) + " expected by chance, p = " + fmtP(e.p_value) : "") +
            (e.window_seconds !== null ? " (window " + e.window_seconds + " s)" : "")));
          panel.appendChild(table(["object", a.actor, b.actor, "text"], e.evidence.map(function (r) {
            var text = r[3] || "";
            if (r[4] && r[4] !== r[3]) text += (text ? "\n\u2014 " : "") + r[4];
            return [r[0], fmtTime(r[1]), fmtTime(r[2]), text];
          })));
          timeline(tlSvg, g.timeline, e.evidence.map(function (r) { return r[1]; }).concat(e.evidence.map(function (r) { return r[2]; })));
        });
      });
      view.appendChild(line);
    });
    var circles = [];
    net.nodes.forEach(function (n, i) {
      var c = svgEl("circle", { cx: px(n), cy: py(n), r: 10, tabindex: 0,
        "class": n.evidence === "group" ? "by-group" : "" });
      c.appendChild(svgEl("title")).textContent = n.actor;
      function show() {
        select(c, function () {
          panel.appendChild(el("h4", {}, n.actor));
          var how = n.evidence === "group" ? "admitted by the group test" :
            n.evidence === "pairs+group" ? "linked by significant pairs and the group test" : "linked by significant pairs";
          panel.appendChild(el("p", {}, how + "; " + n.degree + " links, " + n.actions + " actions in the log" +
            (n.observed !== null && n.observed !== undefined ? "; " + n.observed + " of the group's objects in step, " +
              (n.expected !== null ? n.expected.toFixed(2) : "-") + " expected, p = " + fmtP(n.p_value) : "")));
          panel.appendChild(table(["object", "time", "text"], n.acted.map(function (r) {
            return [r[0], fmtTime(r[1]), r[2] || ""];
          })));
          timeline(tlSvg, g.timeline, n.acted.map(function (r) { return r[1]; }));
        }, linesOf[i]);
      }
      c.addEventListener("click", function (ev) { ev.stopPropagation(); show(); });
      c.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); show(); } });
      circles.push(c);
    });
    // The most central members drawn last, on top of the others.
    for (var ci = circles.length - 1; ci >= 0; ci--) view.appendChild(circles[ci]);

    // Pan with one pointer, pinch-zoom with two, wheel to zoom around the cursor.
    var pointers = {}, last = null, pinch = null;
    function toSvg(ev) {
      var r = svg.getBoundingClientRect();
      return [(ev.clientX - r.left) / r.width * W, (ev.clientY - r.top) / r.height * H];
    }
    function zoomAt(p, f) {
      var nk = Math.max(0.2, Math.min(20, k * f));
      tx = p[0] - (p[0] - tx) * nk / k;
      ty = p[1] - (p[1] - ty) * nk / k;
      k = nk;
      apply();
    }
    svg.addEventListener("wheel", function (ev) { ev.preventDefault(); zoomAt(toSvg(ev), ev.deltaY < 0 ? 1.2 : 1 / 1.2); }, { passive: false });
    svg.addEventListener("pointerdown", function (ev) {
      if (ev.target !== svg) return;  // a click on a member or a link selects it
      pointers[ev.pointerId] = toSvg(ev);
      svg.setPointerCapture(ev.pointerId);
      svg.classList.add("dragging");
      last = toSvg(ev);
    });
    svg.addEventListener("pointermove", function (ev) {
      if (!(ev.pointerId in pointers)) return;
      pointers[ev.pointerId] = toSvg(ev);
      var ids = Object.keys(pointers);
      if (ids.length === 2) {
        var p = pointers[ids[0]], q = pointers[ids[1]];
        var d = Math.hypot(p[0] - q[0], p[1] - q[1]);
        if (pinch) zoomAt([(p[0] + q[0]) / 2, (p[1] + q[1]) / 2], d / pinch);
        pinch = d;
      } else if (last) {
        var now = toSvg(ev);
        tx += now[0] - last[0];
        ty += now[1] - last[1];
        last = now;
        apply();
      }
    });
    function up(ev) {
      delete pointers[ev.pointerId];
      pinch = null;
      last = null;
      svg.classList.remove("dragging");
    }
    svg.addEventListener("pointerup", up);
    svg.addEventListener("pointercancel", up);
    var tools = el("div", { "class": "tools" });
    [["+", "zoom in", function () { zoomAt([W / 2, H / 2], 1.4); }],
     ["\u2212", "zoom out", function () { zoomAt([W / 2, H / 2], 1 / 1.4); }],
     ["\u27f2", "reset view", function () { k = 1; tx = 0; ty = 0; apply(); }]].forEach(function (t) {
      var b = el("button", { type: "button", title: t[1], "aria-label": t[1] }, t[0]);
      b.addEventListener("click", t[2]);
      tools.appendChild(b);
    });
    var stage = el("div", { "class": "stage" });
    stage.appendChild(tools);
    stage.appendChild(svg);
    fig.insertBefore(stage, fig.querySelector(".legend"));
    // Members 12 to 20 px across on any screen (the drawing scales down on a phone).
    var box = svg.getBoundingClientRect();
    var unit = box.width && box.height ? Math.max(W / box.width, H / box.height) : 1;
    circles.forEach(function (c, i) {
      var score = Math.max(0, Math.min(1, net.nodes[i].score || 0));
      c.setAttribute("r", ((6 + 4 * score) * unit).toFixed(1));
    });
    apply();
  }

  function pager(tbl) {
    var size = parseInt(tbl.getAttribute("data-page-size"), 10) || 50;
    var rows = Array.prototype.slice.call(tbl.tBodies[0].rows);
    if (rows.length <= size) return;
    var page = 0, pages = Math.ceil(rows.length / size);
    var bar = el("div", { "class": "pager" });
    var prev = bar.appendChild(el("button", { type: "button" }, "\u2039 previous"));
    var label = bar.appendChild(el("span"));
    var next = bar.appendChild(el("button", { type: "button" }, "next \u203a"));
    function show() {
      rows.forEach(function (r, i) { r.hidden = Math.floor(i / size) !== page; });
      label.textContent = "groups " + (page * size + 1) + "\u2013" + Math.min(rows.length, (page + 1) * size) + " of " + rows.length;
      prev.disabled = page === 0;
      next.disabled = page === pages - 1;
    }
    prev.addEventListener("click", function () { page = Math.max(0, page - 1); show(); });
    next.addEventListener("click", function () { page = Math.min(pages - 1, page + 1); show(); });
    tbl.parentNode.parentNode.insertBefore(bar, tbl.parentNode.nextSibling);
    show();
  }

  Array.prototype.forEach.call(document.querySelectorAll(".netview[data-group]"), network);
  Array.prototype.forEach.call(document.querySelectorAll("table[data-page-size]"), pager);
})();
