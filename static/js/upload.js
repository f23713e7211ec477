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

  const send = (file) => new Promise((resolve) => {
    const { item, bar } = row(file);
    const data = new FormData(form);
    data.delete("files");
    data.append("files", file, file.name);
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
      item.append(status);
      resolve(answer.ok === true);
    });
    request.addEventListener("error", () => { item.append(" ✗ " + form.dataset.failed); resolve(false); });
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
