// Sort and filter the tables of the IMS site (matrices, register, SoA) without any CDN.
// Runs on every page load, including Material's instant navigation (document$).
(function () {
  "use strict";

  // Clause IDs such as 5.10, A.5.9 and 8.3.4.1 sort by their numbers, not as text.
  var clausePattern = /^(?:[A-Z]\.)?\d+(?:\.\d+)*$/;
  Tablesort.extend("clause", function (item) {
    return clausePattern.test(item.trim());
  }, function (a, b) {
    var left = b.trim().replace(/^[A-Z]\./, function (p) { return (p.charCodeAt(0) - 64) * 1000 + "."; }).split(".");
    var right = a.trim().replace(/^[A-Z]\./, function (p) { return (p.charCodeAt(0) - 64) * 1000 + "."; }).split(".");
    for (var i = 0; i < Math.max(left.length, right.length); i++) {
      var x = parseInt(left[i] || "0", 10), y = parseInt(right[i] || "0", 10);
      if (x !== y) { return x - y; }
    }
    return 0;
  });

  function addFilter(table) {
    var wrapper = table.closest(".md-typeset__table") || table;
    var input = document.createElement("input");
    input.type = "search";
    input.className = "ims-table-filter";
    input.placeholder = "Filter rows";
    input.setAttribute("aria-label", "Filter table rows");
    input.addEventListener("input", function () {
      var needle = input.value.toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
    wrapper.parentNode.insertBefore(input, wrapper);
  }

  function setUp() {
    document.querySelectorAll("article table:not([data-ims-ready])").forEach(function (table) {
      // Without a header row (the control block: fields, not a list) there is nothing to sort.
      if (!table.tHead) { return; }
      table.dataset.imsReady = "1";  // not a class: Material styles only tables without one
      new Tablesort(table);
      if (table.tBodies[0] && table.tBodies[0].rows.length > 8) { addFilter(table); }
    });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(setUp);
  } else {
    document.addEventListener("DOMContentLoaded", setUp);
  }
})();
