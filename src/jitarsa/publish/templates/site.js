// jitarsa site: a language switch and a sortable, filterable member table.
// Everything works without this script; it only hides and reorders what the page already has.
(function () {
  "use strict";
  var root = document.documentElement;

  function show(lang) {
    root.setAttribute("data-show", lang);
    if (lang !== "both") root.lang = lang;
    else root.lang = "th";
    document.querySelectorAll(".switch button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-show") === lang));
    });
    try { localStorage.setItem("jitarsa-lang", lang); } catch (e) { /* file:// or private mode */ }
  }

  function normal(text) {
    return text.normalize("NFC").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function filterTable(table, input, count) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    function apply() {
      var query = normal(input.value), shown = 0;
      rows.forEach(function (row) {
        var match = !query || normal(row.textContent).indexOf(query) !== -1;
        row.hidden = !match;
        if (match) shown += 1;
      });
      count.textContent = shown + " / " + rows.length;
    }
    input.addEventListener("input", apply);
    apply();
  }

  function sortable(table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") === "ascending";
        var numeric = th.getAttribute("data-sort") === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column].textContent.trim(), y = b.cells[column].textContent.trim();
          var order = numeric ? Number(x) - Number(y) : x.localeCompare(y, "th");
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var saved = null;
    try { saved = localStorage.getItem("jitarsa-lang"); } catch (e) { /* no storage */ }
    document.querySelectorAll(".switch").forEach(function (s) { s.hidden = false; });
    document.querySelectorAll(".switch button").forEach(function (b) {
      b.addEventListener("click", function () { show(b.getAttribute("data-show")); });
    });
    if (saved === "th" || saved === "en" || saved === "both") show(saved);
    document.querySelectorAll("table.sortable").forEach(sortable);
    var filter = document.querySelector(".filter");
    var table = document.getElementById("member-table");
    if (filter && table) {
      filter.hidden = false;
      filterTable(table, document.getElementById("filter"), document.getElementById("filter-count"));
    }
  });
}());
