// A Vue 3 app with the security settings on a page of their own, which the person can leave and come back to.
import "../../record.js";
import { createApp } from "vue";
import App from "./App.vue";

createApp(App).mount("#app");
