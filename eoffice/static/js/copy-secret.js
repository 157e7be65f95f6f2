// "Sao chép" next to a secret shown once (an admin's temporary password): copies the
// text of the element named by data-copy-target. The button stays hidden where the
// Clipboard API is unavailable (plain HTTP other than localhost); selecting the text
// by double-click still works there.
(() => {
  if (!navigator.clipboard || !window.isSecureContext) return;
  document.querySelectorAll("button[data-copy-target]").forEach((button) => {
    const target = document.getElementById(button.dataset.copyTarget);
    if (!target) return;
    const label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(target.textContent.trim()).then(() => {
        button.textContent = button.dataset.copiedLabel || label;
        window.setTimeout(() => {
          button.textContent = label;
        }, 2000);
      });
    });
  });
})();
