import { describe, expect, it } from "vitest";
import type { CatalogPlan } from "../types";
import { actionDetail, dotenv, planTable, rowLabel, writeCount } from "./catalog";

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
