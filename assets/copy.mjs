// Copies the ready-built scripts that the pages load into openbuy/static/dist.
import { copyFileSync, mkdirSync } from "node:fs";

const out = "openbuy/static/dist";
mkdirSync(out, { recursive: true });
copyFileSync("node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js", `${out}/govuk-frontend.min.js`);
copyFileSync("node_modules/htmx.org/dist/htmx.min.js", `${out}/htmx.min.js`);
