// The calendar's dialogs (the new-appointment form, fetched by htmx with the `open` attribute):
// made modal once shown (focus kept inside, Escape closes), removed when closed, and closed when a
// change to the calendar has been saved (the `calendar-changed` event of the 204 answer).
(function () {
  var SELECTOR = "dialog.appointment-dialog";

  function makeModal(dialog) {
    if (dialog.dataset.modal) return;
    dialog.dataset.modal = "true";
    document.querySelectorAll(SELECTOR).forEach(function (other) {
      if (other !== dialog) other.remove();
    });
    if (typeof dialog.showModal === "function") {
      dialog.removeAttribute("open");  // shown as a plain dialog by the markup: show it again as a modal one
      dialog.showModal();
    }
    dialog.addEventListener("close", function () { dialog.remove(); });
  }

  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    if (root.matches && root.matches(SELECTOR)) makeModal(root);
    if (root.querySelectorAll) root.querySelectorAll(SELECTOR).forEach(makeModal);
  });
  document.body.addEventListener("calendar-changed", function () {
    document.querySelectorAll(SELECTOR).forEach(function (dialog) { dialog.close(); });
  });
})();
