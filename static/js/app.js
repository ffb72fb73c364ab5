// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) {
    event.preventDefault();
  }
});

// Wide tables (.table-wrap) scroll sideways on a phone: a keyboard user reaches the scrolling
// region with Tab and scrolls it with the arrow keys; screen readers hear it as a named region.
(() => {
  const fallback = document.body ? document.body.dataset.tableLabel || "Table" : "Table";

  function labelFor(wrap) {
    const table = wrap.querySelector("table");
    const caption = table && table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    if (table && table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    const holder = wrap.closest("section, .card, main");
    const heading = holder && holder.querySelector("h1, h2, h3");
    if (heading && heading.textContent.trim()) return heading.textContent.trim();
    return fallback;
  }

  function enhance(wrap) {
    if (!wrap.hasAttribute("role")) wrap.setAttribute("role", "region");
    if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby")) {
      wrap.setAttribute("aria-label", labelFor(wrap));
    }
    if (!wrap.hasAttribute("tabindex")) wrap.setAttribute("tabindex", "0");
  }

  function enhanceAll(root) {
    root.querySelectorAll(".table-wrap").forEach(enhance);
  }

  enhanceAll(document);
  // Fragments swapped in by htmx get the same treatment.
  document.addEventListener("htmx:afterSettle", (event) => enhanceAll(event.target));
})();
