// The Webhook view: which Worker (and wrangler environment), the endpoint URL (derived,
// editable), the events and the pinned API version, the live endpoints golive found with
// what it will do with each, duplicates with a "disable" action, then Create/Use.

import type { Api } from "../api";
import { clear, h } from "../dom";
import { renderFinding, showProblem } from "../findings";
import type { AppView, Candidates, FoundEndpoint, Role, WebhookPlan } from "../types";

export interface WebhookViewDeps {
  api: Api;
  view: AppView;
  onView: (view: AppView) => void;
  onContinue: () => void;
}

export const REQUIRED_EVENTS = [
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
];

export function roleText(role: Role): string {
  switch (role.kind) {
    case "use":
      return "golive uses this one";
    case "duplicate":
      return "Duplicate";
    default:
      return "Not for this Worker";
  }
}

export function actionText(plan: WebhookPlan): string {
  if (plan.action.kind === "create") return "Create the live endpoint";
  if (plan.action.add_events.length || plan.action.enable) return "Fix and use the existing endpoint";
  return "Use the existing endpoint";
}

/// One row per endpoint found; duplicates get a checkbox to select them for disabling.
export function endpointTable(plan: WebhookPlan): HTMLTableElement {
  const rows = plan.endpoints.map((found: FoundEndpoint) => {
    const e = found.endpoint;
    const duplicate = found.role.kind === "duplicate";
    const select = duplicate ? h("input", { type: "checkbox", class: "disable-pick", value: e.id, "aria-label": `Select ${e.id} to disable` }) : null;
    return h(
      "tr",
      { class: `endpoint role-${found.role.kind}`, "data-endpoint": e.id },
      h("td", {}, select),
      h("td", {}, h("code", {}, e.id), h("div", { class: "muted" }, e.url)),
      h("td", {}, e.status),
      h("td", {}, e.api_version ?? "account default"),
      h("td", {}, `${e.enabled_events.length} event(s)`),
      h(
        "td",
        {},
        h("span", { class: `badge badge-${found.role.kind}` }, roleText(found.role)),
        found.role.kind === "duplicate" ? h("div", { class: "muted" }, found.role.reason) : null,
      ),
    );
  });
  return h(
    "table",
    { class: "plan", id: "endpoint-table" },
    h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, "Endpoint"), h("th", {}, "Status"), h("th", {}, "API version"), h("th", {}, "Events"), h("th", {}, "golive"))),
    h("tbody", {}, ...rows),
  );
}

