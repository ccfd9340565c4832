// The calendar's drag and drop: drop an appointment block on a cell to move it there; and an empty
// cell, clicked or entered, opens the new-appointment form in a dialog rather than as a page. A small layer
// over links and forms: without it every block still opens its page, whose "change time" form does
// the same (WCAG 2.2 SC 2.5.7). Posts through htmx with the calendar's own URL: a move's answer swaps
// the columns it changed out of band (and says so above the grid); a 409's answer is shown above the
// grid, and the grid reloads itself on the server's "calendar-changed" event (hx-trigger on #calendar).
(function () {
  "use strict";
  var dragged = null;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  document.addEventListener("dragstart", function (event) {
    var block = event.target.closest && event.target.closest(".block[data-move-url]");
    if (!block) return;
    dragged = block;
    block.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.dataset.moveUrl);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
  });

  function cellAt(event) {
    return event.target.closest && event.target.closest(".cal .cell[data-time]");
  }

  document.addEventListener("dragover", function (event) {
    if (dragged && cellAt(event)) event.preventDefault();
  });

  document.addEventListener("dragenter", function (event) {
    var cell = dragged && cellAt(event);
    if (cell) cell.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var cell = cellAt(event);
    if (cell) cell.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var cell = dragged && cellAt(event);
    if (!cell) return;
    event.preventDefault();
    cell.classList.remove("drop-target");
    var block = dragged;
    var column = cell.closest(".cal-col");  // a cell's provider and date are its column's
    var calendar = document.getElementById("calendar");
    dragged = null;  // its column is about to be swapped: its dragend may never reach the document
    block.classList.remove("dragging");
    htmx.ajax("POST", block.dataset.moveUrl, {
      source: cell,
      target: "#calendar-answer",
      swap: "innerHTML",
      headers: { "X-CSRFToken": csrfToken() },
      values: {
        starts_on: column.dataset.date,
        starts_at: cell.dataset.time,
        provider_id: column.dataset.providerId,
        duration_minutes: block.dataset.duration,
        version: block.dataset.version,
        notify: "y",
        calendar: calendar ? calendar.getAttribute("hx-get") : "",
        csrf_token: csrfToken()
      }
    });
  });

  document.addEventListener("click", function (event) {
    var cell = event.target.closest && event.target.closest("a.cell[href]");
    if (!cell || !window.htmx || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    htmx.ajax("GET", cell.getAttribute("href"), { source: cell, target: "body", swap: "beforeend" });
  });
})();
