// Loads the widget from files beside this one: no inline script, so the page runs under a strict CSP.
import init from "./mfa-enroll.js";

await init({ module_or_path: new URL("./mfa-enroll_bg.wasm", import.meta.url) });
