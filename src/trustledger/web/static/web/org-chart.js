// Org chart: expand/collapse all, a filter that highlights people and opens the path to them,
// and opening the path to a #p-<id> anchor. Plain DOM, no framework; the page works without it.
(function () {
  "use strict";
  var chart = document.getElementById("org-chart");
  if (!chart) return;
  var input = document.getElementById("chart-filter");
  var form = document.getElementById("chart-filter-form");
  var status = document.getElementById("chart-status");
  var controls = document.getElementById("chart-controls");
  var nodes = Array.prototype.slice.call(chart.querySelectorAll("li.node"));
  var allDetails = Array.prototype.slice.call(chart.querySelectorAll("details"));
  var initiallyOpen = allDetails.map(function (d) { return d.open; });
  var timer = null;

  function openPathTo(element) {
    for (var el = element.parentElement; el && el !== chart; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
  }

  function setAll(open) {
    allDetails.forEach(function (d) { d.open = open; });
  }

  function filter(text) {
    var needle = text.trim().toLocaleLowerCase();
    nodes.forEach(function (li) { li.classList.remove("match"); });
    if (!needle) {
      allDetails.forEach(function (d, i) { d.open = initiallyOpen[i]; });
      status.textContent = "";
      return [];
    }
    setAll(false);
    var found = nodes.filter(function (li) { return li.dataset.search.indexOf(needle) !== -1; });
    found.forEach(function (li) { li.classList.add("match"); openPathTo(li); });
    status.textContent = found.length === 0
      ? "Nobody matches “" + text.trim() + "”."
      : found.length + (found.length === 1 ? " person matches" : " people match") + " “" + text.trim() + "”.";
    return found;
  }

  function showFirst(found) {
    if (!found.length) return;
    found[0].scrollIntoView({ block: "center" });
    var link = found[0].querySelector(".node-name");
    if (link) link.focus({ preventScroll: true });
  }

  function showAnchor() {
    if (!location.hash) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && chart.contains(target)) {
      openPathTo(target);
      target.scrollIntoView({ block: "center" });
    }
  }

  controls.hidden = false;
  controls.addEventListener("click", function (event) {
    var action = event.target.getAttribute("data-chart");
    if (action === "expand") setAll(true);
    if (action === "collapse") setAll(false);
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { filter(input.value); }, 120);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    showFirst(filter(input.value));
  });
  window.addEventListener("hashchange", showAnchor);
  if (input.value) filter(input.value);
  showAnchor();
})();
