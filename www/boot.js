// The self-service page: loads the widget from files beside this one (no inline script, so the page runs under a
// strict CSP) and mounts it into the `[data-mfa-enroll-page]` element, configured by that element's `data-`
// attributes. A `?locale=` in the page's address wins over `data-locale`, so that a portal can link to the page
// in the person's language.
import init, { mountWidget } from "./mfa-enroll.js";

await init({ module_or_path: new URL("./mfa-enroll_bg.wasm", import.meta.url) });
const root = document.querySelector("[data-mfa-enroll-page]");
if (root) {
  const { apiBase, locale, localesUrl, issuer, types } = root.dataset;
  const linked = new URLSearchParams(location.search).get("locale");
  // The widget lives as long as the page.
  mountWidget(root, { apiBase, locale: linked ?? locale, localesUrl, issuer, types });
}
