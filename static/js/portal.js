// Copy buttons: <button data-copy="#input-id">; the result is announced in [data-copy-status].
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = document.querySelector(button.dataset.copy);
  const status = document.querySelector("[data-copy-status]");
  try {
    await navigator.clipboard.writeText(input.value);
    if (status) status.textContent = "Copied.";
  } catch {
    input.select();
    if (status) status.textContent = "Press Ctrl+C (or long-press) to copy.";
  }
});
