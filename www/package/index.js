// mfa-enroll: mount(element, options) and the <mfa-enroll> custom element. The wasm is fetched relative to this
// module (import.meta.url) and the catalogues are imported on demand, so no bundler needs configuring; the styles
// are applied as a constructable style sheet inside a shadow root, so no inline <style> meets the page's
// Content-Security-Policy.
import init, { mountWidget } from "./mfa-enroll.js";
import styles from "./styles.js";

/**
 * The wasm beside this module. Vite's dev server moves this module into `node_modules/.vite/deps` without the
 * files it refers to (vitejs/vite#8427); there the wasm is taken from the package's own folder, so that no Vite
 * configuration is needed. Builds are unaffected: bundlers copy the file that the literal URL names.
 */
const inPackage = "../../mfa-enroll/mfa-enroll_bg.wasm";
const wasm = import.meta.url.includes("/node_modules/.vite/deps/")
  ? new URL(inPackage, import.meta.url)
  : new URL("./mfa-enroll_bg.wasm", import.meta.url);

/** English is built in; each other language is its own module, loaded only when a widget speaks it. */
const catalogues = {
  de: () => import("./locales/de.js"),
  fr: () => import("./locales/fr.js"),
  es: () => import("./locales/es.js"),
  ja: () => import("./locales/ja.js"),
  ar: () => import("./locales/ar.js"),
};

const loadCatalogue = (lang) => catalogues[lang]?.().then((module) => module.default);

let started;

/** Loads the wasm and makes the style sheet once, however many widgets the page mounts. */
function start() {
  started ??= init({ module_or_path: wasm }).then(() => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(styles);
    return sheet;
  });
  return started;
}

/**
 * Mounts a widget into `element`'s shadow root. Resolves to a handle whose `destroy()` removes the widget with its
 * listeners and timers; the element may be mounted again afterwards.
 */
export async function mount(element, options = {}) {
  const sheet = await start();
  const root = element.shadowRoot ?? element.attachShadow({ mode: "open" });
  root.adoptedStyleSheets = [sheet];
  const themed = Object.entries(options.theme ?? {}).filter(([name]) => name.startsWith("--mfa-"));
  for (const [name, value] of themed) element.style.setProperty(name, String(value));
  const container = document.createElement("div");
  root.append(container);
  let widget = mountWidget(container, {
    apiBase: options.apiBase,
    locale: options.locale,
    loadCatalogue,
    types: Array.isArray(options.types) ? options.types.join(",") : options.types,
    issuer: options.issuer,
    getAccessToken: options.getAccessToken,
  });
  return {
    destroy() {
      if (!widget) return;
      widget.destroy();
      widget.free();
      widget = undefined;
      container.remove();
      for (const [name] of themed) element.style.removeProperty(name);
    },
  };
}

const attributes = { "api-base": "apiBase", locale: "locale", types: "types", issuer: "issuer" };

/**
 * `<mfa-enroll api-base="/api" locale="de" types="TOTP,SMS" issuer="Acme">`. A changed attribute mounts the widget
 * again with the new value; `getAccessToken` is a property, since a function cannot be an attribute.
 */
export class MfaEnrollElement extends HTMLElement {
  static observedAttributes = Object.keys(attributes);
  #mounted;
  #getAccessToken;

  get getAccessToken() {
    return this.#getAccessToken;
  }

  set getAccessToken(callback) {
    this.#getAccessToken = callback;
    this.#render();
  }

  connectedCallback() {
    this.#render();
  }

  disconnectedCallback() {
    this.#unmount();
  }

  attributeChangedCallback(_name, before, after) {
    if (before !== after) this.#render();
  }

  #unmount() {
    this.#mounted?.then((widget) => widget.destroy());
    this.#mounted = undefined;
  }

  #render() {
    if (!this.isConnected) return;
    const options = { getAccessToken: this.#getAccessToken };
    for (const [attribute, option] of Object.entries(attributes)) {
      if (this.hasAttribute(attribute)) options[option] = this.getAttribute(attribute);
    }
    // The widget before goes first, so that one element never shows two.
    const before = this.#mounted;
    this.#mounted = Promise.resolve(before?.then((widget) => widget.destroy())).then(() => mount(this, options));
  }
}

if (!customElements.get("mfa-enroll")) customElements.define("mfa-enroll", MfaEnrollElement);
