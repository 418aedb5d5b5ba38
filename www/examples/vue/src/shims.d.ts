declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent;
  export default component;
}

interface Window {
  /** What the app heard, for the end-to-end test. */
  __heard: { type: string; detail: unknown }[];
  __tokensGiven: number;
}
