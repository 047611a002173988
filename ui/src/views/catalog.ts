// The Catalog view: the plan as a table (action per row), problems with their fixes and the
// suggested tier values, Apply with per-item progress, then the live price-ID table.

import type { Api } from "../api";
import { clear, h, withCode } from "../dom";
import { showProblem } from "../findings";
import type { AppView, CatalogPlan, CatalogProblem, PlanAction, PriceIdVar, PortalOutcome, StepEvent } from "../types";

export interface CatalogViewDeps {
  api: Api;
  view: AppView;
  onView: (view: AppView) => void;
  onContinue: () => void;
}

const ACTION_TEXT: Record<PlanAction["kind"], string> = {
  create_product: "Create product",
  create_price: "Create price",
  create_meter: "Create meter",
  set_default_price: "Set default price",
  live: "Already live",
  conflict: "Conflict — left alone",
  skipped: "Skipped",
};

/** The plan actions that write to live mode (what Apply does). */
const WRITES: ReadonlySet<PlanAction["kind"]> = new Set(["create_product", "create_price", "create_meter", "set_default_price"]);

export function writeCount(plan: CatalogPlan): number {
  return plan.rows.filter((r) => WRITES.has(r.action.kind)).length;
}

/** What a row is about: the product, one of its prices, a meter, or a product's default price. */
export function rowLabel(row: CatalogPlan["rows"][number]): string {
  switch (row.object) {
    case "product":
      return row.name;
    case "meter":
      return `Meter: ${row.name}`;
    case "default_price":
      return `Default price of ${row.name}: ${row.terms ?? ""}`;
    default:
      return `  ${row.terms ?? ""}`;
  }
}

export function actionDetail(action: PlanAction): string {
  switch (action.kind) {
    case "live":
      return action.live_id;
    case "conflict":
      return `${action.live_id}: ${action.reason}`;
    case "skipped":
      return action.reason;
    default:
      return "";
  }
}

export function planTable(plan: CatalogPlan): HTMLTableElement {
  const body = h("tbody", {});
  for (const row of plan.rows) {
    if (row.action.kind === "skipped" && row.tier === null && row.object === "price") continue;
    body.append(
      h(
        "tr",
        { class: `plan-row action-${row.action.kind}`, "data-test-id": row.test_id },
        h("td", {}, row.tier ?? "—"),
        h("td", {}, rowLabel(row)),
        h("td", {}, h("span", { class: `badge badge-${row.action.kind}` }, ACTION_TEXT[row.action.kind])),
        h(
          "td",
          { class: "muted" },
          [actionDetail(row.action), ...(row.not_copied ?? []).map((o) => `Not copied: ${o.field} — ${o.reason}`)]
            .filter((t) => t !== "")
            .join(" · "),
        ),
      ),
    );
  }
  return h(
    "table",
    { class: "plan", id: "plan-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "Tier"), h("th", {}, "Product / price"), h("th", {}, "In live mode"), h("th", {}, "Details"))),
    body,
  );
}

export function dotenv(vars: PriceIdVar[], portal: PortalOutcome | null): string {
  const lines = vars.map((v) => `${v.name}=${v.price_id}`);
  if (portal) lines.push(`STRIPE_PORTAL_CONFIG_ID=${portal.id}`);
  return lines.join("\n") + "\n";
}

function copyButton(text: string, label: string): HTMLButtonElement {
  const button = h("button", { type: "button", class: "copy" }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy by hand";
    }
  });
  return button;
}

export function priceIdTable(vars: PriceIdVar[], portal: PortalOutcome | null): HTMLElement {
  const rows = vars.map((v) =>
    h("tr", {}, h("td", {}, h("code", {}, v.name)), h("td", {}, h("code", {}, v.price_id)), h("td", { class: "muted" }, v.terms), h("td", {}, copyButton(v.price_id, "Copy"))),
  );
  if (portal) {
    rows.push(
      h(
        "tr",
        {},
        h("td", {}, h("code", {}, "STRIPE_PORTAL_CONFIG_ID")),
        h("td", {}, h("code", {}, portal.id)),
        h("td", { class: "muted" }, portal.reused ? "customer portal (existing)" : "customer portal (created)"),
        h("td", {}, copyButton(portal.id, "Copy")),
      ),
    );
  }
  const env = dotenv(vars, portal);
  return h(
    "div",
    { id: "price-ids" },
    h("h2", {}, "Live price IDs"),
    h("p", { class: "muted" }, "These become your Worker's secrets in the Secrets step. A tier's monthly price gets the plain name; others add their period (_YEARLY, _ONE_TIME…) or _METERED, and no two ever share a name."),
    h("table", { class: "plan" }, h("tbody", {}, ...rows)),
    h("div", { class: "actions" }, copyButton(env, "Copy all as .env")),
  );
}

