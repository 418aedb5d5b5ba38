// A Vite app: the package is imported like any other, with no plugin and no configuration. The page is German,
// so the widget loads its German catalogue, which Vite has split into its own chunk.
import "../record.js";
import { mount } from "mfa-enroll";

await mount(document.getElementById("widget"), { apiBase: "/api", issuer: "Vite Example" });
