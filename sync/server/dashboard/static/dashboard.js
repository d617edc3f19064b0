// The dashboard's one script (the CSP allows no inline script). Progressive enhancement only:
// every page works without it.
// - table#onsite: live on-site board. Server-sent events say "changed"; the rows are then
//   fetched from data-rows and swapped in. Without EventSource, or when its stream fails, the
//   rows are fetched every data-fallback seconds instead.
// - table#rollcall: an emergency's live roll call, the same way; when the fresh rows belong to
//   another incident (it started or ended meanwhile: data-incident) the page is reloaded.
// - select.autosubmit: submits its form when changed.
"use strict";
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function liveBoard(table) {
    var state = document.getElementById("live-state");
    var fallback = (parseInt(table.dataset.fallback, 10) || 5) * 1000;
    var timer = null;
    var busy = false;

    function show(which) {
      if (state) state.textContent = state.dataset[which] || state.textContent;
    }

    function refresh() {
      if (busy) return;
      busy = true;
      fetch(table.dataset.rows, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) {
          if (r.redirected || r.status === 401 || r.status === 403) {
            window.location.reload();
            return null;
          }
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (!html) return;
          var holder = document.createElement("table");
          holder.innerHTML = html;
          var fresh = holder.querySelector("tbody");
          var old = table.tBodies[0];
          if (!fresh || !old) return;
          if (fresh.dataset.incident !== old.dataset.incident) window.location.reload();
          else old.replaceWith(fresh);
        })
        .catch(function () {})
        .then(function () { busy = false; });
    }

    function poll() {
      if (timer) return;
      show("polling");
      timer = window.setInterval(refresh, fallback);
    }

    if (!("EventSource" in window)) {
      poll();
      return;
    }
    var source = new EventSource(table.dataset.events);
    var failures = 0;
    source.addEventListener("hello", function () {
      failures = 0;
      show("ok");
      refresh(); // whatever changed between the page's render and the stream's start
    });
    source.addEventListener("changed", refresh);
    source.addEventListener("error", function () {
      failures += 1;
      if (failures >= 3) {  // the stream keeps failing (a proxy that buffers it): poll
        source.close();
        poll();
      }
    });
  }

  ready(function () {
    ["onsite", "rollcall"].forEach(function (id) {
      var table = document.getElementById(id);
      if (table) liveBoard(table);
    });
    document.querySelectorAll("select.autosubmit").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  });
})();
