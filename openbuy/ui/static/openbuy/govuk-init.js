// Starts GOV.UK Frontend's components (a module, loaded from base.html).
import { initAll } from "../dist/govuk-frontend.min.js";

initAll();
