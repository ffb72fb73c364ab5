// The homeroom teacher's review: "select all" for the batch, and a refused review (400, e.g. a
// rejection without its reason) swapped in place like a success, so the error shows on the card.
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-pick-all]")) return;
  for (const box of document.querySelectorAll('input[name="selected"][form="batch"]')) {
    box.checked = event.target.checked;
  }
});
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// One answer at a time: the previous card's "approved" line goes when the next review is sent.
document.addEventListener("htmx:beforeRequest", () => {
  for (const note of document.querySelectorAll('article [role="status"]')) note.remove();
});