export function renderWebhook(root: HTMLElement, deps: WebhookViewDeps): () => void {
  const { api, view } = deps;
  clear(root);
  const envSelect = h("select", { id: "worker-env" });
  const envRow = h("div", { class: "field", hidden: true }, h("label", { for: "worker-env" }, "Wrangler environment"), envSelect);
  const urlInput = h("input", { id: "webhook-url", type: "url", spellcheck: "false", value: view.webhook?.url ?? "" });
  const candidates = h("div", { id: "url-candidates", class: "candidates" });
  const note = h("p", { id: "url-note", class: "muted", hidden: true });
  const extra = h("input", { id: "extra-events", type: "text", spellcheck: "false", placeholder: "invoice.payment_failed (optional, comma-separated)" });
  const version = h("p", { id: "api-version", class: "muted" });
  const checkButton = h("button", { type: "button", id: "webhook-plan", class: "secondary" }, "Check endpoints");
  const ensureButton = h("button", { type: "button", id: "webhook-ensure", class: "primary", disabled: true }, "Create the live endpoint");
  const done = view.steps.find((s) => s.id === "webhook")?.done ?? false;
  const cont = h("button", { type: "button", id: "webhook-continue", class: "primary", disabled: !done }, "Continue →");
  cont.addEventListener("click", () => deps.onContinue());
  const status = h("p", { id: "webhook-status", class: "status", role: "status", "aria-live": "polite" });
  const findings = h("ul", { id: "webhook-findings", class: "findings" });
  const table = h("div", { id: "endpoint-holder" });
  const disableButton = h("button", { type: "button", id: "disable-duplicates", class: "secondary", hidden: true }, "Disable selected endpoints");

  root.append(
    h("h1", {}, "Webhook"),
    h("p", { class: "lead" }, "Stripe tells your Worker about new and changed subscriptions through a live webhook endpoint. golive makes sure there is exactly one, sending the four events your app needs, and keeps its signing secret in your system keyring — Stripe shows it only once."),
    envRow,
    h("div", { class: "field" }, h("label", { for: "webhook-url" }, "Endpoint URL"), urlInput, candidates, note),
    h(
      "div",
      { class: "field" },
      h("span", { class: "label" }, "Events (always sent)"),
      h("ul", { class: "events" }, ...REQUIRED_EVENTS.map((e) => h("li", {}, h("code", {}, e)))),
      h("label", { for: "extra-events" }, "More events"),
      extra,
    ),
    version,
    h("div", { class: "actions" }, checkButton, ensureButton, cont),
    status,
    findings,
    table,
    disableButton,
  );

  const extraEvents = () => extra.value.split(",").map((e) => e.trim()).filter(Boolean);

  const showCandidates = (found: Candidates) => {
    clear(candidates);
    if (found.candidates.length) candidates.append(h("span", { class: "muted" }, "Suggested: "));
    for (const c of found.candidates) {
      const pick = h("button", { type: "button", class: "link-button candidate", "data-url": c.url }, `${c.url}`);
      pick.title = `From ${c.source}`;
      pick.addEventListener("click", () => {
        urlInput.value = c.url;
        void runPlan();
      });
      candidates.append(pick, h("span", { class: "muted" }, ` (${c.source}) `));
    }
    if (!urlInput.value && found.candidates.length) urlInput.value = found.candidates[0].url;
    note.textContent = found.note ?? "";
    note.hidden = !found.note;
    if (found.environments.length && envSelect.options.length === 0) {
      envSelect.append(h("option", { value: "" }, "Top level"), ...found.environments.map((e) => h("option", { value: e }, e)));
      envSelect.value = view.worker_env ?? "";
      envRow.hidden = false;
    }
  };

  let plan: WebhookPlan | null = null;
  const showPlan = (next: WebhookPlan) => {
    plan = next;
    version.textContent = `API version: pinned to ${next.api_version} (the account's default: ${next.account_default_api_version ?? "not known until Stripe sends an event"}).`;
    clear(findings);
    for (const f of next.findings) findings.append(renderFinding(f, (url) => void api.openLink(url)));
    clear(table);
    if (next.endpoints.length) table.append(h("h2", {}, "Live endpoints found"), endpointTable(next));
    disableButton.hidden = !next.endpoints.some((e) => e.role.kind === "duplicate");
    ensureButton.disabled = false;
    ensureButton.hidden = false;
    ensureButton.textContent = actionText(next);
    status.textContent = next.action.kind === "create" ? `No endpoint golive can use for ${next.url} yet.` : `An endpoint for ${next.url} is ready to use.`;
  };

  const runPlan = async () => {
    if (!urlInput.value.trim()) {
      status.textContent = "Type the Worker's address, e.g. https://api.example.com/webhook/stripe.";
      return;
    }
    checkButton.disabled = true;
    status.textContent = "Reading the live endpoints…";
    try {
      showPlan(await api.planWebhook(urlInput.value, extraEvents()));
    } catch (err) {
      ensureButton.disabled = true;
      showProblem(status, err, (url) => void api.openLink(url));
    } finally {
      checkButton.disabled = false;
    }
  };

  const loadCandidates = async () => {
    try {
      showCandidates(await api.webhookCandidates(envSelect.value || (envSelect.options.length ? null : view.worker_env)));
    } catch (err) {
      showProblem(note, err, (url) => void api.openLink(url));
      note.hidden = false;
    }
  };

  envSelect.addEventListener("change", async () => {
    urlInput.value = "";
    await loadCandidates();
    await runPlan();
  });
  checkButton.addEventListener("click", runPlan);
  ensureButton.addEventListener("click", async () => {
    ensureButton.disabled = true;
    status.textContent = plan?.action.kind === "create" ? "Creating the endpoint and storing its secret in the keyring…" : "Updating the endpoint…";
    try {
      const ensured = await api.ensureWebhook(urlInput.value, extraEvents());
      deps.onView(ensured.view);
      status.textContent = `${ensured.outcome.created ? "Created" : "Using"} ${ensured.outcome.endpoint.id}; its signing secret is in your keyring.`;
      cont.disabled = false;
      showPlanAfter(await api.planWebhook(urlInput.value, extraEvents()));
      // Done: the button would now read "Use the existing endpoint", which looks like one more
      // task. It comes back when the address is checked again.
      ensureButton.hidden = true;
      cont.focus();
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
      ensureButton.disabled = false;
    }
  });
  const showPlanAfter = (next: WebhookPlan) => {
    const message = status.textContent;
    showPlan(next);
    status.textContent = message;
  };
  disableButton.addEventListener("click", async () => {
    const ids = [...table.querySelectorAll<HTMLInputElement>("input.disable-pick:checked")].map((c) => c.value);
    if (!ids.length) {
      status.textContent = "Tick the endpoints to disable first.";
      return;
    }
    disableButton.disabled = true;
    try {
      const off = await api.disableEndpoints(ids);
      status.textContent = `Disabled ${off.map((e) => e.id).join(", ")}.`;
      showPlanAfter(await api.planWebhook(urlInput.value, extraEvents()));
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
    } finally {
      disableButton.disabled = false;
    }
  });

  void loadCandidates().then(runPlan);
  return () => {};
}
