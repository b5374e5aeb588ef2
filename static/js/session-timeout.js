// Warns before an idle session ends, as the NHS design system's timeout pattern asks, and
// lets the person stay signed in (issue 44).
//
// The page carries <dialog data-session-timeout data-idle-seconds="…" data-warn-seconds="…"
// data-renew-url="…"> holding a hidden sign-out form, data-timed-out-form. Every page load, and every request the page's
// scripts make (they send "pathways:session-renewed"), starts the count again, because the
// server renews the session on each request. When the warning time is reached the dialog
// opens with the time left; "Stay signed in" asks the server, which renews the session. At
// the end the form signs the person out, and the sign-in page says why.

export function initSessionTimeout(scope) {
  const dialog = scope.querySelector("dialog[data-session-timeout]");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const idle = Number(dialog.dataset.idleSeconds) * 1000;
  const warn = Number(dialog.dataset.warnSeconds) * 1000;
  const left = dialog.querySelector("[data-time-left]");
  const stay = dialog.querySelector("[data-stay-signed-in]");
  const signOut = () => dialog.querySelector("form[data-timed-out-form]").submit();
  let warnTimer = null;
  let endTimer = null;
  let tick = null;
  let endsAt = 0;

  const words = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    return `${seconds} second${seconds === 1 ? "" : "s"}`;
  };

  const showLeft = () => {
    left.textContent = words(endsAt - Date.now());
  };

  const start = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    clearInterval(tick);
    endsAt = Date.now() + idle;
    warnTimer = setTimeout(() => {
      showLeft();
      dialog.showModal();
      stay.focus();
      tick = setInterval(showLeft, 1000);
    }, Math.max(0, idle - warn));
    // A second early, so the server's session (renewed by this page's last request) is
    // still there to sign out of.
    endTimer = setTimeout(signOut, Math.max(0, idle - 1000));
  };

  stay.addEventListener("click", async () => {
    try {
      const response = await fetch(dialog.dataset.renewUrl, {
        credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error("not renewed");
    } catch {
      signOut();
      return;
    }
    clearInterval(tick);
    dialog.close();
    start();
  });
  // Escape closes a modal dialog: that is not a choice to stay, so the count goes on.
  dialog.addEventListener("cancel", (event) => event.preventDefault());
  document.addEventListener("pathways:session-renewed", start);
  start();
}
