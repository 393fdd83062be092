// Single-key shortcuts of the possible-duplicates review page (docs/identity.md).
// N: next pair, S: same youth (focus the reason), D: not the same (send), U: not sure (focus
// the note); Ctrl+Enter in a note sends its form. Keys typed in a text field, or with Alt, Ctrl
// or Meta held, are left alone, so typing and the browser's and screen readers' own keys keep
// working; the shortcuts can be turned off (remembered on this device). Without JavaScript the
// page works with Tab and Enter.
(function () {
  "use strict";
  var STORE = "heatwatch.identity.shortcuts";
  var toggle = document.getElementById("shortcuts-toggle");
  var box = document.getElementById("shortcuts-on");
  function enabled() {
    try { return window.localStorage.getItem(STORE) !== "off"; } catch (e) { return true; }
  }
  if (toggle && box) {
    toggle.hidden = false;
    box.checked = enabled();
    box.addEventListener("change", function () {
      try { window.localStorage.setItem(STORE, box.checked ? "on" : "off"); } catch (e) { /* private mode */ }
    });
  }
  function typing(target) {
    if (!target) { return false; }
    var tag = (target.tagName || "").toLowerCase();
    return tag === "textarea" || tag === "select" || target.isContentEditable ||
      (tag === "input" && ["checkbox", "radio", "button", "submit"].indexOf(target.type) < 0);
  }
  function focusNote(formId) {
    var form = document.getElementById(formId);
    var note = form && form.querySelector("textarea");
    if (note) { note.focus(); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target &&
        event.target.tagName && event.target.tagName.toLowerCase() === "textarea") {
      var form = event.target.form;
      if (form) { event.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit(); }
      return;
    }
    if (!enabled() || event.altKey || event.ctrlKey || event.metaKey || event.repeat) { return; }
    if (typing(event.target)) { return; }
    var key = (event.key || "").toLowerCase();
    if (key === "n") {
      var next = document.getElementById("queue-next");
      if (next) { event.preventDefault(); next.click(); }
    } else if (key === "s") {
      event.preventDefault(); focusNote("answer-same-form");
    } else if (key === "u") {
      event.preventDefault(); focusNote("answer-unsure-form");
    } else if (key === "d") {
      var button = document.getElementById("answer-not-same");
      if (button) { event.preventDefault(); button.click(); }
    }
  });
}());
