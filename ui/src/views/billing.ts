// The Billing rehearsal view (test mode, any time after Connect): the scenarios golive can run
// on Stripe test clocks against the project's own Worker run on this computer, each with its
// card and trial, a tick for each; a tick to deliver every event twice and out of order; Run.
// While it runs, the status and each phase as it lands; then the summary and, per scenario,
// its timeline: the clock's time → Stripe's status → the tier expected → the Worker's tier,
// a failed phase with its cause and fix. The last run is shown when the view opens.

import type { Api } from "../api";
import { clear, h, withCode } from "../dom";
import { renderFinding, showProblem } from "../findings";
import type { AppView, BillingPlan, BillingReport, BillingScenario, PhaseResult, ScenarioResult, StepEvent, TestTier } from "../types";

export interface BillingViewDeps {
  api: Api;
  view: AppView;
  onView: (view: AppView) => void;
}

/** A scenario ran to its end with no failed phase (golive::billing::ScenarioResult::passed). */
export function scenarioPassed(s: ScenarioResult): boolean {
  return s.stopped?.status !== "fail" && s.phases.every((p) => p.finding.status !== "fail");
}

/** "5 of 6 scenarios passed", as the engine's BillingReport::summary words it. */
export function billingSummary(report: BillingReport): string {
  const passed = report.scenarios.filter(scenarioPassed).length;
  return `${passed} of ${report.scenarios.length} scenarios passed`;
}

/** The report's headline: "Billing rehearsal passed: 6 of 6 scenarios" or "… failed: 4 of 6
 * scenarios passed". */
export function billingHeadline(report: BillingReport): { passed: boolean; text: string } {
  const passed = report.scenarios.every(scenarioPassed);
  const n = report.scenarios.length;
  return passed
    ? { passed, text: `Billing rehearsal passed: ${n} of ${n} scenario${n === 1 ? "" : "s"}` }
    : { passed, text: `Billing rehearsal failed: ${billingSummary(report)}` };
}

/** A Unix time as `YYYY-MM-DD HH:MM` (UTC). */
export function clockTime(unix: number): string {
  return new Date(unix * 1000).toISOString().replace("T", " ").slice(0, 16);
}

function tierWords(t: TestTier): string {
  return `${t.tier} (${(t.unit_amount / 100).toFixed(2)} / ${t.interval})`;
}

function scenarioWords(s: BillingScenario): string {
  return [
    s.card,
    s.trial_days ? `${s.trial_days}-day trial` : "no trial",
    `${s.phases.length} phase${s.phases.length === 1 ? "" : "s"}`,
  ].join(" · ");
}

function mark(ok: boolean): HTMLSpanElement {
  return h("span", { class: ok ? "billing-ok" : "billing-bad", "aria-label": ok ? "as expected" : "not as expected" }, ok ? "✓" : "✗");
}

/** The events a phase delivered, in short: each type once, and how many went again. */
function eventWords(p: PhaseResult): string {
  const first = p.deliveries.filter((d) => !d.copy);
  const again = p.deliveries.length - first.length;
  if (p.deliveries.length === 0) return "no new events";
  const kinds = [...new Set(first.map((d) => d.kind))];
  return `${kinds.join(", ") || "no new events"}${again ? ` (+${again} delivered again)` : ""}`;
}

function phaseRows(p: PhaseResult, openLink: (url: string) => void): HTMLTableRowElement[] {
  const failed = p.finding.status === "fail";
  const statusOk = p.status === p.expected_status;
  const got = p.worker_tier ?? "nothing stored";
  const row = h(
    "tr",
    { class: failed ? "phase-fail" : "phase-pass" },
    h("td", { class: "billing-mark" }, mark(!failed)),
    h("td", { class: "billing-when" }, clockTime(p.clock_time)),
    h("td", {}, h("div", {}, p.name), h("div", { class: "billing-events" }, eventWords(p))),
    h("td", {}, h("code", {}, p.status), statusOk ? null : h("div", { class: "muted" }, `expected ${p.expected_status}`)),
    h("td", {}, p.expected_tier),
    h("td", { class: (p.worker_tier ?? "free") === p.expected_tier ? "" : "billing-differs" }, got),
  );
  if (!failed) return [row];
  const link = p.finding.link
    ? h("button", { type: "button", class: "link-button", "data-url": p.finding.link.url }, `${p.finding.link.label} ↗`)
    : null;
  link?.addEventListener("click", () => openLink(p.finding.link!.url));
  const why = h(
    "tr",
    { class: "billing-why" },
    h("td", {}),
    h(
      "td",
      { colspan: "5" },
      h("div", { class: "finding-detail" }, ...withCode(p.finding.detail)),
      p.finding.fix ? h("div", { class: "finding-fix" }, h("strong", {}, "What to do: "), ...withCode(p.finding.fix)) : null,
      link,
    ),
  );
  return [row, why];
}

