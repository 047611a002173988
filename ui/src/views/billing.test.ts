import { describe, expect, it, vi } from "vitest";
import type { AppView, BillingPlan, BillingReport, Finding, PhaseResult, Problem, ScenarioResult, StepEvent } from "../types";
import { billingHeadline, billingSummary, clockTime, renderBilling } from "./billing";

const view = { mode: "rehearsal", steps: [] } as unknown as AppView;
const T0 = 1_795_000_000; // 2026-11-18 11:06:40 UTC

const pass = (check: string, title: string): Finding => ({ check, status: "pass", title, detail: "as expected", fix: null, link: null });

function phase(name: string, at: number, status: string, expected: string, worker: string | null, finding: Finding): PhaseResult {
  return {
    name,
    clock_time: at,
    status,
    expected_status: status,
    expected_tier: expected,
    worker_tier: worker,
    deliveries: [{ event: "evt_1", kind: "customer.subscription.updated", status: 200, copy: false }],
    finding,
  };
}

const TRIAL: ScenarioResult = {
  id: "trial_converts",
  title: "A trial ends and the first payment succeeds",
  tier: "starter",
  card: "pm_card_visa",
  clock: "clock_1",
  customer: "cus_1",
  subscription: "sub_1",
  phases: [
    phase("The trial started", T0, "trialing", "starter", "starter", pass("billing.trial_converts.0", "started")),
    phase("The trial ended and the first invoice was paid", T0 + 14 * 86400, "active", "starter", "starter", pass("billing.trial_converts.1", "paid")),
  ],
  stopped: null,
};

const PAST_DUE_FAIL: Finding = {
  check: "billing.trial_card_fails.1",
  status: "fail",
  title: "A trial ends, the card is declined — past due",
  detail: "The Worker treats past_due as free: customers lose access during Stripe's retries. (cause: past_due_free)",
  fix: "Keep the tier while the subscription is past_due (Stripe retries the payment for up to two weeks).",
  link: null,
};

const DECLINED: ScenarioResult = {
  id: "trial_card_fails",
  title: "A trial ends, the card is declined, Stripe retries, then cancels",
  tier: "starter",
  card: "pm_card_chargeCustomerFail",
  clock: "clock_1",
  customer: "cus_2",
  subscription: "sub_2",
  phases: [
    phase("The trial started", T0, "trialing", "starter", "starter", pass("billing.trial_card_fails.0", "started")),
    phase("The payment failed: past due while Stripe retries", T0 + 7 * 86400, "past_due", "starter", "free", PAST_DUE_FAIL),
  ],
  stopped: null,
};

const report = (scenarios: ScenarioResult[], shuffled = false): BillingReport => ({
  run: "ab12cd34",
  started: T0,
  finished: T0 + 60,
  shuffled,
  scenarios,
  clocks_deleted: 1,
  clocks_left: [],
});

function plan(last: BillingReport | null = null): BillingPlan {
  return {
    scenarios: [
      { id: "trial_converts", title: TRIAL.title, card: "a card that pays", trial_days: 14, phases: ["The trial started", "Paid"] },
      { id: "trial_card_fails", title: DECLINED.title, card: "a card that attaches, then every charge is declined", trial_days: 7, phases: ["a", "b", "c"] },
      { id: "renewal", title: "A monthly renewal is paid", card: "a card that pays", trial_days: null, phases: ["a", "b"] },
    ],
    tiers: [
      { tier: "starter", price_id: "price_s", unit_amount: 900, interval: "month" },
      { tier: "pro", price_id: "price_p", unit_amount: 2900, interval: "month" },
    ],
    last,
  };
}

async function render(p: BillingPlan) {
  let emit: (event: StepEvent) => void = () => {};
  const api = {
    openLink: vi.fn(),
    billingPlan: vi.fn().mockResolvedValue(p),
    billingRun: vi.fn(),
    onStepEvent: vi.fn((handler: (event: StepEvent) => void) => {
      emit = handler;
      return Promise.resolve(() => {});
    }),
  };
  const root = document.body.appendChild(document.createElement("main"));
  const onView = vi.fn();
  renderBilling(root, { api: api as never, view, onView });
  await vi.waitFor(() => expect(root.querySelector("#billing-scenarios input")).not.toBeNull());
  const q = <T extends HTMLElement = HTMLButtonElement>(sel: string) => root.querySelector(sel) as T;
  const shown = (sel: string) => {
    const el = root.querySelector(sel) as HTMLElement | null;
    return !!el && !el.hidden && !el.closest("[hidden]");
  };
  return { root, q, shown, api, onView, emit: (e: StepEvent) => emit(e) };
}

