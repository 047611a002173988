// The Secrets view: every variable the Worker gets, where each stands (in the keyring,
// pushed, confirmed on the Worker), and one Push that uploads them all with wrangler.
// Secret values never reach this page: only hints like sk_live_…abcd.

import type { Api } from "../api";
import { clear, h } from "../dom";
import { showProblem } from "../findings";
import type { AppView, SecretStatus, StepEvent } from "../types";

export interface SecretsViewDeps {
  api: Api;
  view: AppView;
  onView: (view: AppView) => void;
  onContinue: () => void;
}

const yes = (ok: boolean, label: string) => h("span", { class: ok ? "state-yes" : "state-no", "aria-label": `${label}: ${ok ? "yes" : "no"}` }, ok ? "✓" : "—");

export function secretsTable(statuses: SecretStatus[]): HTMLTableElement {
  const rows = statuses.map((s) =>
    h(
      "tr",
      { "data-secret": s.name },
      h("td", {}, h("code", {}, s.name)),
      h("td", { class: "muted" }, h("code", {}, s.hint)),
      h("td", {}, s.in_keyring ? yes(true, "in keyring") : h("span", { class: "muted" }, "not secret")),
      h("td", {}, yes(s.pushed, "pushed")),
      h("td", {}, yes(s.confirmed, "confirmed")),
    ),
  );
  return h(
    "table",
    { class: "plan", id: "secrets-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "Variable"), h("th", {}, "Value"), h("th", {}, "In keyring"), h("th", {}, "Pushed"), h("th", {}, "Confirmed"))),
    h("tbody", {}, ...rows),
  );
}

export function targetText(view: AppView): string {
  const name = view.connect?.worker.config.name ?? "your Worker";
  return view.worker_env ? `the “${view.worker_env}” environment of ${name} (wrangler --env ${view.worker_env})` : `the Worker “${name}”`;
}

export function renderSecrets(root: HTMLElement, deps: SecretsViewDeps): () => void {
  const { api, view } = deps;
  clear(root);
  const pushButton = h("button", { type: "button", id: "push-secrets", class: "primary" }, "Push to the Worker");
  const done = view.steps.find((s) => s.id === "secrets")?.done ?? false;
  const cont = h("button", { type: "button", id: "secrets-continue", class: "primary", disabled: !done }, "Continue →");
  cont.addEventListener("click", () => deps.onContinue());
  const status = h("p", { id: "secrets-status", class: "status", role: "status", "aria-live": "polite" });
  const progress = h("progress", { id: "secrets-progress", max: "3", value: "0", hidden: true });
  const table = h("div", { id: "secrets-holder" });
  root.append(
    h("h1", {}, "Secrets"),
    h(
      "p",
      { class: "lead" },
      `golive keeps the live key and the webhook secret in your system keyring, then uploads every variable to ${targetText(view)} with one `,
      h("code", {}, "wrangler secret bulk"),
      " (values go to wrangler on its standard input, never on a command line) and checks with ",
      h("code", {}, "wrangler secret list"),
      " that each one arrived.",
    ),
    table,
    h("div", { class: "actions" }, pushButton, cont),
    progress,
    status,
  );
  const show = (statuses: SecretStatus[]) => {
    clear(table);
    table.append(secretsTable(statuses));
  };
  const unlisten = api.onStepEvent((event: StepEvent) => {
    if (event.step !== "secrets" || event.kind !== "progress") return;
    progress.hidden = false;
    progress.value = event.done;
    status.textContent = event.message;
  });
  pushButton.addEventListener("click", async () => {
    pushButton.disabled = true;
    status.textContent = "Pushing…";
    try {
      const pushed = await api.pushSecrets();
      show(pushed.statuses);
      deps.onView(pushed.view);
      status.textContent = `All ${pushed.record.confirmed.length} secrets are on ${pushed.record.script}${pushed.record.env ? ` (${pushed.record.env})` : ""}.`;
      cont.disabled = false;
      cont.focus();
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
    } finally {
      pushButton.disabled = false;
    }
  });
  void api.secretsPreview().then(show, (err) => showProblem(status, err, (url) => void api.openLink(url)));
  return () => void unlisten.then((f) => f());
}
