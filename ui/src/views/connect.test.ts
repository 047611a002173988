import { describe, expect, it, vi } from "vitest";
import type { Api } from "../api";
import type { AppView, ConnectResult } from "../types";
import { renderConnect } from "./connect";

const view: AppView = {
  mode: "rehearsal",
  current: "connect",
  steps: [],
  project_dir: null,
  connect: null,
  catalog: { created: [], price_ids: null, portal: null },
  worker_env: null, webhook: null, secrets: null, verify: null, load_problem: null, recent: [], choose_project: false,
};

function fakeApi(result: ConnectResult): Api {
  return {
    appView: vi.fn(),
    setMode: vi.fn(),
    rehearsalInputs: vi.fn().mockResolvedValue({ test_key: "sk_test_x", live_key: "sk_live_y", project_dir: "/p" }),
    checkConnect: vi.fn().mockResolvedValue(result),
    goTo: vi.fn(),
    planCatalog: vi.fn(),
    applyCatalog: vi.fn(),
    pickFolder: vi.fn(),
    openLink: vi.fn(),
    firstPaint: vi.fn(),
    onStepEvent: vi.fn().mockResolvedValue(() => {}),
  } as unknown as Api;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("Connect view", () => {
  it("shows a key problem under its field and keeps Continue locked", async () => {
    const root = document.createElement("main");
    const api = fakeApi({
      kind: "key_problems",
      test: null,
      live: { code: "publishable_key", message: "This is a publishable key.", fix: "Copy the Secret key instead." },
    });
    renderConnect(root, { api, view, onView: vi.fn(), onContinue: vi.fn() });
    root.querySelector("form")!.dispatchEvent(new Event("submit"));
    await flush();
    expect(root.querySelector("#live-key-problem")?.textContent).toContain("publishable");
    expect(root.querySelector("#test-key-problem")?.textContent).toBe("");
    expect((root.querySelector("#continue") as HTMLButtonElement).disabled).toBe(true);
  });

  it("clears the keys from the page and unlocks Continue when Connect passes", async () => {
    const root = document.createElement("main");
    const outcome = {
      account: { id: "acct_1", name: "Rehearsal SaaS", charges_enabled: true },
      test_key_hint: "sk_test_…abcd",
      live_key_hint: "sk_live_…wxyz",
      live_key_restricted: false,
      worker: {
        config: { name: "api", file: "/p/wrangler.toml", environments: {} },
        wrangler: { version: "4.86.0", program: "wrangler" },
        whoami: { email: "a@b.c" },
      },
    };
    const api = fakeApi({ kind: "report", report: { findings: [], outcome }, view });
    renderConnect(root, { api, view, onView: vi.fn(), onContinue: vi.fn() });
    (root.querySelector("#fill-rehearsal") as HTMLButtonElement).click();
    await flush();
    expect((root.querySelector("#live-key") as HTMLInputElement).value).toBe("sk_live_y");
    root.querySelector("form")!.dispatchEvent(new Event("submit"));
    await flush();
    expect((root.querySelector("#live-key") as HTMLInputElement).value).toBe("");
    expect((root.querySelector("#test-key") as HTMLInputElement).value).toBe("");
    expect((root.querySelector("#continue") as HTMLButtonElement).disabled).toBe(false);
    expect(root.querySelector("#connect-summary")?.textContent).toContain("sk_live_…wxyz");
  });

  it("reveals and hides a key on request", () => {
    const root = document.createElement("main");
    renderConnect(root, { api: fakeApi({ kind: "key_problems", test: null, live: null }), view, onView: vi.fn(), onContinue: vi.fn() });
    const input = root.querySelector("#test-key") as HTMLInputElement;
    const reveal = input.parentElement!.querySelector("button")!;
    expect(input.type).toBe("password");
    reveal.click();
    expect(input.type).toBe("text");
    expect(reveal.getAttribute("aria-pressed")).toBe("true");
  });
});
