import { describe, expect, it, vi } from "vitest";
import type { AppView } from "../types";
import { renderPriceIds } from "./priceIds";

const viewWith = (price_ids: unknown, portal: unknown) => ({ mode: "rehearsal", steps: [], catalog: { price_ids, portal } }) as unknown as AppView;

describe("renderPriceIds", () => {
  it("lists the live price IDs and the portal, and Continue goes on", () => {
    const root = document.createElement("div");
    document.body.append(root);
    const onContinue = vi.fn();
    renderPriceIds(root, {
      api: {} as never,
      view: viewWith([{ name: "STRIPE_PRICE_ID_PRO", price_id: "price_L1", tier: "pro", terms: "29.00 USD / month" }], { id: "bpc_1" }),
      onBack: vi.fn(),
      onContinue,
    });
    const text = root.querySelector("#price-ids")!.textContent!;
    expect(text).toContain("STRIPE_PRICE_ID_PRO");
    expect(text).toContain("price_L1");
    expect(text).toContain("STRIPE_PORTAL_CONFIG_ID");
    (root.querySelector("#price-ids-continue") as HTMLButtonElement).click();
    expect(onContinue).toHaveBeenCalled();
    root.remove();
  });

  it("says what is missing before the catalog exists, and offers the way back", () => {
    const root = document.createElement("div");
    document.body.append(root);
    const onBack = vi.fn();
    renderPriceIds(root, { api: {} as never, view: viewWith(null, null), onBack, onContinue: vi.fn() });
    expect(root.querySelector("#price-ids-missing")!.textContent).toContain("No live price IDs yet");
    expect((root.querySelector("#price-ids-continue") as HTMLButtonElement).disabled).toBe(true);
    (root.querySelector("#price-ids-back") as HTMLButtonElement).click();
    expect(onBack).toHaveBeenCalled();
    root.remove();
  });
});
