/** A device type that PingOne enrolls. */
export type DeviceType = "TOTP" | "SMS" | "VOICE" | "EMAIL" | "OATH_TOKEN";

/** How a page mounts a widget. */
export interface MountOptions {
  /** Where the proxy contract is served, without a trailing slash. Default `/api`. */
  apiBase?: string;
  /** A BCP 47 tag such as `de-CH`: the language (en, de, fr, es, ja, ar) and the phone's default country.
   * Default: the page's `<html lang>`, then the browser's. */
  locale?: string;
  /** The types to offer, among those the proxy allows: `["TOTP", "SMS"]` or `"TOTP,SMS"`. Default: all of those. */
  types?: DeviceType[] | string;
  /** The name that authenticator apps show beside the account. Default: the proxy's `issuer`. */
  issuer?: string;
  /** Called before every request; its result is sent as `Authorization: Bearer …`. A rejection or an empty
   * result ends the session (`mfa-enroll:session-expired`). */
  getAccessToken?: () => string | Promise<string>;
  /** Theme custom properties, such as `{ "--mfa-color-accent": "#6b21a8" }`, set on the element. */
  theme?: Partial<Record<ThemeProperty, string>>;
}

/** The custom properties that theme the widget. */
export type ThemeProperty =
  | "--mfa-color-text"
  | "--mfa-color-muted"
  | "--mfa-color-accent"
  | "--mfa-color-on-accent"
  | "--mfa-color-error"
  | "--mfa-color-surface"
  | "--mfa-color-border"
  | "--mfa-radius"
  | "--mfa-font"
  | "--mfa-space";

/** A mounted widget. */
export interface MountedWidget {
  /** Removes the widget with its listeners and timers. */
  destroy(): void;
}

/** Mounts a widget into `element`'s shadow root. */
export function mount(element: HTMLElement, options?: MountOptions): Promise<MountedWidget>;

/** `<mfa-enroll api-base locale types issuer>`; `getAccessToken` is a property. */
export class MfaEnrollElement extends HTMLElement {
  getAccessToken?: () => string | Promise<string>;
}

/** Names a device without saying where its codes go. */
export interface DeviceDetail {
  deviceId: string;
}

export interface TypedDeviceDetail extends DeviceDetail {
  type: DeviceType;
}

/** The `detail` of each event; none carries a phone number, an address, a secret or a code. */
export interface MfaEnrollEventDetails {
  "mfa-enroll:ready": { types: DeviceType[] };
  "mfa-enroll:enrolled": TypedDeviceDetail;
  "mfa-enroll:activation-sent": TypedDeviceDetail;
  "mfa-enroll:resynced": DeviceDetail;
  "mfa-enroll:renamed": DeviceDetail;
  "mfa-enroll:removed": DeviceDetail;
  "mfa-enroll:default-changed": DeviceDetail;
  /** Seconds to wait, from `Retry-After`; `null` when the server did not say. */
  "mfa-enroll:rate-limited": { retryAfter: number | null };
  /** The HTTP status (`null` without an answer), PingOne's top-level code (`NETWORK` without an answer, `NO_TOKEN`
   * when `getAccessToken` gave none, so nothing was sent) and the first detail's code. */
  "mfa-enroll:error": { status: number | null; code: string | null; detail: string | null };
  "mfa-enroll:session-expired": Record<string, never>;
}

export type MfaEnrollEvent<K extends keyof MfaEnrollEventDetails> = CustomEvent<MfaEnrollEventDetails[K]>;

declare global {
  interface HTMLElementTagNameMap {
    "mfa-enroll": MfaEnrollElement;
  }
  interface HTMLElementEventMap {
    "mfa-enroll:ready": MfaEnrollEvent<"mfa-enroll:ready">;
    "mfa-enroll:enrolled": MfaEnrollEvent<"mfa-enroll:enrolled">;
    "mfa-enroll:activation-sent": MfaEnrollEvent<"mfa-enroll:activation-sent">;
    "mfa-enroll:resynced": MfaEnrollEvent<"mfa-enroll:resynced">;
    "mfa-enroll:renamed": MfaEnrollEvent<"mfa-enroll:renamed">;
    "mfa-enroll:removed": MfaEnrollEvent<"mfa-enroll:removed">;
    "mfa-enroll:default-changed": MfaEnrollEvent<"mfa-enroll:default-changed">;
    "mfa-enroll:rate-limited": MfaEnrollEvent<"mfa-enroll:rate-limited">;
    "mfa-enroll:error": MfaEnrollEvent<"mfa-enroll:error">;
    "mfa-enroll:session-expired": MfaEnrollEvent<"mfa-enroll:session-expired">;
  }
  interface WindowEventMap {
    "mfa-enroll:session-expired": MfaEnrollEvent<"mfa-enroll:session-expired">;
  }
}
