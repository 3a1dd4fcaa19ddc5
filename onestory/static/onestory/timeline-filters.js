// The timeline filters (record/_timeline_section.html), without inline script or eval so
// that they work under a strict Content-Security-Policy:
// - ticking a checkbox applies the filters at once (the Apply button does the same without JS);
// - empty date boxes are left out of the request, so the address stays short.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (box instanceof HTMLInputElement && box.type === "checkbox" && box.form &&
      box.form.hasAttribute("data-autosubmit")) {
    box.form.requestSubmit();
  }
});
document.addEventListener("htmx:configRequest", (event) => {
  const form = event.detail.elt;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-drop-empty")) return;
  const data = event.detail.formData;
  if (!data) return;
  for (const key of [...new Set(data.keys())]) {
    if (data.getAll(key).every((value) => value === "")) data.delete(key);
  }
});