export function renderCatalog(root: HTMLElement, deps: CatalogViewDeps): () => void {
  const { api, view } = deps;
  clear(root);
  const tiers = h("input", { id: "expected-tiers", type: "text", placeholder: "starter, pro, enterprise (optional)", spellcheck: "false" });
  const accept = h("input", { id: "accept-suggestions", type: "checkbox" });
  const planButton = h("button", { type: "button", id: "plan", class: "secondary" }, "Plan again");
  const applyButton = h("button", { type: "button", id: "apply", class: "primary", disabled: true }, "Create in live mode");
  const cont = h("button", { type: "button", id: "catalog-continue", class: "primary", disabled: view.catalog.price_ids === null }, "Continue →");
  cont.addEventListener("click", () => deps.onContinue());
  const status = h("p", { id: "catalog-status", class: "status", role: "status", "aria-live": "polite" });
  const progress = h("progress", { id: "catalog-progress", max: "1", value: "0", hidden: true });
  const problems = h("ul", { id: "catalog-problems", class: "findings" });
  const warnings = h("ul", { class: "findings" });
  const warningsBox = h("details", { id: "catalog-warnings", hidden: true }, h("summary", {}, "Warnings"), warnings);
  const table = h("div", { id: "plan-holder" });
  const result = h("div", { id: "catalog-result" });

  root.append(
    h("h1", {}, "Catalog"),
    h("p", { class: "lead" }, "golive compares your test-mode products with live mode and creates only what is missing, with the same metadata. Nothing is written until you press Create; running it again never makes duplicates."),
    h(
      "div",
      { class: "catalog-options" },
      h("label", { for: "expected-tiers" }, "Your app's tier names"),
      tiers,
      h("label", { class: "check" }, accept, " Use golive's suggested tier values in live mode"),
      h("div", { class: "actions" }, planButton, applyButton, cont),
    ),
    status,
    progress,
    problems,
    table,
    result,
    warningsBox,
  );
  if (view.catalog.price_ids) result.append(priceIdTable(view.catalog.price_ids, view.catalog.portal));

  const expected = () => {
    const names = tiers.value.split(",").map((t) => t.trim()).filter(Boolean);
    return names.length ? names : null;
  };

  const showPlan = (plan: CatalogPlan) => {
    clear(problems);
    clear(warnings);
    // One row per distinct problem: the same warning on several products is listed once, with
    // every product it is about.
    const grouped = new Map<string, { p: CatalogProblem; names: string[] }>();
    for (const p of plan.problems) {
      const key = JSON.stringify([p.severity, p.code, p.message, p.fix, p.suggestion]);
      const seen = grouped.get(key);
      if (seen) seen.names.push(p.product_name);
      else grouped.set(key, { p, names: [p.product_name] });
    }
    const rows = [...grouped.values()];
    const warningCount = rows.filter((r) => r.p.severity === "warning").length;
    warningsBox.hidden = warningCount === 0;
    warningsBox.querySelector("summary")!.textContent = `${warningCount} warning(s) — worth a look, none blocks`;
    for (const { p, names } of rows) {
      // A problem golive can fix points at the control that applies the fix.
      const useSuggestion =
        p.suggestion && !accept.checked
          ? h("button", { type: "button", class: "secondary use-suggestion" }, `Use “${p.suggestion}” in live mode`)
          : null;
      useSuggestion?.addEventListener("click", () => {
        accept.checked = true;
        accept.focus();
        void runPlan();
      });
      (p.severity === "blocking" ? problems : warnings).append(
        h(
          "li",
          { class: `finding finding-${p.severity === "blocking" ? "fail" : "warn"}`, "data-code": p.code },
          h("span", { class: "finding-mark" }, p.severity === "blocking" ? "✗" : "!"),
          h(
            "div",
            { class: "finding-body" },
            h("div", { class: "finding-title" }, names.join(", ")),
            h("div", { class: "finding-detail" }, ...withCode(p.message)),
            h("div", { class: "finding-fix" }, h("strong", {}, "What to do: "), ...withCode(p.fix)),
            useSuggestion,
          ),
        ),
      );
    }
    clear(table);
    table.append(planTable(plan));
    const writes = writeCount(plan);
    applyButton.disabled = plan.blocked;
    // Nothing to write and the price IDs collected: no button that looks like another task.
    applyButton.hidden = !writes && !cont.disabled;
    applyButton.textContent = writes ? `Write ${writes} change(s) in live mode` : "Collect price IDs";
    status.textContent = plan.blocked
      ? "Fix the problems marked ✗ (or use the suggested values), then plan again."
      : writes
        ? `${writes} change(s) to create in live mode.`
        : "Live mode already has every tier.";
  };

  const runPlan = async () => {
    planButton.disabled = true;
    status.textContent = "Reading both catalogs…";
    try {
      showPlan(await api.planCatalog(expected(), accept.checked));
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
    } finally {
      planButton.disabled = false;
    }
  };
  planButton.addEventListener("click", runPlan);
  accept.addEventListener("change", runPlan);

  const unlisten = api.onStepEvent((event: StepEvent) => {
    if (event.step !== "catalog" || event.kind !== "progress") return;
    progress.hidden = false;
    progress.max = event.total || 1;
    progress.value = event.done;
    status.textContent = `${event.done}/${event.total} · ${event.item} — ${event.message}`;
  });

  applyButton.addEventListener("click", async () => {
    applyButton.disabled = true;
    planButton.disabled = true;
    status.textContent = "Creating…";
    try {
      const applied = await api.applyCatalog(expected(), accept.checked);
      deps.onView(applied.view);
      clear(result);
      const failed = applied.outcome.failed;
      if (!failed.length) {
        result.append(priceIdTable(applied.price_ids, applied.portal));
        cont.disabled = false;
      }
      await runPlan();
      // The outcome stays in view, followed by what the new plan says.
      status.textContent = failed.length
        ? `${failed.length} could not be created: ${failed.map((f) => `${f.name}: ${f.reason}`).join("; ")}. Press the button again: golive picks up where it stopped. ${status.textContent}`
        : `Done: ${applied.outcome.created.length} created in live mode. ${status.textContent}`;
      if (!failed.length) cont.focus();
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
    } finally {
      planButton.disabled = false;
    }
  });

  void runPlan();
  return () => void unlisten.then((f) => f());
}
