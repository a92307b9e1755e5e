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

  var compare = document.getElementById("compare");
  if (compare) compare.addEventListener("submit", function (ev) {
    ev.preventDefault();
    window.location.href = "/compare?a=" + encodeURIComponent(compare.elements.a.value) +
      "&b=" + encodeURIComponent(compare.elements.b.value);
  });
})();
