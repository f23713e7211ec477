// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary of a failed form, so screen readers announce it.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Ask before destructive actions that carry a data-confirm text.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
