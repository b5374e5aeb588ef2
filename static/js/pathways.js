// Starts the NHS design system's components (error summary focus, character counts, header
// menu, radios, checkboxes, notification banners) and Pathways' own small enhancements.
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";
import { initAddAnother } from "./add-another.js";
import { initAutosave } from "./autosave.js";
import { initReveal } from "./reveal.js";
import { initSessionTimeout } from "./session-timeout.js";

initAll();
initAddAnother(document);
initAutosave(document);
initReveal(document);
initSessionTimeout(document);
