// Action plans, progressive enhancement only: a print button on the report.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".print-button-slot").forEach((slot) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "utrecht-button utrecht-button--secondary-action";
    button.textContent = slot.dataset.label || "Afdrukken";
    button.addEventListener("click", () => window.print());
    slot.replaceWith(button);
  });
});