/** One scenario's timeline: a row per phase, a failed one followed by its cause and fix. */
export function renderScenario(s: ScenarioResult, plan: BillingPlan | null, openLink: (url: string) => void): HTMLElement {
  const passed = scenarioPassed(s);
  const planned = plan?.scenarios.find((p) => p.id === s.id);
  const meta = [`tier ${s.tier}`, planned?.card ?? s.card, planned ? (planned.trial_days ? `${planned.trial_days}-day trial` : "no trial") : ""]
    .filter(Boolean)
    .join(" · ");
  const table = s.phases.length
    ? h(
        "table",
        { class: "plan billing-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, h("span", { class: "visually-hidden" }, "Result")),
            h("th", {}, "Clock time (UTC)"),
            h("th", {}, "Phase"),
            h("th", {}, "Stripe status"),
            h("th", {}, "Expected tier"),
            h("th", {}, "Worker's tier"),
          ),
        ),
        h("tbody", {}, ...s.phases.flatMap((p) => phaseRows(p, openLink))),
      )
    : null;
  return h(
    "section",
    { class: `billing-scenario ${passed ? "scenario-passed" : "scenario-failed"}`, "data-scenario": s.id },
    h("h3", {}, mark(passed), " ", s.title),
    h("p", { class: "muted" }, meta),
    s.stopped ? h("ul", { class: "findings" }, renderFinding(s.stopped, openLink)) : null,
    table,
  );
}

