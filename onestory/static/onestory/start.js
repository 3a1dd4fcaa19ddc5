// Start the NHS.UK components, and again inside any fragment htmx swaps in.
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

initAll();
document.addEventListener("htmx:afterSwap", (event) => initAll({ scope: event.target }));
