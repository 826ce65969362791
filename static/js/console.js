// Console's only script: Copy buttons. Pages work without it (the fields are selectable).
"use strict";

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
  if (!field) return;
  let copied = false;
  try {
    await navigator.clipboard.writeText(field.value);
    copied = true;
  } catch {
    field.select();
    copied = document.execCommand && document.execCommand("copy");
  }
  if (status) {
    status.textContent = copied ? "Copied to the clipboard." : "Select the text and copy it.";
  }
  button.textContent = copied ? "Copied" : "Copy";
  setTimeout(() => { button.textContent = "Copy"; }, 2000);
});

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
