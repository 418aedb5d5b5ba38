import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

// <mfa-enroll> is a custom element, not a Vue component.
export default defineConfig({
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === "mfa-enroll" } } })],
});
