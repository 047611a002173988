import { describe, expect, it, vi } from "vitest";
import type { Api } from "../api";
import type { AppView } from "../types";
import { renderSecrets } from "./secrets";

const view = {
  mode: "real",
  current: "secrets",
  steps: [],
  project_dir: "/p",
  connect: null,
  worker_env: null,
} as unknown as AppView;

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("Secrets view", () => {
  it("offers the deploy when Cloudflare has no such Worker, runs it only on the click, then pushes again", async () => {
    const notDeployed = { kind: "not_ready", code: "worker_not_deployed", message: "The Worker “api” is not deployed on this Cloudflare account yet.", fix: "Deploy it first.", link: null };
    const pushed = { record: { confirmed: ["A"], script: "api", env: null }, statuses: [], view };
    const api = {
      secretsPreview: vi.fn().mockResolvedValue([]),
      pushSecrets: vi.fn().mockRejectedValueOnce(notDeployed).mockResolvedValueOnce(pushed),
      deployPlan: vi.fn().mockResolvedValue({
        worker: "api",
        folder: "/p",
        config_file: "/p/wrangler.toml",
        env: null,
        deployed: false,
        actions: [
          { kind: "create_kv", binding: "TIERS", command: "npx wrangler kv namespace create TIERS", changes: "Creates the KV namespace “TIERS”…" },
          { kind: "deploy", command: "npx wrangler deploy", changes: "Uploads the Worker…" },
        ],
      }),
      deploy: vi.fn().mockResolvedValue({ kv: [["TIERS", "0123"]], deployed: true, url: "https://api.acme.workers.dev" }),
      openLink: vi.fn(),
      onStepEvent: vi.fn().mockResolvedValue(() => {}),
    } as unknown as Api;
    const root = document.createElement("main");
    renderSecrets(root, { api, view, onView: vi.fn(), onContinue: vi.fn() });
    (root.querySelector("#push-secrets") as HTMLButtonElement).click();
    await flush();
    await flush();
    const commands = [...root.querySelectorAll("#deploy code")].map((c) => c.textContent);
    expect(commands).toEqual(["npx wrangler kv namespace create TIERS", "npx wrangler deploy"]);
    expect(api.deploy).not.toHaveBeenCalled();
    (root.querySelector("#deploy-run") as HTMLButtonElement).click();
    await flush();
    await flush();
    expect(api.deploy).toHaveBeenCalledTimes(1);
    expect(root.querySelector("#deploy-output")?.textContent).toContain("https://api.acme.workers.dev");
    expect(api.pushSecrets).toHaveBeenCalledTimes(2);
    expect(root.querySelector("#secrets-status")?.textContent).toContain("All 1 secrets are on api");
  });
});
