// Before the page is drawn: tell GOV.UK Frontend's styles that scripts run here (a file, not an
// inline script, so the Content-Security-Policy can forbid inline scripts).
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
