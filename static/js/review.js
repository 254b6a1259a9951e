// Review workflow: let htmx show refusals (400/403/404/409/428) from the review endpoints.
//
// A refused workflow step answers with the re-rendered review partial and an alert listing
// every reason (see htmx-errors.js for how it is swapped in).
import { REFUSALS, swapRefusalsFrom } from "./htmx-errors.js";

swapRefusalsFrom("[data-review-actions]", [...REFUSALS, 404]);
