// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  shellMenus();
  stackTables();

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

// The phone menu: the button opens and closes the header's tools and the main menu as one
// panel (without this script both are simply shown). The drop-downs (<details>: the user menu,
// Beheer) close on Escape and on a click elsewhere.
function shellMenus() {
  const header = document.getElementById("site-header");
  const button = header && header.querySelector(".site-header__menu-button");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      header.classList.toggle("site-header--open", open);
    });
  }
  const dropdowns = document.querySelectorAll(".user-menu, .site-nav__menu");
  const closeAll = (except) => dropdowns.forEach((menu) => {
    if (menu !== except && menu.open) menu.open = false;
  });
  dropdowns.forEach((menu) => menu.addEventListener("toggle", () => {
    if (menu.open) closeAll(menu);
  }));
  document.addEventListener("click", (event) => {
    dropdowns.forEach((menu) => {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    dropdowns.forEach((menu) => {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    if (button && button.getAttribute("aria-expanded") === "true") {
      button.click();
      button.focus();
    }
  });
}

// Data tables become stacked rows on a phone (shell.css): every cell gets the text of its
// column's header as data-label. Tables without a header row, or with cells spanning columns
// in the header, are left as they are.
function stackTables() {
  document.querySelectorAll("table.utrecht-table").forEach((table) => {
    const head = table.tHead && table.tHead.rows[0];
    if (!head || table.tHead.rows.length > 1) return;
    const labels = [];
    for (const cell of head.cells) {
      if (cell.colSpan > 1) return;
      // what the header shows: not its hidden words ("(aflopend gesorteerd)") nor the arrows
      const shown = cell.cloneNode(true);
      shown.querySelectorAll(".visually-hidden, [aria-hidden='true']").forEach((n) => n.remove());
      labels.push(shown.textContent.replace(/\s+/g, " ").trim());
    }
    for (const body of [...table.tBodies, ...(table.tFoot ? [table.tFoot] : [])]) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (!cell.hasAttribute("data-label")) cell.dataset.label = labels[column] || "";
          column += cell.colSpan;
        }
      }
    }
    table.classList.add("neig-stack");
  });
}
