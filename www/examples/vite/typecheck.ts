// Compiled by `tsc --noEmit` in `cargo xtask test`: the package's declarations describe what a TypeScript portal
// writes, and they refuse what it must not write.
import { mount, MfaEnrollElement, type MountOptions, type MfaEnrollEventDetails } from "mfa-enroll";

const options: MountOptions = {
  apiBase: "/api",
  locale: "de-CH",
  types: ["TOTP", "SMS"],
  issuer: "Acme",
  getAccessToken: async () => "token",
  theme: { "--mfa-color-accent": "#6b21a8" },
};

export async function start(element: HTMLElement): Promise<void> {
  const widget = await mount(element, options);
  element.addEventListener("mfa-enroll:enrolled", (event) => {
    const id: string = event.detail.deviceId;
    const type: "TOTP" | "SMS" | "VOICE" | "EMAIL" | "OATH_TOKEN" = event.detail.type;
    console.log(id, type);
  });
  element.addEventListener("mfa-enroll:rate-limited", (event) => {
    const wait: number | null = event.detail.retryAfter;
    console.log(wait);
  });
  const custom = document.createElement("mfa-enroll");
  const typed: MfaEnrollElement = custom;
  typed.getAccessToken = () => "token";
  const ready: MfaEnrollEventDetails["mfa-enroll:ready"] = { types: ["EMAIL"] };
  console.log(ready);
  widget.destroy();
}

// @ts-expect-error: a type that PingOne does not enroll
const wrong: MountOptions = { types: ["FIDO2"] };
// @ts-expect-error: only the theme's custom properties
const unthemed: MountOptions = { theme: { color: "red" } };
console.log(wrong, unthemed);
