// Starts the NHS design system's components (error summary focus, character counts, header
// menu, radios, checkboxes, notification banners) and Pathways' own small enhancements.
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";
import { initAddAnother } from "./add-another.js";

initAll();
initAddAnother(document);
