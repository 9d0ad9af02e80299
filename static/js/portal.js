// The portal's only script (a static file: the Content-Security-Policy allows no inline script).
document.documentElement.classList.add("js");

// Copy buttons: <button data-copy="#input-id">; the result is announced in [data-copy-status],
// in the page's language (data-copied / data-copy-failed).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = document.querySelector(button.dataset.copy);
  const status = document.querySelector("[data-copy-status]");
  try {
    await navigator.clipboard.writeText(input.value);
    if (status) status.textContent = button.dataset.copied || "Copied.";
  } catch {
    input.select();
    if (status) status.textContent = button.dataset.copyFailed || "Press Ctrl+C to copy.";
  }
});

// The system's share sheet (Web Share API, on phones): the button shows only where it works.
for (const button of document.querySelectorAll("[data-share]")) {
  if (!navigator.share) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.share({
        title: button.dataset.shareTitle,
        text: button.dataset.shareText,
        url: button.dataset.shareUrl,
      });
    } catch {
      // The member closed the share sheet: nothing to do.
    }
  });
}

// The language selector changes the page as soon as a language is picked.
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.requestSubmit());
}
