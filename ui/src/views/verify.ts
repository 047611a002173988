// The Verify view: runs every end-to-end check with results appearing as they land (worst
// first once done), each with its evidence and what to do; "Run again"; and the go-live
// report, saved where the user chooses and opened in the browser.

import type { Api } from "../api";
import { clear, h } from "../dom";
import { renderFinding, worstFirst, showProblem } from "../findings";
import type { AppView, Finding, StepEvent, VerifyReport } from "../types";

export interface VerifyViewDeps {
  api: Api;
  view: AppView;
  onView: (view: AppView) => void;
}

/** The verdict, as the engine's report words it (golive::verify::report::model). */
export function summary(report: VerifyReport): string {
  const failed = report.findings.filter((f) => f.status === "fail").length;
  const warned = report.findings.filter((f) => f.status === "warn").length;
  const total = report.findings.length;
  const look = warned ? `, with ${warned} warning(s) worth a look` : "";
  const counted = warned ? `${total - warned} of ${total} checks passed, none failed` : `all ${total} checks passed`;
  if (report.mode === "rehearsal") {
    if (failed) return `Rehearsal not passed: ${failed} of ${total} checks failed. Fix them (each says how) and run again. Nothing is live.`;
    return `Rehearsal passed${look}: ${counted} against the local stand-ins. Nothing is live.`;
  }
  if (failed) return `Not ready: ${failed} of ${total} checks failed. Fix them (each says how) and run again.`;
  return `Live and verified${look}: ${counted}.`;
}

export function renderVerify(root: HTMLElement, deps: VerifyViewDeps): () => void {
  const { api, view } = deps;
  clear(root);
  const run = h("button", { type: "button", id: "run-verify", class: "primary" }, view.verify ? "Run again" : "Verify now");
  const save = h("button", { type: "button", id: "save-report", class: "secondary", disabled: !view.verify }, "Save the go-live report…");
  const open = h("button", { type: "button", id: "open-report", class: "secondary", hidden: true }, "Open the report");
  const status = h("p", { id: "verify-status", class: "status", role: "status", "aria-live": "polite" });
  const list = h("ul", { id: "verify-findings", class: "findings" });
  root.append(
    h("h1", {}, "Verify"),
    h("p", { class: "lead" }, "golive sends your Worker signed test events (and forged ones it must refuse), checks every live price ID, the webhook endpoint, Stripe's delivery log, the Worker's secrets and your keyring — everything the go-live checklist asks you to click through."),
    h("div", { class: "actions" }, run, save, open),
    status,
    list,
  );
  const show = (findings: Finding[]) => {
    clear(list);
    for (const f of worstFirst(findings)) list.append(renderFinding(f, (url) => void api.openLink(url)));
  };
  if (view.verify) {
    show(view.verify.findings);
    status.textContent = summary(view.verify);
  }
  const unlisten = api.onStepEvent((event: StepEvent) => {
    if (event.step !== "verify" || event.kind !== "finding") return;
    list.append(renderFinding(event.finding, (url) => void api.openLink(url)));
  });
  run.addEventListener("click", async () => {
    run.disabled = true;
    clear(list);
    status.textContent = "Checking…";
    try {
      const verified = await api.runVerify();
      show(verified.report.findings);
      status.textContent = summary(verified.report);
      deps.onView(verified.view);
      save.disabled = false;
      run.textContent = "Run again";
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
    } finally {
      run.disabled = false;
    }
  });
  save.addEventListener("click", async () => {
    try {
      const path = await api.saveReport();
      if (path) {
        status.textContent = `Saved ${path} (and the Markdown next to it).`;
        open.hidden = false;
      }
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
    }
  });
  open.addEventListener("click", () => void api.openReport().catch((err) => showProblem(status, err, (url) => void api.openLink(url))));
  return () => void unlisten.then((f) => f());
}
