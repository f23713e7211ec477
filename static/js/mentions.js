// @-mention suggestions for comment fields (progressive enhancement). Without this file a
// mention is typed as "@" and an e-mail address; with it, typing "@" and two letters of a name
// offers the people who may read the document, as a listbox the keyboard can walk. Choosing one
// inserts what the server says mentions them: "@" + their address where the writer may see it,
// else "@persoon:<id>" (the server resolves both; the page shows the name).
(() => {
  const MIN = 2;

  function tokenBeforeCaret(field) {
    const before = field.value.slice(0, field.selectionStart);
    const match = before.match(/(^|\s)@([^\s@]{2,40})$/);
    return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function setup(field, index) {
    const list = document.createElement("ul");
    list.id = `vermeldingen-${index}`;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", field.dataset.mentionsLabel || "Personen om te noemen");
    list.hidden = true;
    field.after(list);
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", list.id);
    // A textarea cannot be a combobox (no aria-expanded): a live region says what is offered.
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    list.after(status);
    let active = -1;
    let token = null;
    let timer = null;

    function close() {
      list.hidden = true;
      list.replaceChildren();
      status.textContent = "";
      field.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(option) {
      const mention = option.dataset.mention;
      const before = field.value.slice(0, token.start);
      const after = field.value.slice(field.selectionStart);
      field.value = `${before}${mention} ${after}`;
      const caret = before.length + mention.length + 1;
      field.setSelectionRange(caret, caret);
      close();
      field.focus();
    }

    function highlight(next) {
      const options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (next + options.length) % options.length;
      options.forEach((o, i) => o.setAttribute("aria-selected", String(i === active)));
      field.setAttribute("aria-activedescendant", options[active].id);
    }

    function show(people) {
      list.replaceChildren();
      people.forEach((person, i) => {
        const item = document.createElement("li");
        item.id = `${list.id}-${i}`;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.mention = person.mention;
        item.textContent = person.email ? `${person.name} (${person.email})` : person.name;
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(item);
        });
        list.append(item);
      });
      list.hidden = people.length === 0;
      status.textContent = people.length
        ? `${people.length} ${people.length === 1 ? "suggestie" : "suggesties"}; pijltjestoetsen om te kiezen`
        : "";
      active = -1;
    }

    field.addEventListener("input", () => {
      token = tokenBeforeCaret(field);
      clearTimeout(timer);
      if (!token || token.query.length < MIN) return close();
      timer = setTimeout(async () => {
        const url = `${field.dataset.mentions}?q=${encodeURIComponent(token.query)}`;
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (response.ok) show(await response.json());
      }, 200);
    });

    field.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown") highlight(active + 1);
      else if (event.key === "ArrowUp") highlight(active - 1);
      else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
        choose(list.querySelectorAll("[role=option]")[active]);
      } else if (event.key === "Escape") close();
      else return;
      event.preventDefault();
    });
    field.addEventListener("blur", () => setTimeout(close, 150));
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("textarea[data-mentions]").forEach(setup);
  });
})();
