import { describe, expect, it } from "vitest";
import type { WebhookPlan } from "../types";
import { actionText, endpointTable, roleText } from "./webhook";
import { secretsTable } from "./secrets";

const endpoint = (id: string, status = "enabled") => ({
  id,
  url: "https://api.example.com/webhook/stripe",
  status,
  enabled_events: ["checkout.session.completed"],
  api_version: null,
  description: null,
});

const plan: WebhookPlan = {
  url: "https://api.example.com/webhook/stripe",
  events: [],
  api_version: "2026-10-28.endive",
  account_default_api_version: null,
  action: { kind: "create" },
  endpoints: [
    { endpoint: endpoint("we_old"), same_url: true, role: { kind: "duplicate", reason: "golive does not hold its secret" } },
    { endpoint: endpoint("we_other"), same_url: false, role: { kind: "other" } },
  ],
  findings: [],
};

describe("webhook view helpers", () => {
  it("offers only duplicates for disabling, with the reason", () => {
    const table = endpointTable(plan);
    const picks = [...table.querySelectorAll<HTMLInputElement>("input.disable-pick")];
    expect(picks.map((p) => p.value)).toEqual(["we_old"]);
    expect(table.querySelector('[data-endpoint="we_old"]')!.textContent).toContain("golive does not hold its secret");
    expect(table.querySelector('[data-endpoint="we_other"]')!.textContent).toContain(roleText({ kind: "other" }));
  });

  it("names the action: create, fix, or use", () => {
    expect(actionText(plan)).toBe("Create the live endpoint");
    expect(actionText({ ...plan, action: { kind: "reuse", id: "we_1", add_events: ["x.y"], enable: false } })).toContain("Fix");
    expect(actionText({ ...plan, action: { kind: "reuse", id: "we_1", add_events: [], enable: false } })).toBe("Use the existing endpoint");
  });
});

describe("secrets table", () => {
  it("shows hints, and marks what is in the keyring, pushed and confirmed", () => {
    const table = secretsTable([
      { name: "STRIPE_SECRET_KEY", hint: "sk_live_…abcd", in_keyring: true, pushed: true, confirmed: false },
      { name: "STRIPE_PRICE_ID_PRO", hint: "price_123", in_keyring: false, pushed: false, confirmed: false },
    ]);
    const key = table.querySelector('[data-secret="STRIPE_SECRET_KEY"]')!;
    expect(key.textContent).toContain("sk_live_…abcd");
    expect(key.querySelector('[aria-label="confirmed: no"]')).not.toBeNull();
    expect(key.querySelector('[aria-label="pushed: yes"]')).not.toBeNull();
    expect(table.querySelector('[data-secret="STRIPE_PRICE_ID_PRO"]')!.textContent).toContain("not secret");
  });
});

describe("verify summary", () => {
  it("says live and verified only when nothing failed", async () => {
    const { summary } = await import("./verify");
    const finding = (status: "pass" | "warn" | "fail") => ({ check: "c", status, title: "t", detail: "d", fix: null, link: null });
    const report = { findings: [finding("pass"), finding("pass")], checked_at: 0, account_id: "acct", account_name: "A", script: "w", worker_env: null, endpoint_url: "u", endpoint_id: "we", price_ids: [], portal_id: null, secret_tails: [], mode: "real" as const };
    expect(summary(report)).toContain("Live and verified");
    expect(summary({ ...report, findings: [finding("pass"), finding("warn")] })).toBe("Live and verified, with 1 warning(s) worth a look: 1 of 2 checks passed, none failed.");
    expect(summary({ ...report, findings: [finding("fail"), finding("warn")] })).toContain("Not ready: 1 of 2");
  });

  it("never calls a rehearsal live", async () => {
    const { summary } = await import("./verify");
    const finding = (status: "pass" | "warn" | "fail") => ({ check: "c", status, title: "t", detail: "d", fix: null, link: null });
    const report = { findings: [finding("pass"), finding("warn")], checked_at: 0, account_id: "acct", account_name: "A", script: "w", worker_env: null, endpoint_url: "u", endpoint_id: "we", price_ids: [], portal_id: null, secret_tails: [], mode: "rehearsal" as const };
    for (const findings of [report.findings, [finding("pass")], [finding("fail")]]) {
      const text = summary({ ...report, findings });
      expect(text).not.toMatch(/^Live|Live and verified/);
      expect(text).toContain("Nothing is live");
    }
  });
});
