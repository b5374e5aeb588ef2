// "Add another" for a Django formset, without a round trip to the server.
//
// The page marks the list of blocks with data-add-another="<prefix>", keeps the formset's
// empty form in <template data-add-another-template="<prefix>"> (with __prefix__ for the index
// and __number__ for the block's number) and gives the button data-add-another-button. Without
// JavaScript the button submits the form and the server adds the block; with it the block is
// added here, the formset's TOTAL_FORMS is counted up and focus moves to the new block's
// legend, so keyboard and screen reader users know where they are.
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

export function initAddAnother(scope) {
  for (const list of scope.querySelectorAll("[data-add-another]")) {
    const prefix = list.dataset.addAnother;
    const form = list.closest("form");
    const total = form.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const max = form.querySelector(`input[name="${prefix}-MAX_NUM_FORMS"]`);
    const template = form.querySelector(`template[data-add-another-template="${prefix}"]`);
    const button = form.querySelector(`[data-add-another-button="${prefix}"]`);
    if (!total || !template || !button) continue;
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const index = Number(total.value);
      if (max && index >= Number(max.value)) return;
      const html = template.innerHTML
        .replaceAll("__prefix__", String(index))
        .replaceAll("__number__", String(index + 1));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const block = list.lastElementChild;
      initAll({ scope: block });
      const legend = block.querySelector("legend");
      if (legend) {
        legend.setAttribute("tabindex", "-1");
        legend.focus();
      }
      if (max && index + 1 >= Number(max.value)) button.hidden = true;
    });
  }
}
