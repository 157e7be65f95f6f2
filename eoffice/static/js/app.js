// eoffice: small progressive enhancements; every page works without them.
// The page is marked so the stylesheet can place things that need script (the toasts).
document.documentElement.classList.add("js");

document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

// --- Success toasts ------------------------------------------------------------------
// base.html renders them visible (they are read without script too); here they float
// and hide themselves after data-bs-delay (10 s), pausing while hovered or focused.
// Screen readers seldom announce a live region whose words were already there when the
// page loaded: the words are put, once loaded, into the empty live region
// #toast-announcer (made here if the page has none), where they are heard as news.
const announce = (text) => {
  let region = document.getElementById("toast-announcer");
  if (!region) {
    region = document.createElement("div");
    region.id = "toast-announcer";
    region.className = "visually-hidden";
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-atomic", "true");
    document.body.append(region);
  }
  // A moment after load, so the region is known to the screen reader before it changes.
  window.setTimeout(() => {
    region.textContent = text;
  }, 500);
};

const startToasts = () => {
  const toasts = Array.from(document.querySelectorAll(".toast-stack .toast"));
  if (!toasts.length) return;
  const words = toasts.map((element) => (element.querySelector(".toast-body") || element).textContent.trim());
  announce(words.filter(Boolean).join(" "));
  if (!window.bootstrap) return;
  toasts.forEach((element) => {
    window.bootstrap.Toast.getOrCreateInstance(element).show();
  });
};

// --- Inline validation ---------------------------------------------------------------
// The browser's constraint validation (required, maxlength, min/max … written by the
// form macros from the WTForms validators), worded in Vietnamese and shown in the same
// `<div id="<field>-error" class="invalid-feedback">` the server uses. The server stays
// the authority: this only spares a round trip for what is plainly missing or too long.
const DATE = /^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{8})$/;
const TIME = /^\d{1,2}[:hH.]\d{2}(:\d{2})?$/;

const realDate = (text) => {
  let day;
  let month;
  let year;
  if (/^\d{4}-/.test(text)) [year, month, day] = text.split("-").map(Number);
  else if (/^\d{8}$/.test(text)) [day, month, year] = [text.slice(0, 2), text.slice(2, 4), text.slice(4)].map(Number);
  else [day, month, year] = text.split(/[/.-]/).map(Number);
  const d = new Date(year, month - 1, day);
  return d.getFullYear() === year && d.getMonth() === month - 1 && d.getDate() === day;
};

// dd/mm/yyyy (and the other forms eoffice/web/fields.py accepts), with a time for a
// date-and-time field; the year range is left to the server.
const dateProblem = (input) => {
  const kind = input.dataset.dateField;
  const text = input.value.trim();
  if (!kind || !text) return "";
  let datePart = text;
  if (kind === "datetime") {
    const match = text.match(/^(\S+?)(?:\s*[T,]\s*|\s+)(\S+)$/);
    if (!match || !TIME.test(match[2])) return input.dataset.msgInvalid;
    datePart = match[1];
  }
  return DATE.test(datePart) && realDate(datePart) ? "" : input.dataset.msgInvalid;
};

const isField = (element) =>
  (element instanceof HTMLInputElement || element instanceof HTMLSelectElement || element instanceof HTMLTextAreaElement) &&
  !["hidden", "submit", "button", "reset", "image"].includes(element.type) &&
  !element.disabled;

const messageFor = (input) => {
  const v = input.validity;
  const d = input.dataset;
  if (v.valueMissing) {
    if (d.msgRequired) return d.msgRequired;
    return input instanceof HTMLSelectElement || input.type === "checkbox" || input.type === "radio" || input.type === "file"
      ? "Vui lòng chọn."
      : "Bắt buộc nhập.";
  }
  if (v.badInput) return input.type === "number" ? "Phải là số." : "Giá trị không hợp lệ.";
  if (v.tooLong) return d.msgLength || `Tối đa ${input.maxLength} ký tự (đang có ${input.value.length}).`;
  if (v.tooShort) return d.msgLength || `Phải có ít nhất ${input.minLength} ký tự.`;
  if (v.rangeUnderflow) return d.msgRange || `Số phải lớn hơn hoặc bằng ${input.min}.`;
  if (v.rangeOverflow) return d.msgRange || `Số phải nhỏ hơn hoặc bằng ${input.max}.`;
  if (v.stepMismatch) return "Giá trị không hợp lệ.";
  if (v.typeMismatch) {
    if (input.type === "email") return "Địa chỉ thư điện tử không hợp lệ.";
    if (input.type === "url") return "Địa chỉ web không hợp lệ.";
    return "Giá trị không hợp lệ.";
  }
  if (v.patternMismatch) return input.title || "Giá trị không đúng định dạng.";
  return dateProblem(input) || "";
};

// The element after which a field's message goes: past its check box wrapper or input group.
const anchorOf = (input) => input.closest(".form-check, .input-group") || input;

