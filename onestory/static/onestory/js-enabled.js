// Loaded (blocking) first thing in <body>: mark the page as running JavaScript so the
// NHS.UK components style themselves before they start. A file, not an inline script, so
// every page works under the Content-Security-Policy.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
