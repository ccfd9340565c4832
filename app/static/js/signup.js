// The sign-up form's time zone starts at the browser's own, when the list has it.
(function () {
  var select = document.querySelector("select[data-guess-zone]");
  if (!select || !window.Intl) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) select.value = zone;
})();
