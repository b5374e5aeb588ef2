// Shows a field only while the radio choice it belongs to is picked (templates/macros/
// forms.jinja, revealing_radios): <div data-revealed-by="<radios name>" data-reveal-value="<choice>">.
// Without this script every such field shows, so nothing is out of reach.

export function initReveal(scope) {
  for (const box of scope.querySelectorAll("[data-revealed-by]")) {
    const form = box.closest("form");
    const radios = form ? form.querySelectorAll(`input[type="radio"][name="${box.dataset.revealedBy}"]`) : [];
    const show = () => {
      const picked = Array.from(radios).find((radio) => radio.checked);
      box.hidden = !picked || picked.value !== box.dataset.revealValue;
    };
    for (const radio of radios) radio.addEventListener("change", show);
    show();
  }
}
