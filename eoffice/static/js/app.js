// eoffice: small progressive enhancements; every page works without them.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// A known sender picked or typed in full fills in its agency code (mã định danh).
// The input names its code field in data-code-field; each <option> of its datalist
// carries data-code. A code the clerk typed is never overwritten; the server finds
// the code by itself when the field is left empty.
const sameName = (a, b) =>
  a.normalize("NFC").trim().toLocaleLowerCase("vi") === b.normalize("NFC").trim().toLocaleLowerCase("vi");

document.addEventListener("input", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement)) return;
  if (input.dataset.autofilled) {
    delete input.dataset.autofilled; // the clerk is typing a code of their own
    return;
  }
  const codeField = input.dataset.codeField && document.getElementById(input.dataset.codeField);
  if (!codeField || !input.list) return;
  const known = Array.from(input.list.options).find((option) => sameName(option.value, input.value));
  if (known && (codeField.value === "" || codeField.dataset.autofilled)) {
    codeField.value = known.dataset.code || "";
    codeField.dataset.autofilled = "1";
  } else if (!known && codeField.dataset.autofilled) {
    codeField.value = "";
    delete codeField.dataset.autofilled;
  }
});
