// Writing page: live checks while typing, character counters, and drafts that are never lost
// (saved in the browser at every keystroke, and on the server every few seconds).
(function () {
  "use strict";
  var form = document.getElementById("pair-form");
  if (!form) { return; }
  var findings = document.getElementById("findings");
  var status = document.getElementById("autosave-status");
  var storageKey = form.dataset.storageKey;
  var fields = ["question", "context", "answer", "task_type", "domain", "level"];
  var checkTimer = null;
  var saveTimer = null;
  var dirty = false;

  function csrf() { return form.querySelector("[name=csrfmiddlewaretoken]").value; }
  function field(name) { return form.querySelector("[name=" + name + "]"); }

  function snapshot() {
    var data = {};
    fields.forEach(function (name) { var el = field(name); if (el) { data[name] = el.value; } });
    return data;
  }

  function keepLocally() {
    try { localStorage.setItem(storageKey, JSON.stringify({ at: Date.now(), data: snapshot() })); } catch (e) { /* storage full or disabled */ }
  }

  function restoreLocally() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.data) { return; }
    var restored = false;
    fields.forEach(function (name) {
      var el = field(name);
      // Only fill what the server did not give back: the server's copy wins when both exist.
      if (el && !el.value && saved.data[name]) { el.value = saved.data[name]; restored = true; }
    });
    if (restored && status) { status.textContent = form.dataset.restoredText || "Texte restauré depuis ce navigateur."; }
  }

  function updateCounter(el) {
    var counter = form.querySelector("[data-counter-for='" + el.id + "']");
    if (!counter) { return; }
    var max = parseInt(el.getAttribute("maxlength") || "0", 10);
    var length = el.value.trim().length;
    counter.textContent = max ? length + " / " + max : String(length);
    counter.classList.toggle("over", max > 0 && length > max);
  }

  function post(url, onDone) {
    var body = new FormData(form);
    var request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("X-CSRFToken", csrf());
    request.onload = function () { if (request.status === 200) { onDone(request); } };
    request.send(body);
  }

  function liveCheck() {
    post(form.dataset.checkUrl, function (request) { findings.innerHTML = request.responseText; });
  }

  function autosave() {
    if (form.dataset.autosave !== "on" || !dirty) { return; }
    if (!field("question").value.trim() && !field("answer").value.trim()) { return; }
    dirty = false;
    post(form.dataset.autosaveUrl, function (request) {
      var answer = JSON.parse(request.responseText);
      if (!answer.saved) { return; }
      var idField = form.querySelector("[name=pair]");
      if (!idField.value) {
        idField.value = answer.pair;
        form.setAttribute("action", answer.edit_url);
        history.replaceState(null, "", answer.edit_url);
      }
      if (status) { status.textContent = (form.dataset.savedText || "Brouillon enregistré à ") + answer.saved_at; }
    });
  }

  form.addEventListener("input", function (event) {
    dirty = true;
    keepLocally();
    if (event.target.dataset.liveCheck) { updateCounter(event.target); }
    clearTimeout(checkTimer);
    checkTimer = setTimeout(liveCheck, 600);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(autosave, 3000);
  });

  form.addEventListener("submit", function () { keepLocally(); });

  restoreLocally();
  form.querySelectorAll("[data-live-check]").forEach(updateCounter);
})();
