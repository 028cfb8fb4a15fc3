// Writing page: live checks while typing, character counters, and drafts that are never lost
// (saved in the browser at every keystroke, and on the server every few seconds).
(function () {
  "use strict";
  var form = document.getElementById("pair-form");
  if (!form) { return; }
  var findings = document.getElementById("findings");
  var status = document.getElementById("autosave-status");
  var storageKey = form.dataset.storageKey;
  // Keys are "moisson-draft-<person>-<pair or new>": per person, so a shared browser never mixes accounts.
  var storagePrefix = form.dataset.storagePrefix;
  var newPairKey = storagePrefix + "new";
  var fields = ["question", "context", "answer", "task_type", "domain", "level", "final_answer"];
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

  function readLocally(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function forgetLocally(key) {
    try { localStorage.removeItem(key); } catch (e) { /* storage disabled */ }
  }

  function restoreLocally() {
    var saved = readLocally(storageKey);
    if (!saved || !saved.data) { return; }
    // A copy made after the server's last save holds what the server never received (the tab crashed
    // between two autosaves): it wins. An older copy only fills what the server did not give back.
    var newer = saved.at > parseInt(form.dataset.serverSavedAt || "0", 10) * 1000;
    var restored = false;
    fields.forEach(function (name) {
      var el = field(name);
      var value = saved.data[name];
      if (el && value && el.value !== value && (newer || !el.value)) { el.value = value; restored = true; }
    });
    if (restored && status) { status.textContent = form.dataset.restoredText || "Texte restauré depuis ce navigateur."; }
  }

  // A new pair is kept under the "new" key until the server gives it an id (a draft saved with the button,
  // a refused submission). Once this page shows that very text, the copy would only fill the next new pair.
  function forgetNewCopyTheServerHas() {
    if (!form.querySelector("[name=pair]").value) { return; }
    var fresh = readLocally(newPairKey);
    if (!fresh || !fresh.data) { return; }
    var same = ["question", "answer"].every(function (name) {
      return (fresh.data[name] || "").trim() === field(name).value.trim();
    });
    if (same) { forgetLocally(newPairKey); }
  }

  function updateCounter(el) {
    var counter = form.querySelector("[data-counter-for='" + el.id + "']");
    if (!counter) { return; }
    var max = parseInt(el.getAttribute("maxlength") || "0", 10);
    var length = el.value.trim().length;
    counter.textContent = max ? length + " / " + max : String(length);
    counter.classList.toggle("over", max > 0 && length > max);
  }

  function post(url, onDone, onFail) {
    var body = new FormData(form);
    var request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("X-CSRFToken", csrf());
    request.onload = function () {
      if (request.status === 200) { onDone(request); } else if (onFail) { onFail(request.status); }
    };
    request.onerror = function () { if (onFail) { onFail(0); } };
    request.send(body);
  }

  // Answers after which asking again later may work: no answer at all (network, restart), too many checks
  // at once, a crowd (503) or a gateway waiting for the server.
  var TRY_AGAIN = [0, 429, 502, 503, 504];

  function liveCheck() {
    post(form.dataset.checkUrl, showFindings, function (code) {
      // Otherwise the findings would wait for the next keystroke; one typed meanwhile asks at once anyway.
      if (TRY_AGAIN.indexOf(code) === -1) { return; }
      clearTimeout(checkTimer);
      checkTimer = setTimeout(liveCheck, 5000);
    });
  }

  function showFindings(request) { findings.innerHTML = request.responseText; }

  function autosave() {
    if (form.dataset.autosave !== "on" || !dirty) { return; }
    if (!field("question").value.trim() && !field("answer").value.trim()) { return; }
    dirty = false;
    post(form.dataset.autosaveUrl, autosaved, function () {
      // The server did not get it (network, restart): the browser copy is safe; try again shortly.
      dirty = true;
      clearTimeout(saveTimer);
      saveTimer = setTimeout(autosave, 15000);
    });
  }

  function autosaved(request) {
    var answer = JSON.parse(request.responseText);
    if (!answer.saved) { return; }
    var idField = form.querySelector("[name=pair]");
    if (!idField.value) {
      idField.value = answer.pair;
      form.setAttribute("action", answer.edit_url);
      history.replaceState(null, "", answer.edit_url);
      // The text now belongs to this pair: keep the browser copy under the key its edit page reads,
      // so a reload finds what is typed next, and a new writing page starts empty.
      forgetLocally(storageKey);
      storageKey = storagePrefix + answer.pair;
      keepLocally();
    }
    if (status) { status.textContent = (form.dataset.savedText || "Brouillon enregistré à ") + answer.saved_at; }
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

  // The final answer is asked only for the task types whose answer ends in a short, checkable result.
  var finalAnswer = field("final_answer");
  var finalAnswerBox = document.getElementById("final-answer-field");
  function showFinalAnswer() {
    if (!finalAnswer || !finalAnswerBox) { return; }
    var wanted = (finalAnswer.dataset.taskTypes || "").split(" ");
    finalAnswerBox.hidden = wanted.indexOf(field("task_type").value) === -1 && !finalAnswer.value;
  }
  if (finalAnswer) {
    field("task_type").addEventListener("change", showFinalAnswer);
    showFinalAnswer();
  }

  forgetNewCopyTheServerHas();
  restoreLocally();
  form.querySelectorAll("[data-live-check]").forEach(updateCounter);
})();
