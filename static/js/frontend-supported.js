// Runs first, before the page is drawn: tells the design system's CSS that scripts run, and
// whether this browser runs its ES module (nhsuk-frontend hides JS-only controls otherwise).
document.body.className += " js-enabled" +
  ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
