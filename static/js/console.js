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