export function renderBilling(root: HTMLElement, deps: BillingViewDeps): () => void {
  const { api } = deps;
  const openLink = (url: string) => void api.openLink(url);
  clear(root);

  let plan: BillingPlan | null = null;
  let report: BillingReport | null = null;
  let running = false;

  const tiers = h("p", { class: "muted", id: "billing-tiers" });
  const scenarios = h("fieldset", { class: "choices", id: "billing-scenarios" }, h("legend", {}, "Scenarios"));
  const shuffle = h("input", { type: "checkbox", id: "billing-shuffle" });
  const run = h("button", { type: "button", id: "billing-run", class: "primary", disabled: true }, "Run the billing rehearsal");
  const formProblem = h("div", { id: "billing-problem" });
  const status = h("p", { id: "billing-status", class: "status", role: "status", "aria-live": "polite" });
  const progress = h("progress", { id: "billing-progress", max: "1", value: "0", hidden: true });
  const live = h("ul", { class: "findings", id: "billing-live", "aria-label": "Phases as they land", hidden: true });
  const summary = h("h2", { id: "billing-summary", tabindex: "-1" });
  const meta = h("p", { class: "muted", id: "billing-meta" });
  const left = h("div", { id: "billing-left" });
  const results = h("div", { id: "billing-results" });
  const resultSection = h("section", { id: "billing-report", class: "billing-report", hidden: true }, summary, meta, left, results);

  root.append(
    h("h1", {}, "Billing rehearsal"),
    h(
      "p",
      { class: "lead" },
      "In test mode, golive runs subscriptions through trials, renewals, declined cards, upgrades and cancellations on Stripe test clocks, forwards every event signed to your own Worker run on this computer, and checks the tier it keeps at each step — nothing deployed is touched, and every test clock is deleted at the end.",
    ),
    tiers,
    scenarios,
    h(
      "label",
      { class: "choice", for: "billing-shuffle" },
      shuffle,
      h("strong", {}, "Deliver every event twice and out of order"),
      h(
        "span",
        { class: "field-help" },
        "Stripe delivers each event at least once and in no set order: this proves a copy is handled once and an older event never undoes a newer state.",
      ),
    ),
    h("div", { class: "actions" }, run),
    formProblem,
    status,
    progress,
    live,
    resultSection,
  );

  const chosen = (): string[] =>
    [...scenarios.querySelectorAll<HTMLInputElement>("input[type=checkbox]")].filter((c) => c.checked).map((c) => c.value);

  const draw = () => {
    const boxes = [...scenarios.querySelectorAll<HTMLInputElement>("input[type=checkbox]")];
    for (const b of [...boxes, shuffle]) b.disabled = running;
    const n = chosen().length;
    run.disabled = running || !plan || n === 0;
    run.textContent =
      running ? "Running…" : !plan || n === boxes.length ? "Run the billing rehearsal" : `Run ${n} scenario${n === 1 ? "" : "s"}`;
    if (plan && n === 0 && !running) status.textContent = "Tick at least one scenario to run.";
    else if (status.textContent === "Tick at least one scenario to run.") status.textContent = "";
    progress.hidden = !running;
    live.hidden = !running || live.childElementCount === 0;
    resultSection.hidden = running || report === null;
  };

  const showReport = (r: BillingReport | null) => {
    report = r;
    clear(results);
    clear(left);
    if (!r) return draw();
    const headline = billingHeadline(r);
    summary.textContent = `${headline.passed ? "✓ " : ""}${headline.text}`;
    resultSection.classList.toggle("billing-passed", headline.passed);
    meta.textContent = [
      `Run ${r.run}, ${clockTime(r.started)} UTC`,
      r.shuffled ? "every event delivered twice and out of order" : "events delivered once, in order",
      `${r.clocks_deleted} test clock${r.clocks_deleted === 1 ? "" : "s"} deleted`,
    ].join(" · ");
    if (r.clocks_left.length) {
      left.append(
        h(
          "ul",
          { class: "findings" },
          renderFinding(
            {
              check: "billing.clocks",
              status: "warn",
              title: `Stripe did not delete ${r.clocks_left.length} test clock${r.clocks_left.length === 1 ? "" : "s"}`,
              detail: r.clocks_left.join(", "),
              fix: "The next run deletes them; or delete them in the Dashboard (test mode) under Billing → Test clocks.",
              link: null,
            },
            openLink,
          ),
        ),
      );
    }
    for (const s of r.scenarios) results.append(renderScenario(s, plan, openLink));
    draw();
  };

  const showPlan = (p: BillingPlan) => {
    plan = p;
    tiers.textContent = p.tiers.length
      ? `Test catalog tiers: ${p.tiers.map(tierWords).join(", ")}.`
      : "Test mode has no tier to subscribe to yet: create the test catalog (each product with metadata.plan and a monthly price) first.";
    for (const s of p.scenarios) {
      const id = `billing-scenario-${s.id}`;
      const box = h("input", { type: "checkbox", id, value: s.id, checked: true });
      box.addEventListener("change", draw);
      scenarios.append(
        h("label", { class: "choice", for: id }, box, h("strong", {}, s.title), h("span", { class: "field-help" }, scenarioWords(s))),
      );
    }
    showReport(p.last);
  };

  /** A phase as it lands: it replaces the row of its check. */
  const land = (event: Extract<StepEvent, { kind: "finding" }>) => {
    const row = renderFinding(event.finding, openLink);
    const old = [...live.children].find((li) => (li as HTMLElement).dataset.check === event.finding.check);
    if (old) old.replaceWith(row);
    else live.append(row);
    draw();
  };

  const unlisten = api.onStepEvent((event: StepEvent) => {
    if (event.step !== "billing" || !running) return;
    if (event.kind === "finding") return land(event);
    status.textContent = event.message;
    progress.max = event.total || 1;
    progress.value = event.done;
  });

  run.addEventListener("click", async () => {
    if (running || !plan) return;
    const ask = chosen();
    running = true;
    clear(formProblem);
    clear(live);
    status.textContent = "Starting your Worker on this computer and making the test clocks…";
    progress.value = 0;
    draw();
    try {
      const done = await api.billingRun(ask, shuffle.checked);
      const { view, ...r } = done;
      running = false;
      status.textContent = "";
      showReport(r);
      deps.onView(view);
      summary.focus();
    } catch (err) {
      running = false;
      status.textContent = "";
      showProblem(formProblem, err, openLink);
      draw();
      run.focus();
    }
  });

  api.billingPlan().then(showPlan, (err) => {
    draw();
    showProblem(formProblem, err, openLink);
  });
  draw();
  return () => void unlisten.then((f) => f());
}
