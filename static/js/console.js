// Console's only script. Every page works without it; it adds Copy buttons, moves the focus
// to a form's first error, and closes open menus. CSP allows no inline script: all is here.
"use strict";

// --- Copy buttons: <button data-copy="field-id"> copies the field's value ----------------------
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
  if (!field) return;
  const text = field.value !== undefined ? field.value : field.textContent;
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch {
    if (field.select) field.select();
    copied = document.execCommand && document.execCommand("copy");
  }
  if (status) {
    status.textContent = copied ? "Copied to the clipboard." : "Select the text and copy it.";
  }
  const label = button.dataset.copyLabel || "Copy";
  button.textContent = copied ? "Copied" : label;
  setTimeout(() => { button.textContent = label; }, 2000);
});

// --- A form that failed: focus its first invalid field, so the error is where the eye is ------
function focusFirstError() {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  const form = summary.closest("form");
  const field = form && form.querySelector("[aria-invalid='true']");
  if (field) {
    field.focus({ preventScroll: true });
    // The summary sits just above the form's first field: show both when they fit.
    const top = summary.getBoundingClientRect().top + window.scrollY - 80;
    const fieldBottom = field.getBoundingClientRect().bottom + window.scrollY;
    if (fieldBottom - top < window.innerHeight - 40) {
      window.scrollTo({ top: Math.max(top, 0) });
    } else {
      field.scrollIntoView({ block: "center" });
    }
  } else {
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "center" });
  }
}

// The summary's links focus their field (a plain anchor only scrolls to it).
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-error-summary] a[href^='#']");
  if (!link) return;
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  target.focus();
  target.scrollIntoView({ block: "center" });
});

// --- Menus (<details class="menu">): one open at a time, closed by an outside click or Esc ----
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});
document.addEventListener("toggle", (event) => {
  const opened = event.target;
  if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.matches(".menu")) return;
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (menu !== opened) menu.removeAttribute("open");
  }
}, true);
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    menu.removeAttribute("open");
    const summary = menu.querySelector("summary");
    if (summary && menu.contains(document.activeElement)) summary.focus();
  }
});

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", focusFirstError);
} else {
  focusFirstError();
}

// KYB documents: the drop zone puts a dropped file into its input and names the file chosen.
// Without this script the input shows itself inside the zone and takes a drop on its own.
function fileSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

for (const zone of document.querySelectorAll("[data-dropzone]")) {
  const input = zone.querySelector("input[type=file]");
  const chosen = zone.querySelector("[data-dropzone-chosen]");
  if (!input || !chosen) continue;
  zone.classList.add("dropzone--enhanced");
  const show = () => {
    const file = input.files && input.files[0];
    chosen.hidden = false;
    chosen.textContent = file ? `Chosen: ${file.name} (${fileSize(file.size)})` : "No file chosen yet.";
  };
  input.addEventListener("change", show);
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dropzone--over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dropzone--over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dropzone--over");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  show();
}

// KYB steps: a step of the progress list, clicked after typing, saves the page first (the
// server then goes where the link points), so moving between steps never drops typed input.
for (const type of ["input", "change"]) {
  document.addEventListener(type, (event) => {
    const form = event.target.closest && event.target.closest("form[data-kyb-step]");
    if (form) form.dataset.changed = "true";
  });
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-kyb-go]");
  const form = document.querySelector("form[data-kyb-step][data-changed]");
  if (!link || !form || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
    return;
  }
  event.preventDefault();
  form.elements.go.value = link.dataset.kybGo;
  form.requestSubmit();
});

// --- Expiry choices: the date field shows only once "On a date" is chosen ---------------------
function syncExpiryDate() {
  const input = document.querySelector("input[data-expiry-date]");
  if (!input) return;
  const chosen = document.querySelector("input[name='expires']:checked");
  const wrapper = input.closest(".field") || input.parentElement;
  const wanted = chosen && chosen.value === "date";
  wrapper.hidden = !wanted && input.getAttribute("aria-invalid") !== "true";
}
document.addEventListener("change", (event) => {
  if (event.target.name === "expires") syncExpiryDate();
});
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", syncExpiryDate);
} else {
  syncExpiryDate();
}
