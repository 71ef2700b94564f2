// Live SLA countdowns in the agent workspace: "due in 2 h 5 min" / "overdue by 40 min".
(function () {
  function label(el) {
    var due = Date.parse(el.dataset.due);
    if (isNaN(due)) return;
    var diff = due - Date.now();
    var minutes = Math.round(Math.abs(diff) / 60000);
    var text = (minutes >= 60 ? Math.floor(minutes / 60) + " h " : "") + (minutes % 60) + " min";
    el.textContent = (diff < 0 ? el.dataset.overdueLabel : el.dataset.leftLabel) + " " + text;
    el.classList.toggle("overdue", diff < 0);
  }
  function tick() { document.querySelectorAll("time[data-due]").forEach(label); }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 30000);
})();
