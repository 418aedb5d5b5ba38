// mount(), destroy() and mount() again on one element, as a single-page app does when a person leaves and comes
// back to their security settings.
import { mount } from "./node_modules/mfa-enroll/index.js";

const element = document.getElementById("widget");
const first = await mount(element, { apiBase: "/api", issuer: "Remount Example" });
await new Promise((resolve) => document.addEventListener("mfa-enroll:ready", resolve, { once: true }));
first.destroy();
window.__destroyed = { children: element.shadowRoot.childElementCount, accent: element.style.length };
document.getElementById("remount").addEventListener("click", async () => {
  window.__second = await mount(element, {
    apiBase: "/api",
    issuer: "Remount Example",
    theme: { "--mfa-color-accent": "#6b21a8" },
  });
});