describe("billing words", () => {
  it("sums up a report as the engine does and words the clock's time in UTC", () => {
    expect(billingSummary(report([TRIAL, DECLINED]))).toBe("1 of 2 scenarios passed");
    expect(billingHeadline(report([TRIAL]))).toEqual({ passed: true, text: "Billing rehearsal passed: 1 of 1 scenario" });
    expect(billingHeadline(report([TRIAL, DECLINED])).text).toBe("Billing rehearsal failed: 1 of 2 scenarios passed");
    // A skipped scenario (a warning) still passes; a stopped one (a failure) does not.
    const skipped = { ...TRIAL, phases: [], stopped: { ...PAST_DUE_FAIL, status: "warn" as const } };
    expect(billingSummary(report([skipped, { ...skipped, stopped: PAST_DUE_FAIL }]))).toBe("1 of 2 scenarios passed");
    expect(clockTime(T0)).toBe("2026-11-18 11:06");
  });
});

describe("renderBilling", () => {
  it("lists the scenarios, all ticked, and runs the chosen ones with the shuffle; phases land live", async () => {
    const t = await render(plan());
    const boxes = [...t.root.querySelectorAll<HTMLInputElement>("#billing-scenarios input[type=checkbox]")];
    expect(boxes.map((b) => b.value)).toEqual(["trial_converts", "trial_card_fails", "renewal"]);
    expect(boxes.every((b) => b.checked)).toBe(true);
    const list = t.q<HTMLElement>("#billing-scenarios").textContent!;
    expect(list).toContain("a card that attaches, then every charge is declined · 7-day trial · 3 phases");
    expect(list).toContain("a card that pays · no trial");
    expect(t.q<HTMLElement>("#billing-tiers").textContent).toContain("starter (9.00 / month), pro (29.00 / month)");
    expect(t.q<HTMLInputElement>("#billing-shuffle").checked).toBe(false);
    expect(t.shown("#billing-report")).toBe(false);
    expect(t.q("#billing-run").textContent).toBe("Run the billing rehearsal");

    // None ticked: nothing to run.
    for (const b of boxes) {
      b.checked = false;
      b.dispatchEvent(new Event("change"));
    }
    expect(t.q("#billing-run").disabled).toBe(true);
    boxes[0].checked = boxes[1].checked = true;
    boxes[1].dispatchEvent(new Event("change"));
    expect(t.q("#billing-run").disabled).toBe(false);
    expect(t.q("#billing-run").textContent).toBe("Run 2 scenarios");
    t.q<HTMLInputElement>("#billing-shuffle").click();

    let finish!: (r: unknown) => void;
    t.api.billingRun.mockReturnValue(new Promise((r) => (finish = r)));
    t.q("#billing-run").click();
    expect(t.api.billingRun).toHaveBeenCalledWith(["trial_converts", "trial_card_fails"], true);
    expect(t.q("#billing-run").disabled).toBe(true);
    expect(boxes[2].disabled).toBe(true);
    t.emit({ kind: "progress", step: "billing", item: "billing", done: 1, total: 5, message: "A trial ends: The trial started" });
    t.emit({ kind: "finding", step: "billing", finding: TRIAL.phases[0].finding });
    t.emit({ kind: "finding", step: "smoke", finding: pass("smoke.x", "Not this step's") });
    expect(t.q("#billing-status").textContent).toBe("A trial ends: The trial started");
    expect(t.q<HTMLProgressElement>("#billing-progress").value).toBe(1);
    expect(t.shown("#billing-live")).toBe(true);
    expect(t.root.querySelectorAll("#billing-live li").length).toBe(1);

    finish({ ...report([TRIAL, DECLINED], true), view });
    await vi.waitFor(() => expect(t.shown("#billing-report")).toBe(true));
    expect(t.q("#billing-summary").textContent).toBe("Billing rehearsal failed: 1 of 2 scenarios passed");
    expect(document.activeElement?.id).toBe("billing-summary");
    expect(t.onView).toHaveBeenCalledWith(view);
    expect(t.shown("#billing-live")).toBe(false);
    expect(t.q<HTMLElement>("#billing-meta").textContent).toContain("every event delivered twice and out of order");
    expect(t.q("#billing-run").disabled).toBe(false);

    // Each scenario's timeline: clock time → Stripe status → expected tier → Worker's tier.
    const sections = [...t.root.querySelectorAll<HTMLElement>("#billing-results .billing-scenario")];
    expect(sections.map((s) => s.dataset.scenario)).toEqual(["trial_converts", "trial_card_fails"]);
    const cells = (tr: Element) => [...tr.querySelectorAll("td")].map((td) => td.textContent);
    const first = sections[0].querySelector("tbody tr")!;
    expect(cells(first).slice(1, 2)).toEqual(["2026-11-18 11:06"]);
    expect(cells(first).slice(3)).toEqual(["trialing", "starter", "starter"]);
    expect(first.querySelector(".billing-mark")!.textContent).toBe("✓");
    expect(sections[0].textContent).not.toContain("What to do");

    // The failed phase says its cause and fix.
    const failed = sections[1].querySelector("tr.phase-fail")!;
    expect(cells(failed).slice(3)).toEqual(["past_due", "starter", "free"]);
    expect(failed.querySelector(".billing-mark")!.textContent).toBe("✗");
    const why = sections[1].querySelector("tr.billing-why")!.textContent!;
    expect(why).toContain("treats past_due as free");
    expect(why).toContain("What to do: Keep the tier while the subscription is past_due");
    expect(sections[1].querySelector("h3")!.textContent).toContain("✗");
  });

  it("shows the last run when it opens", async () => {
    const t = await render(plan(report([TRIAL])));
    expect(t.shown("#billing-report")).toBe(true);
    expect(t.q("#billing-summary").textContent).toBe("✓ Billing rehearsal passed: 1 of 1 scenario");
    expect(t.root.querySelectorAll("#billing-results .billing-scenario").length).toBe(1);
    expect(t.q<HTMLElement>("#billing-results").textContent).toContain("a card that pays · 14-day trial");
  });

  it("shows a problem with its fix under the form, and the last run as it was", async () => {
    const t = await render(plan(report([TRIAL])));
    const problem: Problem = {
      kind: "refused",
      code: "billing_worker",
      message: "wrangler dev did not start.",
      fix: "Make `npx wrangler dev` start in that folder, then run again.",
      link: { label: "wrangler dev", url: "https://developers.cloudflare.com/workers/wrangler/commands/#dev" },
    };
    t.api.billingRun.mockRejectedValueOnce(problem);
    t.q("#billing-run").click();
    expect(t.api.billingRun).toHaveBeenCalledWith(["trial_converts", "trial_card_fails", "renewal"], false);
    await vi.waitFor(() => expect(t.q("#billing-problem .finding-title").textContent).toBe("wrangler dev did not start."));
    expect(t.q("#billing-problem .finding-fix").textContent).toContain("Make npx wrangler dev start");
    expect(t.q("#billing-problem .finding-fix code").textContent).toBe("npx wrangler dev");
    (t.q("#billing-problem button") as HTMLButtonElement).click();
    expect(t.api.openLink).toHaveBeenCalledWith(problem.link!.url);
    expect(t.q("#billing-run").disabled).toBe(false);
    expect(document.activeElement?.id).toBe("billing-run");
    expect(t.shown("#billing-report")).toBe(true);
    expect(t.q("#billing-summary").textContent).toContain("1 of 1");
  });

  it("says why nothing can run when the plan is refused", async () => {
    const api = {
      openLink: vi.fn(),
      billingPlan: vi.fn().mockRejectedValue({ kind: "not_ready", code: "not_ready", message: "Connect first.", fix: "Run Connect.", link: null }),
      billingRun: vi.fn(),
      onStepEvent: vi.fn(() => Promise.resolve(() => {})),
    };
    const root = document.body.appendChild(document.createElement("main"));
    renderBilling(root, { api: api as never, view, onView: vi.fn() });
    await vi.waitFor(() => expect(root.querySelector("#billing-problem")!.textContent).toContain("Connect first."));
    expect((root.querySelector("#billing-run") as HTMLButtonElement).disabled).toBe(true);
  });
});
