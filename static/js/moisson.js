// Site-wide behaviour, kept tiny: forget the browser copies of drafts the server has safely received,
// and every copy of every draft when someone logs out (the next person on this browser must not see them).
(function () {
  "use strict";
  document.querySelectorAll("[data-clear-drafts]").forEach(function (el) {
    el.dataset.clearDrafts.split(" ").forEach(function (key) {
      try { localStorage.removeItem(key); } catch (e) { /* storage disabled */ }
    });
  });
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function () {
      try {
        Object.keys(localStorage).forEach(function (key) {
          if (key.indexOf("moisson-draft-") === 0) { localStorage.removeItem(key); }
        });
      } catch (e) { /* storage disabled */ }
    });
  });
})();