const describedBy = (input, id, present) => {
  const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id);
  if (present) ids.push(id);
  if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
  else input.removeAttribute("aria-describedby");
};

const showProblem = (input, message) => {
  if (!input.id) return;
  const id = `${input.id}-error`;
  let feedback = document.getElementById(id);
  if (message) {
    if (!feedback) {
      feedback = document.createElement("div");
      feedback.id = id;
      feedback.className = "invalid-feedback";
      anchorOf(input).after(feedback);
    }
    feedback.textContent = message;
    feedback.classList.add("d-block");
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    describedBy(input, id, true);
  } else {
    if (feedback) feedback.remove();
    input.classList.remove("is-invalid");
    input.removeAttribute("aria-invalid");
    describedBy(input, id, false);
  }
};

// One field: the browser's checks plus the date format. A message the server wrote is
// left alone until the value changes.
const checkField = (input) => {
  if (!isField(input) || input.closest("[data-no-validate]")) return true;
  input.setCustomValidity(dateProblem(input) || "");
  const message = input.checkValidity() ? "" : messageFor(input);
  if (!message && input.dataset.serverValue !== undefined && input.value === input.dataset.serverValue) return true;
  showProblem(input, message);
  return !message;
};

// Fields the server refused keep their message until edited; note their value.
const noteServerErrors = () => {
  document.querySelectorAll('form [aria-invalid="true"], form .is-invalid').forEach((input) => {
    if (isField(input)) input.dataset.serverValue = input.value;
  });
};

// A field is judged when left after being changed (or while it shows a problem), not
// merely tabbed through: passing by an empty comment box is not a mistake.
const markEdited = (event) => {
  if (isField(event.target)) event.target.dataset.edited = "1";
};
document.addEventListener("input", markEdited);
document.addEventListener("change", markEdited);
document.addEventListener(
  "blur",
  (event) => {
    const input = event.target;
    if (!isField(input) || !input.form || input.form.hasAttribute("data-no-validate")) return;
    const changed = "defaultValue" in input && input.value !== input.defaultValue;
    if (input.dataset.edited || changed || input.classList.contains("is-invalid")) checkField(input);
  },
  true,
);

// Every form is checked by this script rather than the browser's own bubbles, which
// speak the browser's language; a form that opts out keeps neither.
const takeOverValidation = () => {
  document.querySelectorAll("form").forEach((form) => {
    if (!form.hasAttribute("data-no-validate")) form.noValidate = true;
  });
};

const validateForm = (form, submitter) => {
  if (form.hasAttribute("data-no-validate") || (submitter && submitter.formNoValidate)) return true;
  let first = null;
  Array.from(form.elements).forEach((input) => {
    // A field out of sight (a folded panel) is left to the server: its message could
    // not be seen, nor the field focused.
    if (!isField(input) || input.getClientRects().length === 0) return;
    delete input.dataset.serverValue; // submitting again: judge everything afresh
    if (!checkField(input) && !first) first = input;
  });
  if (first) first.focus();
  return !first;
};

// --- Confirmation before destructive actions -----------------------------------------
// A form or submit button with data-confirm="<question>" asks it in the one modal of
// base.html. Focus starts on "Quay lại": Enter confirms only once "Đồng ý" has the focus,
// Esc or "Quay lại" cancels, the modal keeps the focus inside while open.
const confirmed = new WeakSet();
let pending = null; // {form, submitter} waiting for the answer

const askToConfirm = (form, submitter, question) => {
  const element = document.getElementById("confirm-modal");
  if (!window.bootstrap || !element) return window.confirm(question);
  pending = { form, submitter, accepted: false };
  element.querySelector("#confirm-modal-text").textContent = question;
  window.bootstrap.Modal.getOrCreateInstance(element).show(submitter || undefined);
  return false;
};

const setUpConfirmModal = () => {
  const element = document.getElementById("confirm-modal");
  if (!element || !window.bootstrap) return;
  element.addEventListener("shown.bs.modal", () => element.querySelector("#confirm-modal-cancel").focus());
  element.querySelector("#confirm-modal-ok").addEventListener("click", () => {
    if (pending) pending.accepted = true;
    window.bootstrap.Modal.getInstance(element).hide();
  });
  element.addEventListener("hidden.bs.modal", () => {
    const answer = pending;
    pending = null;
    if (!answer) return;
    if (answer.accepted) {
      confirmed.add(answer.form);
      submitForm(answer.form, answer.submitter);
    } else {
      const back = answer.submitter || answer.form.querySelector('[type="submit"], button:not([type])');
      if (back) back.focus();
    }
  });
};

// A form sent on, through its submit event (validation, confirmation, the lock below).
// Browsers without requestSubmit (Safari before 16): a click on the button fires the
// same event; without a button, the event is fired here before the plain submit() that
// would skip it.
const submitForm = (form, submitter) => {
  if (typeof form.requestSubmit === "function") {
    form.requestSubmit(submitter || undefined);
  } else if (submitter) {
    submitter.click();
  } else if (form.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }))) {
    form.submit();
  }
};

