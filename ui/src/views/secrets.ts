// The Secrets view: every variable the Worker gets, where each stands (in the keyring,
// pushed, confirmed on the Worker), and one Push that uploads them all with wrangler.
// Secret values never reach this page: only hints like sk_live_…abcd.

import type { Api } from "../api";
import { clear, h } from "../dom";
import { showProblem } from "../findings";
import type { AppView, DeployPlan, SecretStatus, StepEvent } from "../types";

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

/** The deploy golive offers when Cloudflare has no such Worker yet: each exact command and
 *  what it changes, run only on the button. */
export function deployPanel(plan: DeployPlan): { panel: HTMLElement; run: HTMLButtonElement; output: HTMLElement } {
  const run = h("button", { type: "button", id: "deploy-run", class: "primary" }, plan.actions.length > 1 ? "Run them" : "Deploy now") as HTMLButtonElement;
  const output = h("pre", { id: "deploy-output", class: "deploy-output", "aria-live": "polite", hidden: true });
  const panel = h(
    "section",
    { id: "deploy", class: "deploy", "aria-labelledby": "deploy-heading" },
    h("h2", { id: "deploy-heading" }, `Deploy “${plan.worker}” first`),
    h("p", {}, `Cloudflare has no Worker by this name yet, so its secrets have nowhere to go. golive can run this in ${plan.folder} for you:`),
    h(
      "ol",
      { class: "deploy-actions" },
      ...plan.actions.map((a) => h("li", { "data-kind": a.kind }, h("code", {}, a.command), h("div", { class: "muted" }, a.changes))),
    ),
    h("div", { class: "actions" }, run),
    output,
  );
  return { panel, run, output };
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
  const deployHolder = h("div", { id: "deploy-holder" });
  let deployOutput: HTMLElement | null = null;
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
    deployHolder,
  );
  const show = (statuses: SecretStatus[]) => {
    clear(table);
    table.append(secretsTable(statuses));
  };
  const unlisten = api.onStepEvent((event: StepEvent) => {
    if (event.step !== "secrets" || event.kind !== "progress") return;
    if (event.item === "deploy") {
      if (deployOutput) {
        deployOutput.hidden = false;
        deployOutput.textContent += `${event.message}\n`;
      }
      return;
    }
    progress.hidden = false;
    progress.value = event.done;
    status.textContent = event.message;
  });
  const offerDeploy = async () => {
    let plan: DeployPlan;
    try {
      plan = await api.deployPlan();
    } catch (err) {
      showProblem(deployHolder, err, (url) => void api.openLink(url));
      return;
    }
    if (plan.actions.length === 0) return;
    const { panel, run, output } = deployPanel(plan);
    deployOutput = output;
    clear(deployHolder);
    deployHolder.append(panel);
    run.addEventListener("click", async () => {
      run.disabled = true;
      output.textContent = "";
      try {
        const done = await api.deploy();
        output.hidden = false;
        output.textContent += done.deployed ? `Deployed${done.url ? `: ${done.url}` : "."}\n` : "Done.\n";
        run.hidden = true;
        // The step goes on where it stopped: push the secrets to the Worker now there.
        pushButton.click();
      } catch (err) {
        const problem = h("div", { id: "deploy-problem" });
        panel.append(problem);
        showProblem(problem, err, (url) => void api.openLink(url));
        run.disabled = false;
      }
    });
    run.focus();
  };
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
      if ((err as { code?: string } | null)?.code === "worker_not_deployed") void offerDeploy();
    } finally {
      pushButton.disabled = false;
    }
  });
  void api.secretsPreview().then(show, (err) => showProblem(status, err, (url) => void api.openLink(url)));
  return () => void unlisten.then((f) => f());
}
