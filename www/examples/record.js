// What each example page records for its end-to-end test, and what a portal would listen to: every widget event
// with its detail, and every Content-Security-Policy violation.
window.__events = [];
window.__violations = [];
const names = ["ready", "enrolled", "activation-sent", "resynced", "renamed", "removed", "default-changed",
  "rate-limited", "error", "session-expired"];
for (const name of names) {
  document.addEventListener(`mfa-enroll:${name}`, (event) => {
    window.__events.push({ type: event.type, from: event.target.id, detail: event.detail });
  });
}
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
