// The Audit view (between Secrets and Verify): every go-live checklist item golive can prove,
// streamed as it lands (worst first once done), each with its evidence and what to do; the
// failures that block the go-live said plainly; and the items only the founder can confirm,
// each a checkbox with its Dashboard link, the tick's date saved in the session.

import type { Api } from "../api";
import { clear, h } from "../dom";
import { renderFinding, showProblem, worstFirst } from "../findings";
import type { AppView, AuditRecord, Finding, ManualState, StepEvent } from "../types";

export interface AuditViewDeps {
  api: Api;
  view: AppView;
  onView: (view: AppView) => void;
  /** To Verify, once nothing blocks. */
  onContinue: () => void;
}

/** The verdict of a run, in plain words. */
export function auditSummary(record: AuditRecord): string {
  const report = record.report;
  if (!report) return "Not audited yet.";
  const count = (s: Finding["status"]) => report.findings.filter((f) => f.status === s).length;
  const blocking = report.findings.filter((f) => f.status === "fail" && record.blocking.includes(f.check)).length;
  const base = `${count("pass")} proven, ${count("warn")} to look at, ${count("fail")} failed`;
  if (blocking) return `${base}. ${blocking} would lose money or leak a secret: fix them before going live.`;
  return `${base}. Nothing blocks the go-live.`;
}

function date(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 10);
}

/** One manual item: a checkbox with its title, why it matters, its link and the tick's date. */
export function renderManualItem(item: ManualState, onToggle: (id: string, on: boolean) => void, openLink: (url: string) => void): HTMLLIElement {
  const box = h("input", { type: "checkbox", id: `manual-${item.id}`, checked: item.confirmed_at !== null });
  box.addEventListener("change", () => onToggle(item.id, box.checked));
  const when = item.confirmed_at !== null ? h("span", { class: "when" }, ` — confirmed by you on ${date(item.confirmed_at)}`) : null;
  const link = item.link ? h("button", { type: "button", class: "link-button" }, `${item.link.label} ↗`) : null;
  if (link && item.link) {
    const url = item.link.url;
    link.addEventListener("click", () => openLink(url));
  }
  return h(
    "li",
    { class: "manual-item", "data-id": item.id },
    h("label", { for: `manual-${item.id}` }, box, h("strong", {}, item.title), when),
    h("span", { class: "field-help" }, item.why),
    link,
  );
}

export function renderAudit(root: HTMLElement, deps: AuditViewDeps): () => void {
  const { api } = deps;
  const openLink = (url: string) => void api.openLink(url);
  clear(root);
  const run = h("button", { type: "button", id: "run-audit", class: "primary" }, "Audit now");
  const next = h("button", { type: "button", id: "audit-continue", class: "secondary", hidden: true }, "Continue to Verify");
  next.addEventListener("click", () => deps.onContinue());
  const status = h("div", { id: "audit-status", class: "status", role: "status", "aria-live": "polite" });
  const progress = h("p", { class: "status", id: "audit-progress" });
  const list = h("ul", { id: "audit-findings", class: "findings" });
  const manual = h("ul", { id: "audit-manual", class: "manual" });
  root.append(
    h("h1", {}, "Audit"),
    h(
      "p",
      { class: "lead" },
      "golive proves what Stripe's go-live checklist asks: the account can take and pay out money, the Worker's code and git history hold no key, no test-mode id is left behind, and the Worker survives duplicate, late and out-of-order events. What no machine can prove is a short list for you to tick.",
    ),
    h("div", { class: "actions" }, run, next),
    progress,
    status,
    list,
    h("h2", {}, "Only you can confirm these"),
    manual,
  );
  const showManual = (items: ManualState[]) => {
    clear(manual);
    for (const item of items) manual.append(renderManualItem(item, toggle, openLink));
  };
  const show = (record: AuditRecord) => {
    clear(list);
    for (const f of worstFirst(record.report?.findings ?? [])) list.append(renderFinding(f, openLink));
    status.textContent = auditSummary(record);
    showManual(record.manual);
    if (record.report) run.textContent = "Run again";
    next.hidden = !record.report || record.blocking.length > 0;
  };
  const toggle = (id: string, on: boolean) => {
    api.auditConfirm(id, on).then((record) => showManual(record.manual), (err) => showProblem(status, err, openLink));
  };
  const unlisten = api.onStepEvent((event: StepEvent) => {
    if (event.step !== "audit") return;
    if (event.kind === "finding") list.append(renderFinding(event.finding, openLink));
    else progress.textContent = `${event.done}/${event.total} · ${event.message}`;
  });
  run.addEventListener("click", async () => {
    run.disabled = true;
    clear(list);
    clear(status);
    try {
      const audited = await api.runAudit();
      show(audited.record);
      deps.onView(audited.view);
    } catch (err) {
      showProblem(status, err, openLink);
    } finally {
      run.disabled = false;
      progress.textContent = "";
    }
  });
  void api.auditStatus().then(show, (err) => showProblem(status, err, openLink));
  return () => void unlisten.then((f) => f());
}
