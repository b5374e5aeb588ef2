// Saves a long form as a draft while it is typed in, so that a timeout, a closed tab or a
// lost connection loses nothing (issue 44).
//
// The page marks the form with data-autosave="<url of the draft endpoint>" and gives it an
// element with data-autosave-status, a polite live region. Two seconds after the last key
// press or change, the form's fields are posted to that URL with the form's CSRF token; the
// endpoint answers {"saved_at": "HH:MM"} or {"detail": why not}. The form's own buttons
// still work without this script ("Save a draft" posts the same draft the long way).

const QUIET_MS = 2000;

export function initAutosave(scope) {
  for (const form of scope.querySelectorAll("form[data-autosave]")) {
    const status = form.querySelector("[data-autosave-status]");
    let timer = null;
    let lastSaved = new URLSearchParams(new FormData(form)).toString();

    const say = (text) => {
      if (status) status.textContent = text;
    };

    const save = async () => {
      const fields = new FormData(form);
      const snapshot = new URLSearchParams(fields).toString();
      if (snapshot === lastSaved) return;
      let response;
      try {
        response = await fetch(form.dataset.autosave, {
          method: "POST", body: fields, credentials: "same-origin", redirect: "manual",
          headers: { Accept: "application/json" },
        });
      } catch {
        say("Your draft could not be saved: there is no connection. Keep this page open; it will be saved when you type again.");
        return;
      }
      if (response.type === "opaqueredirect" || response.status === 401) {
        say("Your draft could not be saved because you have been signed out. Copy anything you need, then sign in again.");
        return;
      }
      const answer = await response.json().catch(() => ({}));
      if (response.ok) {
        lastSaved = snapshot;
        say(`Draft saved at ${answer.saved_at}.`);
        document.dispatchEvent(new CustomEvent("pathways:session-renewed"));
      } else {
        say(`Your draft could not be saved: ${answer.detail || "please try again"}`);
      }
    };

    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(save, QUIET_MS);
    };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    // Leaving the page saves what was typed in the last two seconds too.
    window.addEventListener("pagehide", () => {
      const fields = new FormData(form);
      if (new URLSearchParams(fields).toString() !== lastSaved) {
        navigator.sendBeacon(form.dataset.autosave, fields);
      }
    });
  }
}
