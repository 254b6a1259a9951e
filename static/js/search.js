// Search app widgets (suggestions, similar claims): let htmx show refusals.
//
// A refused action here (400 bad input, 403 not allowed, 409 out of date) answers with the
// re-rendered widget and an alert that says why (see htmx-errors.js for how it is swapped in).
import { swapRefusalsFrom } from "./htmx-errors.js";

swapRefusalsFrom("[data-search-widget]");
