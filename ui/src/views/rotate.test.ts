import { describe, expect, it, vi } from "vitest";
import type { Rotation } from "../types";
import { renderRotation } from "./rotate";

const rotation = (phase: Rotation["phase"], waiting: Rotation["waiting"]): Rotation => ({
  id: "rot_1",
  kind: "api-key",
  phase,
  started: 1_795_000_000,
  timeline: [
    { phase: "await_new_key", at: 1_795_000_000, note: "Rotation of the live API key started" },
    { phase: "push_key", at: 1_795_000_060, note: "New key sk_live_…WXYZ checked and kept in the keyring" },
  ],
  waiting,
  worker_versions: 0,
  dashboard: false,
});

describe("renderRotation", () => {
  it("shows each phase with its time, and what it waits for with the fix and the Dashboard link", () => {
    const open = vi.fn();
    const el = renderRotation(
      rotation("await_new_key", {
        message: "Roll the live secret key in the Stripe Dashboard, then give golive the new key.",
        fix: "Choose an expiry an hour or more away — never “Now”.",
        link: { label: "Open API keys", url: "https://dashboard.stripe.com/apikeys" },
      }),
      [],
      open,
    );
    const items = el.querySelectorAll("#rotate-timeline li");
    expect(items.length).toBe(2);
    expect(items[1].textContent).toContain("sk_live_…WXYZ");
    expect(items[0].textContent).toContain("UTC");
    expect(el.querySelector("h2")?.textContent).toBe("Rotation in progress");
    expect(el.querySelector("#rotate-waiting .finding-fix")?.textContent).toContain("never “Now”");
    (el.querySelector("#rotate-waiting button") as HTMLButtonElement).click();
    expect(open).toHaveBeenCalledWith("https://dashboard.stripe.com/apikeys");
  });

  it("says when it is done and which old key is kept until Stripe refuses it", () => {
    const el = renderRotation(rotation("done", null), [{ entry: "api/live/STRIPE_SECRET_KEY_PREVIOUS", hint: "sk_live_…ABCD", since: 1 }], vi.fn());
    expect(el.querySelector("h2")?.textContent).toBe("Rotation done");
    expect(el.querySelector("#rotate-waiting")).toBeNull();
    expect(el.textContent).toContain("sk_live_…ABCD");
  });
});