// --- One submission at a time --------------------------------------------------------
// Once a POST form is really on its way, a second click, a held Ctrl+Enter or a double
// tap must not send it again: further submits are refused and its buttons disabled.
// Disabled after the event, never during it: a disabled submitter is left out of the
// data sent. A page shown again from the back-forward cache gets its buttons back.
// Forms that do not leave the page (htmx, another window) are left alone.
const submitButtons = (form) =>
  Array.from(form.elements).filter(
    (element) =>
      (element instanceof HTMLButtonElement && element.type === "submit") ||
      (element instanceof HTMLInputElement && (element.type === "submit" || element.type === "image")),
  );

const leavesThePage = (form, submitter) => {
  const method = ((submitter && submitter.getAttribute("formmethod")) || form.getAttribute("method") || "get").toLowerCase();
  const target = (submitter && submitter.getAttribute("formtarget")) || form.getAttribute("target") || "";
  const htmx = ["hx-post", "hx-put", "hx-patch", "hx-delete", "hx-get", "data-hx-post", "data-hx-get"].some((name) =>
    form.hasAttribute(name),
  );
  return method === "post" && (target === "" || target === "_self") && !htmx && !form.closest('[hx-boost="true"]');
};

const lockSubmission = (form, event) => {
  form.dataset.submitting = "1";
  window.setTimeout(() => {
    if (event.defaultPrevented) {
      delete form.dataset.submitting; // a later handler stopped it after all
      return;
    }
    submitButtons(form).forEach((button) => {
      if (button.disabled) return;
      button.disabled = true;
      button.dataset.lockedBySubmit = "1";
    });
  }, 0);
};

const unlockSubmissions = () => {
  document.querySelectorAll("form[data-submitting]").forEach((form) => {
    delete form.dataset.submitting;
    submitButtons(form).forEach((button) => {
      if (!button.dataset.lockedBySubmit) return;
      button.disabled = false;
      delete button.dataset.lockedBySubmit;
    });
  });
};
window.addEventListener("pageshow", (event) => {
  if (event.persisted) unlockSubmissions();
});

// The button that sends a form, for browsers whose submit event does not name it (Safari
// before 15.4): the last submit button clicked (Enter in a field clicks the default one).
let lastClicked = null;
document.addEventListener(
  "click",
  (event) => {
    const button = event.target instanceof Element && event.target.closest("button, input");
    lastClicked = button && button.form && submitButtons(button.form).includes(button) ? button : null;
  },
  true,
);

document.addEventListener("submit", (event) => {
  const form = event.target;
  const clicked = lastClicked;
  lastClicked = null;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return; // htmx's own
  const submitter = "submitter" in event ? event.submitter : clicked && clicked.form === form ? clicked : null;
  if (form.dataset.submitting) {
    event.preventDefault(); // already on its way
    return;
  }
  if (confirmed.has(form)) {
    confirmed.delete(form); // asked and answered: this is the submission itself
  } else {
    if (!validateForm(form, submitter)) {
      event.preventDefault();
      return;
    }
    const question = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (question && !askToConfirm(form, submitter, question)) {
      event.preventDefault();
      return;
    }
  }
  if (leavesThePage(form, submitter)) lockSubmission(form, event);
});

// --- Keyboard ------------------------------------------------------------------------
// Ctrl+Enter (⌘+Enter) sends the form being typed in when it is marked
// data-submit-shortcut, through its first submit button; "/" outside a field goes to the
// search box of the top bar.
const typingIn = (element) =>
  element instanceof HTMLInputElement ||
  element instanceof HTMLTextAreaElement ||
  element instanceof HTMLSelectElement ||
  (element instanceof HTMLElement && element.isContentEditable);

document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.altKey) {
    const form = event.target instanceof Element && event.target.closest("form[data-submit-shortcut]");
    // Enter may be an input method (Vietnamese Telex, say) finishing a word: its own.
    if (!form || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    // A held key repeats: one send, not one per repeat.
    if (event.repeat || form.dataset.submitting) return;
    submitForm(form, submitButtons(form)[0] || null);
    return;
  }
  if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typingIn(event.target)) {
    if (document.querySelector(".modal.show")) return;
    const search = document.querySelector('#nav-search input[name="q"]');
    if (!search || search.offsetParent === null) return; // folded away in the phone menu
    event.preventDefault();
    search.focus();
    search.select();
  }
});

// After a refused submit, the first field the server marked gets the focus.
const focusFirstProblem = () => {
  const first = Array.from(document.querySelectorAll('main form [aria-invalid="true"], main form .is-invalid')).find(isField);
  if (first) first.focus();
};

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

const ready = () => {
  startToasts();
  setUpConfirmModal();
  takeOverValidation();
  noteServerErrors();
  focusFirstProblem();
};
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
else ready();
