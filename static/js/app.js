// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary of a failed form, so screen readers announce it.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Count the characters of a field with a maximum, and say when the browser cut a paste.
  document.querySelectorAll(".char-count").forEach((counter) => {
    const input = document.getElementById(counter.dataset.for);
    if (!input || input.maxLength < 1) return;
    const show = (cut) => {
      counter.textContent = counter.dataset.count.replace("{n}", input.value.length);
      if (cut) counter.textContent += " " + counter.dataset.cut;
      counter.classList.toggle("char-count--cut", cut);
      // announced when a paste was cut, not at every key
      if (cut) counter.setAttribute("role", "alert");
      else counter.removeAttribute("role");
      // seen from 80% of the maximum on, not under every short name
      counter.hidden = !cut && input.value.length < 0.8 * input.maxLength;
    };
    input.addEventListener("paste", (event) => {
      const pasted = (event.clipboardData || window.clipboardData).getData("text");
      const selected = input.selectionEnd - input.selectionStart;
      const room = input.maxLength - (input.value.length - selected);
      // after the paste has landed, so the count is the text as it now is
      setTimeout(() => show(pasted.length > room), 0);
    });
    input.addEventListener("input", (event) => {
      if (event.inputType !== "insertFromPaste") show(false);
    });
    show(false);
  });

  // A print button where a page offers one (the progress report, the recovery codes).
  document.querySelectorAll(".print-button-slot").forEach((slot) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "utrecht-button utrecht-button--secondary-action";
    button.textContent = slot.dataset.label || "Afdrukken";
    button.addEventListener("click", () => window.print());
    slot.replaceWith(button);
  });

  // Ask before destructive actions that carry a data-confirm text.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
