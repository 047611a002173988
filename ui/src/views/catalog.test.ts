import { describe, expect, it, vi } from "vitest";
import type { AppView, CatalogPlan } from "../types";
import { actionDetail, dotenv, planTable, renderCatalog, rowLabel, writeCount } from "./catalog";

const plan: CatalogPlan = {
  blocked: false,
  problems: [],
  rows: [
    { object: "product", test_id: "prod_1", test_product: "prod_1", tier: "pro", name: "Pro Plan", terms: null, action: { kind: "create_product" } },
    { object: "price", test_id: "price_1", test_product: "prod_1", tier: "pro", name: "Pro Plan", terms: "29.00 USD / month", action: { kind: "conflict", live_id: "price_L", reason: "live has 15.00 USD / month" } },
    { object: "price", test_id: "price_2", test_product: "prod_2", tier: null, name: "Stickers", terms: "1.00 USD once", action: { kind: "skipped", reason: "not a tier" } },
  ],
};

describe("catalog view helpers", () => {
  it("shows one row per product and tier price, with the action and why", () => {
    const table = planTable(plan);
    const rows = [...table.querySelectorAll("tbody tr")];
    expect(rows.length).toBe(2);
    expect(rows[0].classList.contains("action-create_product")).toBe(true);
    expect(rows[1].textContent).toContain("Conflict");
    expect(rows[1].textContent).toContain("live has 15.00 USD / month");
  });

  it("counts every write and says what a meter or default-price row is about", () => {
    const row = (object: CatalogPlan["rows"][number]["object"], kind: "create_meter" | "set_default_price" | "live") => ({
      object, test_id: "x", test_product: "prod_1", tier: "pro", name: "Pro Plan", terms: "29.00 USD / month",
      action: kind === "live" ? { kind, live_id: "price_L" } as const : { kind } as const,
    });
    const more: CatalogPlan = { ...plan, rows: [...plan.rows, row("meter", "create_meter"), row("default_price", "set_default_price"), row("default_price", "live")] };
    expect(writeCount(more)).toBe(3);
    expect(rowLabel(row("default_price", "live"))).toBe("Default price of Pro Plan: 29.00 USD / month");
    expect(rowLabel(row("meter", "create_meter"))).toBe("Meter: Pro Plan");
  });

  it("explains live, conflict and skipped actions", () => {
    expect(actionDetail({ kind: "live", live_id: "price_X" })).toBe("price_X");
    expect(actionDetail({ kind: "skipped", reason: "archived" })).toBe("archived");
    expect(actionDetail({ kind: "create_price" })).toBe("");
  });

  it("exports price IDs and the portal as .env lines", () => {
    const text = dotenv([{ name: "STRIPE_PRICE_ID_PRO", price_id: "price_A", tier: "pro", terms: "" }], { id: "bpc_1", reused: false });
    expect(text).toBe("STRIPE_PRICE_ID_PRO=price_A\nSTRIPE_PORTAL_CONFIG_ID=bpc_1\n");
  });
});

describe("renderCatalog after Create", () => {
  it("keeps the outcome in view, hides the spent button and moves focus to Continue", async () => {
    const view = { mode: "rehearsal", catalog: { price_ids: null }, steps: [] } as unknown as AppView;
    const done: CatalogPlan = { blocked: false, problems: [], rows: [] };
    const planCatalog = vi.fn().mockResolvedValueOnce(plan).mockResolvedValue(done);
    const api = {
      planCatalog,
      applyCatalog: vi.fn().mockResolvedValue({
        outcome: { created: [1, 2, 3], failed: [] },
        price_ids: [{ name: "STRIPE_PRICE_ID_PRO", price_id: "price_L1", tier: "pro", terms: "29.00 USD / month" }],
        portal: null,
        view,
      }),
      onStepEvent: vi.fn().mockResolvedValue(() => {}),
      openLink: vi.fn(),
    };
    const root = document.createElement("div");
    document.body.append(root);
    renderCatalog(root, { api: api as never, view, onView: vi.fn(), onContinue: vi.fn() });
    const q = (css: string) => root.querySelector(css) as HTMLElement;
    await vi.waitFor(() => expect((q("#apply") as HTMLButtonElement).disabled).toBe(false));
    q("#apply").click();
    await vi.waitFor(() => expect(q("#catalog-status").textContent).toContain("Done: 3 created in live mode."));
    expect(q("#catalog-status").textContent).toContain("Live mode already has every tier.");
    expect(q("#apply").hidden).toBe(true);
    expect(document.activeElement?.id).toBe("catalog-continue");
    expect(q("#price-ids").textContent).toContain("price_L1");
    root.remove();
  });
});

describe("renderCatalog problems", () => {
  it("lists a warning shared by several products once, and offers the suggestion as a button", async () => {
    const view = { mode: "rehearsal", catalog: { price_ids: null }, steps: [] } as unknown as AppView;
    const warn = (name: string) => ({
      product_id: `prod_${name}`,
      product_name: name,
      severity: "warning" as const,
      code: "tax_behavior_unspecified",
      message: "A price has no tax behaviour.",
      fix: "Decide now whether prices include tax.",
      suggestion: null,
    });
    const trap: CatalogPlan = {
      blocked: true,
      rows: [],
      problems: [
        warn("Starter"),
        warn("Pro Plan"),
        { product_id: "prod_p", product_name: "Pro Plan", severity: "blocking", code: "tier_case", message: "“Pro” is not a tier the app knows.", fix: "Use “pro”.", suggestion: "pro" },
      ],
    };
    const planCatalog = vi.fn().mockResolvedValueOnce(trap).mockResolvedValue({ blocked: false, problems: [], rows: [] });
    const api = { planCatalog, applyCatalog: vi.fn(), onStepEvent: vi.fn().mockResolvedValue(() => {}), openLink: vi.fn() };
    const root = document.createElement("div");
    document.body.append(root);
    renderCatalog(root, { api: api as never, view, onView: vi.fn(), onContinue: vi.fn() });
    await vi.waitFor(() => expect(root.querySelectorAll("[data-code='tax_behavior_unspecified']").length).toBe(1));
    expect(root.querySelector("[data-code='tax_behavior_unspecified'] .finding-title")!.textContent).toBe("Starter, Pro Plan");
    expect(root.querySelector("summary")!.textContent).toContain("1 warning(s)");
    const use = root.querySelector("[data-code='tier_case'] .use-suggestion") as HTMLButtonElement;
    expect(use.textContent).toBe("Use “pro” in live mode");
    use.click();
    expect((root.querySelector("#accept-suggestions") as HTMLInputElement).checked).toBe(true);
    expect(planCatalog).toHaveBeenLastCalledWith(null, true);
    await vi.waitFor(() => expect(root.querySelector("[data-code='tier_case']")).toBeNull());
    root.remove();
  });
});
