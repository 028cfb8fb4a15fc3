// Review page shortcuts: A approve, R reject, 1–5 rate correctness then French quality, S skip,
// Ctrl+Enter send; on the tally page, N goes to the next pair. Keys typed in a text field are left alone.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  var skipForm = document.getElementById("skip-form");
  var nextLink = document.getElementById("next-link");
  var reasons = document.getElementById("reasons");
  var ratingOrder = ["correctness", "fluency"];
  var activeRating = 0;

  function typing(target) {
    var tag = target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "radio" && target.type !== "checkbox");
  }

  function choose(name, value) {
    var input = form.querySelector("input[name=" + name + "][value='" + value + "']");
    if (input) {
      // Focus first: moving the focus picks the rating group, then the change moves on to the next one.
      input.focus();
      input.checked = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    return input;
  }

  function showReasons() {
    if (!reasons) { return; }
    var reject = form.querySelector("input[name=verdict][value=reject]");
    // Without JavaScript the reasons are always visible; with it, only when rejecting.
    reasons.hidden = !(reject && reject.checked);
  }

  function digit(event) {
    var match = /^(?:Digit|Numpad)([1-5])$/.exec(event.code || "");
    if (match) { return match[1]; }
    return /^[1-5]$/.test(event.key) ? event.key : null;
  }

  if (form) {
    showReasons();
    form.addEventListener("change", function (event) {
      if (event.target.name === "verdict") { showReasons(); }
      var index = ratingOrder.indexOf(event.target.name);
      if (index !== -1) { activeRating = Math.min(index + 1, ratingOrder.length - 1); }
    });
    form.addEventListener("focusin", function (event) {
      var index = ratingOrder.indexOf(event.target.name);
      if (index !== -1) { activeRating = index; }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.metaKey) { return; }
    if (form && event.ctrlKey && event.key === "Enter") {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (event.ctrlKey || typing(event.target)) { return; }
    var key = (event.key || "").toLowerCase();
    if (form && key === "a") {
      event.preventDefault();
      choose("verdict", "approve");
    } else if (form && key === "r") {
      event.preventDefault();
      choose("verdict", "reject");
      var firstReason = reasons && reasons.querySelector("input");
      if (firstReason) { firstReason.focus(); }
    } else if (form && digit(event)) {
      event.preventDefault();
      var name = ratingOrder[activeRating];
      choose(name, digit(event));
    } else if (skipForm && key === "s") {
      event.preventDefault();
      skipForm.requestSubmit();
    } else if (nextLink && key === "n") {
      event.preventDefault();
      window.location.href = nextLink.href;
    }
  });
})();
