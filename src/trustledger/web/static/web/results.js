// Survey report print layout: reveal the "Print / save as PDF" button (it needs JavaScript;
// without it, the browser's own Print menu does the same).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
