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

describe("renderRotate", () => {
  const appView = (mode: "real" | "rehearsal") => ({ mode }) as unknown as import("../types").AppView;
  const fakeApi = (rollout: { message: string; fix: string; link: null } | null) => ({
    openLink: vi.fn(),
    rotatePlan: vi.fn().mockResolvedValue({ kind: "api-key", steps: ["Roll the key"], dashboard: null, open: null, rollout }),
    rotateStatus: vi.fn().mockResolvedValue({ rotation: null, retiring: [], view: appView("rehearsal") }),
    // A made-up key, built at run time so no key-shaped literal is in the tree.
    rehearsalRollKey: vi.fn().mockResolvedValue(["sk", "live", "FAKErolledInTheRehearsal"].join("_")),
    onStepEvent: vi.fn().mockReturnValue(Promise.resolve(() => {})),
  });
  const render = async (mode: "real" | "rehearsal", rollout: Parameters<typeof fakeApi>[0] = null) => {
    const api = fakeApi(rollout);
    const root = document.body.appendChild(document.createElement("div"));
    const { renderRotate } = await import("./rotate");
    renderRotate(root, { api: api as never, view: appView(mode), onView: vi.fn(), onVerify: vi.fn() });
    (root.querySelector("#rotate-key") as HTMLInputElement).click();
    await vi.waitFor(() => expect(api.rotatePlan).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(root.querySelector("#rotate-plan li")).not.toBeNull());
    return { root, api };
  };

  it("offers the rehearsal's Dashboard roll for the API key, filling the field with the new key", async () => {
    const { root, api } = await render("rehearsal");
    const roll = root.querySelector("#rotate-roll") as HTMLButtonElement;
    expect(roll.hidden).toBe(false);
    roll.click();
    await vi.waitFor(() => expect((root.querySelector("#rotate-value") as HTMLInputElement).value).toContain("FAKErolled"));
    expect(api.rehearsalRollKey).toHaveBeenCalledOnce();
  });

  it("never offers it for a real project: a real key is rolled in Stripe's Dashboard", async () => {
    const { root } = await render("real");
    expect((root.querySelector("#rotate-roll") as HTMLButtonElement).hidden).toBe(true);
  });

  it("shows a gradual deployment in the way and keeps Start disabled", async () => {
    const rollout = { message: "A gradual deployment is in progress. Serving now: v2 at 10%, v1 at 90%.", fix: "npx wrangler versions deploy", link: null };
    const { root } = await render("real", rollout);
    await vi.waitFor(() => expect(root.querySelector("#rotate-status")?.textContent).toContain("at 10%"));
    expect((root.querySelector("#rotate-start") as HTMLButtonElement).disabled).toBe(true);
  });
});
