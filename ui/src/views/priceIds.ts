// The "Price IDs & portal" view: the live price IDs and the portal configuration the Catalog
// step collected, as the Worker will get them (names, values, terms), with copy buttons and a
// .env export; Continue goes on to the Webhook step. (Like every view, the app focuses the
// view itself when it opens.)

import type { Api } from "../api";
import { clear, h } from "../dom";
import type { AppView } from "../types";
import { priceIdTable } from "./catalog";

export interface PriceIdsViewDeps {
  api: Api;
  view: AppView;
  onBack: () => void;
  onContinue: () => void;
}

export function renderPriceIds(root: HTMLElement, deps: PriceIdsViewDeps): () => void {
  const { view } = deps;
  clear(root);
  const ids = view.catalog.price_ids;
  const cont = h("button", { type: "button", id: "price-ids-continue", class: "primary", disabled: ids === null }, "Continue →");
  cont.addEventListener("click", () => deps.onContinue());
  const back = h("button", { type: "button", id: "price-ids-back", class: "secondary" }, "Back to Catalog");
  back.addEventListener("click", () => deps.onBack());
  root.append(
    h("h1", {}, "Price IDs & portal"),
    h(
      "p",
      { class: "lead" },
      "What the Catalog step collected in live mode: one variable per tier price and the customer portal's configuration. The Secrets step pushes them to your Worker; nothing to do here but check them.",
    ),
    ids === null
      ? h("p", { id: "price-ids-missing", class: "status" }, "No live price IDs yet: create the catalog in live mode first.")
      : priceIdTable(ids, view.catalog.portal),
    h("div", { class: "actions" }, back, cont),
  );
  return () => undefined;
}
