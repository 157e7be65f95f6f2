// The board's two modals (extend a deadline, return an answer) are shared by every row:
// the button that opens one says which request, school or answer it is about.
document.addEventListener("show.bs.modal", (event) => {
  const button = event.relatedTarget;
  if (!button) return;
  const modal = event.target;
  modal.querySelector("[data-refusal]")?.remove();
  const set = (name, value) => {
    const node = modal.querySelector(`[data-fill="${name}"]`);
    if (!node || value === undefined) return;
    if (name === "title") node.textContent = value;
    else if (name === "action") node.setAttribute("action", value);
    else node.value = value;
  };
  set("title", button.dataset.title);
  set("request", button.dataset.request);
  set("school", button.dataset.school);
  set("action", button.dataset.action);
});

// A refused extension or return comes back with its dialog marked: open it again, with
// the reason for the refusal and what the officer typed.
document.addEventListener("DOMContentLoaded", () => {
  for (const modal of document.querySelectorAll(".modal[data-reopen]")) {
    bootstrap.Modal.getOrCreateInstance(modal).show();
  }
});
