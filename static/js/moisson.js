// Site-wide behaviour, kept tiny: forget the browser copies of drafts the server has safely received.
(function () {
  "use strict";
  document.querySelectorAll("[data-clear-drafts]").forEach(function (el) {
    el.dataset.clearDrafts.split(" ").forEach(function (key) {
      try { localStorage.removeItem(key); } catch (e) { /* storage disabled */ }
    });
  });
})();
