import { useEffect, useRef, useState } from "react";
import "mfa-enroll";
import type { MfaEnrollElement, MfaEnrollEvent, MfaEnrollEventDetails } from "mfa-enroll";

declare module "react" {
  namespace JSX {
    interface IntrinsicElements {
      /** Attributes as React writes them; `getAccessToken` is a property, which React 19 sets as one. */
      "mfa-enroll": React.DetailedHTMLProps<React.HTMLAttributes<MfaEnrollElement>, MfaEnrollElement> & {
        "api-base"?: string;
        issuer?: string;
        types?: string;
        locale?: string;
        getAccessToken?: MfaEnrollElement["getAccessToken"];
      };
    }
  }
}

declare global {
  interface Window {
    /** What the app heard, for the end-to-end test. */
    __heard: { type: string; detail: unknown }[];
    __tokensGiven: number;
  }
}
window.__heard = [];
window.__tokensGiven = 0;

/** The signed-in person's token, as an auth library would give it. */
async function accessToken(): Promise<string> {
  window.__tokensGiven += 1;
  return "react-example-session";
}

const heard: (keyof MfaEnrollEventDetails)[] = ["mfa-enroll:ready", "mfa-enroll:enrolled", "mfa-enroll:error"];

function SecuritySettings({ onEnrolled }: { onEnrolled: (type: string) => void }) {
  const widget = useRef<MfaEnrollElement>(null);
  useEffect(() => {
    const element = widget.current!;
    // JSX cannot name an event with a colon: a ref and addEventListener, removed again on unmount.
    const listener = (event: Event) => {
      const { type, detail } = event as MfaEnrollEvent<keyof MfaEnrollEventDetails>;
      window.__heard.push({ type, detail });
      if (type === "mfa-enroll:enrolled") onEnrolled((detail as MfaEnrollEventDetails["mfa-enroll:enrolled"]).type);
    };
    for (const name of heard) element.addEventListener(name, listener);
    return () => {
      for (const name of heard) element.removeEventListener(name, listener);
    };
  }, [onEnrolled]);
  return <mfa-enroll id="widget" ref={widget} api-base="/api" issuer="React Example" getAccessToken={accessToken} />;
}

export function App() {
  const [shown, setShown] = useState(true);
  const [added, setAdded] = useState<string[]>([]);
  const onEnrolled = useRef((type: string) => setAdded((types) => [...types, type])).current;
  return (
    <main>
      <h1>Security</h1>
      <button id="toggle" onClick={() => setShown((shown) => !shown)}>
        {shown ? "Leave security settings" : "Back to security settings"}
      </button>
      {added.length > 0 && <p id="added">Added: {added.join(", ")}</p>}
      {shown && <SecuritySettings onEnrolled={onEnrolled} />}
    </main>
  );
}
