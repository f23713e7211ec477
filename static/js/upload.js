// Drag and drop with a progress bar per file. Without JavaScript the form posts as usual.
(() => {
  const form = document.querySelector("form.upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  const zone = form.querySelector(".drop-zone");
  const input = form.querySelector("input[type=file]");
  const list = form.querySelector(".upload-progress");
  zone.hidden = false;

  const row = (file) => {
    const item = document.createElement("li");
    const label = document.createElement("span");
    const bar = document.createElement("progress");
    label.textContent = file.name + " ";
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    item.append(label, bar);
    list.append(item);
    return { item, bar };
  };

  // A name the folder has already: the server asks; the answer sends the file again.
  const ask = (item, answer, file, resolve) => {
    const choices = document.createElement("span");
    choices.className = "upload-choices";
    (answer.choices || []).forEach((choice) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "utrecht-button utrecht-button--secondary-action";
      button.textContent = choice.label;
      button.addEventListener("click", () => {
        item.remove();
        send(file, choice.value).then(resolve);
      });
      choices.append(button);
    });
    item.append(choices);
  };

  const send = (file, sameName) => new Promise((resolve) => {
    const { item, bar } = row(file);
    const data = new FormData(form);
    data.delete("files");
    data.append("files", file, file.name);
    if (sameName) data.set("same_name", sameName);
    const request = new XMLHttpRequest();
    request.open("POST", form.dataset.uploadUrl);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("load", () => {
      let answer = {};
      try { answer = JSON.parse(request.responseText); } catch (error) { answer = {}; }
      const status = document.createElement("span");
      status.className = answer.ok ? "upload-ok" : "upload-error";
      // Without a JSON answer (a request over the server's limit, say) say so in Dutch.
      const fallback = request.status === 413 ? form.dataset.tooLarge : form.dataset.failed;
      status.textContent = answer.ok ? " ✓" : " " + ((answer.errors || []).join(" ") || fallback);
      // A refused file did not arrive: no full bar beside the message.
      if (!answer.ok) bar.remove();
      item.append(status);
      if (answer.same_name) ask(item, answer, file, resolve);
      else resolve(answer.ok === true);
    });
    request.addEventListener("error", () => {
      bar.remove();
      item.append(" ✗ " + form.dataset.failed);
      resolve(false);
    });
    request.send(data);
  });

  const uploadAll = async (files) => {
    list.hidden = false;
    const results = [];
    for (const file of files) results.push(await send(file));
    if (results.length && results.every(Boolean)) window.location.assign(form.dataset.doneUrl);
  };

  ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => {
    event.preventDefault();
    zone.classList.add("drop-zone--active");
  }));
  ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, () => zone.classList.remove("drop-zone--active")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    uploadAll(Array.from(event.dataTransfer.files));
  });
  form.addEventListener("submit", (event) => {
    if (!input.files.length) return;
    event.preventDefault();
    uploadAll(Array.from(input.files));
  });
})();
