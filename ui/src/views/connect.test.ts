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
    rehearsalInputs: vi
      .fn()
      .mockResolvedValue({ test_key: "sk_test_x", live_key: "sk_live_y", project_dir: "/p", cloudflare_token: "cf-token-0123456789abcdef" }),
    cloudflareToken: vi.fn(),
    cloudflareLogin: vi.fn(),
    cloudflareTokenPage: vi.fn().mockResolvedValue("https://dash.cloudflare.com/profile/api-tokens?x"),
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

  it("opens the Cloudflare login when wrangler has none, and takes a token out of the page once used", async () => {
    const root = document.createElement("main");
    const loginFails = {
      check: "worker.login",
      status: "fail",
      title: "wrangler cannot reach your Cloudflare account",
      detail: "wrangler is not logged in to Cloudflare.",
      fix: "Log in to Cloudflare from golive.",
      link: null,
    };
    const api = fakeApi({ kind: "report", report: { findings: [loginFails], outcome: null }, view } as unknown as ConnectResult);
    renderConnect(root, { api, view, onView: vi.fn(), onContinue: vi.fn() });
    const panel = root.querySelector("#cloudflare") as HTMLDetailsElement;
    expect(panel.open).toBe(false);
    root.querySelector("form")!.dispatchEvent(new Event("submit"));
    await flush();
    expect(panel.open).toBe(true);

    // A refused token: the problem and its fix are shown, the field is emptied.
    const token = root.querySelector("#cloudflare-token") as HTMLInputElement;
    token.value = "bad-token-0123456789abcdef";
    (api.cloudflareToken as ReturnType<typeof vi.fn>).mockRejectedValueOnce({
      kind: "refused", code: "cloudflare_token_refused", message: "Cloudflare refused this API token: Invalid API Token (code 1000).", fix: "Make a new token.", link: null,
    });
    (root.querySelector("#cloudflare-use-token") as HTMLButtonElement).click();
    await flush();
    expect(root.querySelector("#cloudflare-status")?.textContent).toContain("Invalid API Token");
    expect(root.querySelector("#cloudflare-status")?.textContent).toContain("Make a new token.");
    expect(token.value).toBe("");

    // A good one: who wrangler reaches Cloudflare as, and the token gone from the page.
    token.value = "good-token-0123456789abcdef";
    (api.cloudflareToken as ReturnType<typeof vi.fn>).mockResolvedValueOnce({ email: "dev@example.com", via: "api_token", accounts: [] });
    (root.querySelector("#cloudflare-use-token") as HTMLButtonElement).click();
    await flush();
    expect(api.cloudflareToken).toHaveBeenLastCalledWith("good-token-0123456789abcdef", "");
    expect(root.querySelector("#cloudflare-status")?.textContent).toContain("dev@example.com");
    expect(token.value).toBe("");
    expect(root.innerHTML).not.toContain("good-token");
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
