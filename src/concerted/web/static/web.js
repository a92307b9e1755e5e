// concerted web app: uploads, runs, progress, labels, comparison. Strings from the server reach
// the page through textContent only.
(function () {
  "use strict";
  var HEADERS = { "X-Concerted": "1", "Content-Type": "application/json" };

  function showError(message) {
    var box = document.querySelector(".error");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    // At the top of the page, brought into view: an error must not happen out of sight.
    box.scrollIntoView({ block: "center" });
    box.focus({ preventScroll: true });
  }
  function answer(response) {
    return response.text().then(function (text) {
      var body = null;
      try { body = JSON.parse(text); } catch (e) { body = null; }
      if (!response.ok) throw new Error(body && body.error ? body.error.message : "HTTP " + response.status);
      return body;
    });
  }
  function post(url, data) {
    return fetch(url, { method: "POST", headers: HEADERS, body: JSON.stringify(data), credentials: "same-origin" }).then(answer);
  }

  var upload = document.getElementById("upload");
  if (upload) upload.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = upload.elements.file.files[0];
    if (!file) return;
    if (file.size > parseInt(upload.getAttribute("data-max-bytes"), 10)) {
      showError(file.name + " is larger than the upload limit.");
      return;
    }
    var bar = upload.querySelector("progress");
    bar.hidden = false;
    var xhr = new XMLHttpRequest();
    xhr.open("PUT", "/api/uploads/" + encodeURIComponent(file.name));
    xhr.setRequestHeader("X-Concerted", "1");
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = e.loaded / e.total; };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status >= 200 && xhr.status < 300) {
        var run = document.getElementById("new-run");
        if (run) run.elements.input.value = body.name;
        window.location.reload();
      } else {
        bar.hidden = true;
        showError(body && body.error ? body.error.message : "Upload failed (HTTP " + xhr.status + ").");
      }
    };
    xhr.onerror = function () { bar.hidden = true; showError("Upload failed: the server did not answer."); };
    xhr.send(file);
  });

  var runForm = document.getElementById("new-run");
  if (runForm) runForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    post("/api/runs", {
      command: runForm.elements.command.value,
      input: runForm.elements.input.value,
      options: runForm.elements.options.value
    }).then(function (run) { window.location.href = "/runs/" + encodeURIComponent(run.id); })
      .catch(function (e) { showError(e.message); });
  });

  function send(method, url) {
    return fetch(url, { method: method, headers: HEADERS, credentials: "same-origin" }).then(answer);
  }

  var status = document.getElementById("status");
  if (status && status.getAttribute("data-status") === "running") {
    var id = status.getAttribute("data-run");
    var created = parseFloat(status.getAttribute("data-created"));
    var elapsed = document.getElementById("elapsed");
    var tick = function () {
      var s = Math.max(0, Date.now() / 1000 - created);
      elapsed.textContent = "running for " + (s < 120 ? Math.round(s) + " s" : Math.floor(s / 60) + " min " + Math.round(s % 60) + " s");
    };
    tick();
    setInterval(tick, 1000);
    var timer = setInterval(function () {
      fetch("/api/runs/" + encodeURIComponent(id), { credentials: "same-origin" }).then(answer).then(function (run) {
        document.getElementById("log").textContent = run.log;
        // The share of the run done, as its last progress line says (none yet: the bar runs).
        var bar = document.getElementById("progress"), percent = document.getElementById("percent");
        if (bar && run.progress !== null && run.progress !== undefined) {
          bar.value = run.progress;
          percent.textContent = Math.round(100 * run.progress) + " %";
        }
        if (run.status !== "running") {
          clearInterval(timer);
          window.location.reload();
        }
      }).catch(function (e) { clearInterval(timer); showError(e.message); });
    }, 1000);
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.label"), function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var saved = form.querySelector(".saved");
      var url = "/api/runs/" + encodeURIComponent(form.getAttribute("data-run")) + "/groups/" +
        encodeURIComponent(form.getAttribute("data-group")) + "/label";
      post(url, { label: form.elements.label.value, note: form.elements.note.value })
        .then(function (l) { saved.textContent = "saved: " + l.label; })
        .catch(function (e) { saved.textContent = ""; showError(e.message); });
    });
  });

  var cancel = document.getElementById("cancel-run");
  if (cancel) cancel.addEventListener("click", function () {
    cancel.disabled = true;
    cancel.textContent = "Cancelling\u2026";
    send("POST", "/api/runs/" + encodeURIComponent(cancel.getAttribute("data-run")) + "/cancel")
      .catch(function (e) { cancel.disabled = false; cancel.textContent = "Cancel the run"; showError(e.message); });
  });

  // Deleting asks twice (a second click on the same button), without a dialog.
  var del = document.getElementById("delete-run");
  if (del) del.addEventListener("click", function () {
    if (del.getAttribute("data-armed") !== "1") {
      del.setAttribute("data-armed", "1");
      del.textContent = "Delete the run, its results and labels? Click again";
      return;
    }
    send("DELETE", "/api/runs/" + encodeURIComponent(del.getAttribute("data-run")))
      .then(function () { window.location.href = "/"; })
      .catch(function (e) { showError(e.message); });
  });

  // A table's facet picker: each option is the link of the view with that facet added.
  var addFacet = document.getElementById("add-facet");
  if (addFacet) {
    addFacet.selectedIndex = -1;
    addFacet.addEventListener("change", function () { window.location.href = addFacet.value; });
  }

  // A table's timeline: bars of the rows shown over time; drag across it to keep a span (the
  // view's time filter), zoom in or out around its middle, or go back to the whole span. Each
  // is a link to the view with the filter changed, so the server filters, counts and pages.
  var tlBlock = document.getElementById("timeline-data");
  var tlSvg = document.getElementById("timeline");
  if (tlBlock && tlSvg) {
    var tl = JSON.parse(tlBlock.textContent);
    var NS = "http://www.w3.org/2000/svg", TW = 600, TH = 110, BASE = 92;
    var mk = function (tag, attrs, text) {
      var e = document.createElementNS(NS, tag);
      for (var a in attrs) e.setAttribute(a, attrs[a]);
      if (text !== undefined) e.textContent = text;
      return e;
    };
    var iso = function (t) { return new Date(t * 1000).toISOString().replace(/\.\d+Z$/, "Z"); };
    var shown = function (t) { return iso(t).replace("T", " ").replace("Z", " UTC"); };
    var span = tl.end - tl.start, n = tl.counts.length, bw = TW / n;
    var top = Math.max.apply(null, tl.counts) || 1;
    tl.counts.forEach(function (c, i) {
      if (!c) return;
      var h = c / top * (BASE - 8);
      var bar = mk("rect", { "class": "bar", x: (i * bw).toFixed(1), y: (BASE - h).toFixed(1), width: Math.max(1, bw - 1).toFixed(1), height: h.toFixed(1) });
      bar.appendChild(mk("title", {}, c + " rows from " + shown(tl.start + i * span / n)));
      tlSvg.appendChild(bar);
    });
    tlSvg.appendChild(mk("text", { x: 0, y: TH - 4 }, shown(tl.start)));
    tlSvg.appendChild(mk("text", { x: TW, y: TH - 4, "text-anchor": "end" }, shown(tl.end)));
    var go = function (lo, hi) {
      var params = new URLSearchParams(window.location.search);
      [tl.column + "__gte", tl.column + "__lte", "_page"].forEach(function (k) { params.delete(k); });
      if (lo !== null) {
        params.set(tl.column + "__gte", iso(Math.floor(lo)));
        params.set(tl.column + "__lte", iso(Math.ceil(hi)));
      }
      var text = params.toString();
      window.location.href = window.location.pathname + (text ? "?" + text : "");
    };
    var zoom = function (f) {
      var mid = (tl.start + tl.end) / 2, half = Math.max(1, (tl.end - tl.start) * f / 2);
      var lo = Math.max(tl.all_start, mid - half), hi = Math.min(tl.all_end, mid + half);
      if (lo <= tl.all_start && hi >= tl.all_end) go(null, null); else go(lo, hi);
    };
    document.getElementById("tl-in").addEventListener("click", function () { zoom(0.5); });
    document.getElementById("tl-out").addEventListener("click", function () { zoom(2); });
    document.getElementById("tl-reset").addEventListener("click", function () { go(null, null); });
    var sel = null, from = null;
    var xOf = function (ev) {
      var r = tlSvg.getBoundingClientRect();
      return Math.max(0, Math.min(TW, (ev.clientX - r.left) / r.width * TW));
    };
    tlSvg.addEventListener("pointerdown", function (ev) {
      from = xOf(ev);
      tlSvg.setPointerCapture(ev.pointerId);
      if (sel) sel.remove();
      sel = tlSvg.appendChild(mk("rect", { "class": "sel", x: from, y: 0, width: 0, height: BASE }));
    });
    tlSvg.addEventListener("pointermove", function (ev) {
      if (from === null) return;
      var x = xOf(ev);
      sel.setAttribute("x", Math.min(x, from));
      sel.setAttribute("width", Math.abs(x - from));
    });
    tlSvg.addEventListener("pointerup", function (ev) {
      if (from === null) return;
      var a = Math.min(from, xOf(ev)), b = Math.max(from, xOf(ev));
      from = null;
      if (b - a < 3) { sel.remove(); sel = null; return; }  // a click, not a drag
      go(tl.start + a / TW * span, tl.start + b / TW * span);
    });
  }

  var compare = document.getElementById("compare");
  if (compare) compare.addEventListener("submit", function (ev) {
    ev.preventDefault();
    window.location.href = "/compare?a=" + encodeURIComponent(compare.elements.a.value) +
      "&b=" + encodeURIComponent(compare.elements.b.value);
  });
})();
