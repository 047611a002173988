import { describe, expect, it, vi } from "vitest";
import type { AppView, Finding, Problem, SmokePlan, SmokeRun, SmokeState, StepEvent } from "../types";
import { money, renderSmoke, smokeVerdict } from "./smoke";

const view = (mode: "real" | "rehearsal") => ({ mode, steps: [] }) as unknown as AppView;
const pass = (check: string, title: string, detail = ""): Finding => ({ check, status: "pass", title, detail, fix: null, link: null });

// A checkout link as Stripe makes them: it must never reach the page.
const CHECKOUT_URL = "https://checkout.stripe.com/c/pay/cs_live_SMOKE1#fidkdWxOYHwnPyd1blpxYHZxWjA0";

function smokeRun(phase: SmokeRun["phase"], findings: Finding[], more: Partial<SmokeRun> = {}): SmokeRun {
  return {
    id: "r1",
    tier: "pro",
    price_id: "price_pro",
    terms: "29.00 USD / month",
    email: "founder@example.com",
    return_url: "https://example.com/account",
    started: 1_795_000_000,
    expires_at: 1_795_003_600,
    phase,
    coupon: "coupon_S1",
    promotion_code: "promo_S1",
    code: "GOLIVE-SMOKE-AB12",
    checkout_session: "cs_live_SMOKE1",
    checkout_url: CHECKOUT_URL,
    customer: phase === "awaiting_checkout" ? null : "cus_S1",
    subscription: phase === "awaiting_checkout" ? null : "sub_S1",
    invoice: phase === "awaiting_checkout" ? null : "in_S1",
    amount_total: 0,
    currency: "usd",
    events: [],
    portal: null,
    cleanup: { coupon_deleted: false, code_deactivated: false, checkout_expired: false, customer_deleted: false },
    findings,
    finished: null,
    ...more,
  };
}

const COUPON = pass("smoke.coupon", "A 100%-off coupon and a one-time code, in live mode", "coupon coupon_S1");
const CHECKOUT = pass("smoke.checkout", "The checkout completed at no cost");
const DELIVERED = pass("smoke.delivered", "Stripe delivered the purchase's events to the endpoint");
const TIER = pass("smoke.tier", "The Worker gave the customer the tier bought", "tier read for cus_S1: pro");
const AFTER = [
  pass("smoke.portal", "The customer portal shows the subscription, invoices and payment method"),
  pass("smoke.cancel", "Cancelling delivered customer.subscription.deleted"),
  pass("smoke.reverted", "The tier went back to free"),
  pass("smoke.cleanup", "The coupon is deleted and the code turned off"),
  {
    check: "smoke.customer",
    status: "warn",
    title: "The smoke purchase's live customer stays in your account",
    detail: "customer cus_S1 (founder@example.com)",
    fix: "Leave it as a record of the test, or delete the customer.",
    link: { label: "The customer in the Dashboard", url: "https://dashboard.stripe.com/customers/cus_S1" },
  } as Finding,
];
const CLEANED = { coupon_deleted: true, code_deactivated: true, checkout_expired: false, customer_deleted: false };

const state = (run: SmokeRun, waiting: number | null = null): SmokeState => ({
  run,
  waiting_seconds_left: waiting,
  portal_url: null,
  view: view("rehearsal"),
});

function plan(rehearsal: boolean, open: SmokeRun | null = null): SmokePlan {
  return {
    tiers: [
      { tier: "starter", price_id: "price_starter", terms: "9.00 USD / month" },
      { tier: "pro", price_id: "price_pro", terms: "29.00 USD / month" },
    ],
    email: "founder@example.com",
    return_url: "https://example.com/account",
    steps: ["Create, in live mode, a 100%-off coupon.", "Create a checkout.", "Cancel and clean up."],
    record: { open, history: [] },
    rehearsal,
  };
}

function fakeApi(p: SmokePlan) {
  let emit: (event: StepEvent) => void = () => {};
  const api = {
    openLink: vi.fn(),
    cancel: vi.fn().mockResolvedValue(true),
    smokePlan: vi.fn().mockResolvedValue(p),
    smokeStart: vi.fn(),
    smokeOpenCheckout: vi.fn().mockResolvedValue(undefined),
    smokeCompleteCheckout: vi.fn().mockResolvedValue(null),
    smokeWatch: vi.fn(),
    smokeOpenPortal: vi.fn().mockResolvedValue(undefined),
    smokeFinish: vi.fn(),
    smokeStop: vi.fn(),
    smokeDeleteCustomer: vi.fn(),
    onStepEvent: vi.fn((handler: (event: StepEvent) => void) => {
      emit = handler;
      return Promise.resolve(() => {});
    }),
  };
  return { api, emit: (event: StepEvent) => emit(event) };
}

async function render(p: SmokePlan, mode: "real" | "rehearsal") {
  const fake = fakeApi(p);
  const root = document.body.appendChild(document.createElement("main"));
  const onView = vi.fn();
  renderSmoke(root, { api: fake.api as never, view: view(mode), onView });
  await vi.waitFor(() => expect(root.querySelector("#smoke-plan li")).not.toBeNull());
  const q = <T extends HTMLElement = HTMLButtonElement>(sel: string) => root.querySelector(sel) as T;
  const shown = (sel: string) => {
    const el = root.querySelector(sel) as HTMLElement | null;
    return !!el && !el.hidden && !el.closest("[hidden]");
  };
  return { root, q, shown, onView, ...fake };
}

describe("money and smokeVerdict", () => {
  it("words amounts and verdicts as the engine does", () => {
    expect(money(0, "usd")).toBe("0.00 USD");
    expect(money(2905, "eur")).toBe("29.05 EUR");
    expect(smokeVerdict(smokeRun("done", [COUPON, CHECKOUT])).title).toBe("Smoke purchase passed");
    const failed = smokeRun("done", [COUPON, { ...TIER, status: "fail", title: "The Worker did not give the customer the pro tier" }]);
    expect(smokeVerdict(failed).text).toContain("1 of 2 checks failed");
    const stopped = smokeRun("abandoned", [{ ...CHECKOUT, status: "warn", detail: "Stopped by you." }]);
    expect(smokeVerdict(stopped)).toEqual({ title: "Smoke purchase stopped", text: expect.stringContaining("Stopped by you.") });
  });
});

describe("renderSmoke", () => {
  it("walks the rehearsal: start, complete the checkout, the portal, then the result and the customer", async () => {
    const t = await render(plan(true), "rehearsal");
    const { q, shown, api } = t;
    // The plan and the form, pre-filled.
    expect(t.root.querySelectorAll("#smoke-plan li").length).toBe(3);
    expect([...q<HTMLSelectElement>("#smoke-tier").options].map((o) => o.textContent)).toEqual([
      "starter — 9.00 USD / month",
      "pro — 29.00 USD / month",
    ]);
    expect(q<HTMLInputElement>("#smoke-email").value).toBe("founder@example.com");
    expect(q<HTMLInputElement>("#smoke-return-url").value).toBe("https://example.com/account");
    expect(shown("#smoke-stop")).toBe(false);

    // Start: findings land in the timeline as they come; the complete button is next.
    q<HTMLSelectElement>("#smoke-tier").value = "pro";
    let started!: (s: SmokeState) => void;
    api.smokeStart.mockReturnValue(new Promise((r) => (started = r)));
    q("#smoke-start").click();
    expect(api.smokeStart).toHaveBeenCalledWith("pro", "founder@example.com", "https://example.com/account");
    t.emit({ kind: "progress", step: "smoke", item: "coupon", done: 0, total: 3, message: "Creating a 100%-off coupon" });
    t.emit({ kind: "finding", step: "smoke", finding: COUPON });
    t.emit({ kind: "finding", step: "verify", finding: pass("verify.other", "Not this step's") });
    expect(q("#smoke-status").textContent).toBe("Creating a 100%-off coupon");
    expect(t.root.querySelectorAll("#smoke-timeline li").length).toBe(1);
    started(state(smokeRun("awaiting_checkout", [COUPON])));
    await vi.waitFor(() => expect(shown("#smoke-complete")).toBe(true));
    expect(document.activeElement?.id).toBe("smoke-complete");
    expect(shown("#smoke-form")).toBe(false);
    expect(shown("#smoke-stop")).toBe(true);
    expect(shown("#smoke-open-checkout")).toBe(false);
    expect(t.onView).toHaveBeenCalled();

    // The rehearsal's customer completes it; the watch proves the purchase.
    api.smokeWatch.mockResolvedValue(state(smokeRun("awaiting_portal", [COUPON, CHECKOUT, DELIVERED, TIER])));
    q("#smoke-complete").click();
    await vi.waitFor(() => expect(shown("#smoke-portal-ok")).toBe(true));
    expect(api.smokeCompleteCheckout).toHaveBeenCalledOnce();
    expect(api.smokeWatch).toHaveBeenCalledWith(10);
    expect(shown("#smoke-portal-problem")).toBe(true);
    expect(shown("#smoke-complete")).toBe(false);
    expect(t.root.querySelectorAll("#smoke-timeline li").length).toBe(4);
    expect(document.activeElement?.id).toBe("smoke-open-portal");
    q("#smoke-open-portal").click();
    await vi.waitFor(() => expect(document.activeElement?.id).toBe("smoke-portal-ok"));
    expect(api.smokeOpenPortal).toHaveBeenCalledOnce();

    // The answer: cancelled, reverted, cleaned up; the customer stays with its $0 invoice.
    api.smokeFinish.mockResolvedValue(
      state(smokeRun("done", [COUPON, CHECKOUT, DELIVERED, TIER, ...AFTER], { cleanup: CLEANED, finished: 1_795_000_300 })),
    );
    q("#smoke-portal-ok").click();
    await vi.waitFor(() => expect(shown("#smoke-result")).toBe(true));
    expect(api.smokeFinish).toHaveBeenCalledWith(true);
    const result = q<HTMLElement>("#smoke-result").textContent!;
    expect(result).toContain("Smoke purchase passed");
    expect(result).toContain("coupon_S1 deleted");
    expect(result).toContain("GOLIVE-SMOKE-AB12 turned off");
    expect(result).toContain("cus_S1 (founder@example.com) stays in your live account");
    expect(result).toContain("0.00 USD invoice in_S1 stays in Stripe's records");
    expect(document.activeElement?.id).toBe("smoke-result-title");
    expect(shown("#smoke-stop")).toBe(false);
    expect(shown("#smoke-portal")).toBe(false);
    expect(shown("#smoke-form")).toBe(true);
    expect(q("#smoke-start").textContent).toBe("Start another smoke purchase");
    expect(t.root.querySelectorAll("#smoke-timeline li").length).toBe(9);

    // Deleting the customer: said, and the invoice still stays.
    const deleted = smokeRun("done", [COUPON, CHECKOUT, DELIVERED, TIER, ...AFTER], {
      cleanup: { ...CLEANED, customer_deleted: true },
      finished: 1_795_000_300,
    });
    api.smokeDeleteCustomer.mockResolvedValue(state(deleted));
    q("#smoke-delete-customer").click();
    await vi.waitFor(() => expect(q<HTMLElement>("#smoke-customer").textContent).toContain("deleted at your request"));
    expect(q("#smoke-delete-customer")).toBeNull();
    expect(q<HTMLElement>("#smoke-customer").textContent).toContain("invoice in_S1 stays");

    // Nothing that opens Stripe's pages as the customer is ever in the page.
    expect(t.root.innerHTML).not.toContain(CHECKOUT_URL);
    expect(t.root.innerHTML).not.toContain("checkout.stripe.com");
    expect(t.root.innerHTML).not.toContain("billing.stripe.com");
  });

  it("shows a problem with its fix, under the field it is about or the buttons pressed", async () => {
    const t = await render(plan(true), "rehearsal");
    const emailProblem: Problem = {
      kind: "invalid_input",
      code: "smoke_email",
      message: "“you” is not an email address.",
      fix: "Give an address you can read.",
      link: null,
    };
    t.api.smokeStart.mockRejectedValueOnce(emailProblem);
    t.q<HTMLInputElement>("#smoke-email").value = "you";
    t.q("#smoke-start").click();
    await vi.waitFor(() => expect(t.q("#smoke-email-problem").textContent).toContain("not an email address"));
    expect(t.q("#smoke-email-problem").textContent).toContain("Give an address you can read.");
    expect(document.activeElement?.id).toBe("smoke-email");
    expect(t.shown("#smoke-run")).toBe(false);

    const refused: Problem = {
      kind: "not_ready",
      code: "smoke_none",
      message: "No smoke purchase is under way.",
      fix: "Start one first.",
      link: { label: "Stripe Dashboard", url: "https://dashboard.stripe.com/" },
    };
    t.api.smokeStart.mockRejectedValueOnce(refused);
    t.q<HTMLInputElement>("#smoke-email").value = "founder@example.com";
    t.q("#smoke-start").click();
    await vi.waitFor(() => expect(t.q("#smoke-form-problem .finding-title").textContent).toBe("No smoke purchase is under way."));
    expect(t.q("#smoke-email-problem").textContent).toBe("");
    expect(t.q("#smoke-form-problem .finding-fix").textContent).toContain("Start one first.");
    (t.q("#smoke-form-problem button") as HTMLButtonElement).click();
    expect(t.api.openLink).toHaveBeenCalledWith("https://dashboard.stripe.com/");
    expect(t.q("#smoke-start").disabled).toBe(false);
  });

  it("shows the run where the engine left it when a call failed after moving it on", async () => {
    const t = await render(plan(false), "real");
    t.api.smokeStart.mockRejectedValueOnce({
      kind: "invalid_input",
      code: "invalid_input",
      message: "Could not open the browser: no handler",
      fix: "Open your browser, then press the button again.",
      link: null,
    });
    t.api.smokePlan.mockResolvedValueOnce(plan(false, smokeRun("awaiting_checkout", [COUPON])));
    t.q("#smoke-start").click();
    await vi.waitFor(() => expect(t.shown("#smoke-open-checkout")).toBe(true));
    expect(t.shown("#smoke-form")).toBe(false);
    expect(t.q("#smoke-problem").textContent).toContain("Could not open the browser");
    expect(t.q("#smoke-problem").textContent).toContain("Open your browser, then press the button again.");
    expect(t.shown("#smoke-wait")).toBe(true);
    expect(t.api.smokeWatch).not.toHaveBeenCalled();
  });

  it("resumes an open run awaiting the portal with the portal buttons, and a failed finish says its fix", async () => {
    const open = smokeRun("awaiting_portal", [COUPON, CHECKOUT, DELIVERED, TIER]);
    const t = await render(plan(true, open), "rehearsal");
    await vi.waitFor(() => expect(t.shown("#smoke-portal-ok")).toBe(true));
    expect(t.shown("#smoke-open-portal")).toBe(true);
    expect(t.shown("#smoke-portal-problem")).toBe(true);
    expect(t.shown("#smoke-stop")).toBe(true);
    expect(t.shown("#smoke-form")).toBe(false);
    expect(t.shown("#smoke-complete")).toBe(false);
    expect(t.root.querySelectorAll("#smoke-timeline li").length).toBe(4);
    expect(t.q("#smoke-run-summary").textContent).toContain("pro — 29.00 USD / month");

    t.api.smokeFinish.mockRejectedValueOnce({
      kind: "refused",
      code: "smoke_cancel",
      message: "Stripe left subscription sub_S1 active after the cancel.",
      fix: "Cancel it in Dashboard → Customers, then run the smoke purchase again to finish.",
      link: null,
    });
    t.q("#smoke-portal-problem").click();
    await vi.waitFor(() => expect(t.q("#smoke-problem").textContent).toContain("left subscription sub_S1 active"));
    expect(t.api.smokeFinish).toHaveBeenCalledWith(false);
    expect(t.q("#smoke-problem .finding-fix").textContent).toContain("Cancel it in Dashboard");
    expect(t.q("#smoke-portal-ok").disabled).toBe(false);
  });

  it("with a real account watches at once, offers to wait longer, and Stop ends the watch first", async () => {
    const t = await render(plan(false), "real");
    t.api.smokeStart.mockResolvedValue(state(smokeRun("awaiting_checkout", [COUPON])));
    t.api.smokeWatch.mockResolvedValueOnce(state(smokeRun("awaiting_checkout", [COUPON]), 1500));
    t.q("#smoke-start").click();
    await vi.waitFor(() => expect(t.shown("#smoke-wait")).toBe(true));
    expect(t.api.smokeWatch).toHaveBeenCalledWith(10);
    expect(t.q("#smoke-wait").textContent).toBe("Wait 10 more minutes");
    expect(t.q("#smoke-status").textContent).toContain("still open (25 minutes left)");
    expect(document.activeElement?.id).toBe("smoke-wait");
    expect(t.shown("#smoke-open-checkout")).toBe(true);
    expect(t.shown("#smoke-complete")).toBe(false);
    t.q("#smoke-open-checkout").click();
    expect(t.api.smokeOpenCheckout).toHaveBeenCalledOnce();

    // Waiting again; Stop cancels the watch, then stops and cleans up the run.
    let rejectWatch!: (e: unknown) => void;
    t.api.smokeWatch.mockReturnValueOnce(new Promise((_, reject) => (rejectWatch = reject)));
    t.api.cancel.mockImplementation(async () => {
      rejectWatch({ kind: "not_ready", code: "cancelled", message: "Stopped: you pressed Cancel.", fix: "", link: null });
      return true;
    });
    t.api.smokeStop.mockResolvedValue(
      state(
        smokeRun("abandoned", [{ ...COUPON }, { ...CHECKOUT, status: "warn", title: "The smoke purchase was stopped before the end", detail: "Stopped by you." }], {
          cleanup: { coupon_deleted: true, code_deactivated: true, checkout_expired: true, customer_deleted: false },
          customer: null,
          invoice: null,
          finished: 1_795_000_900,
        }),
      ),
    );
    t.q("#smoke-wait").click();
    expect(t.api.smokeWatch).toHaveBeenLastCalledWith(10);
    expect(t.q("#smoke-wait").hidden).toBe(true);
    expect(t.q("#smoke-stop").disabled).toBe(false);
    t.q("#smoke-stop").click();
    await vi.waitFor(() => expect(t.shown("#smoke-result")).toBe(true));
    expect(t.api.cancel).toHaveBeenCalledOnce();
    expect(t.api.smokeStop).toHaveBeenCalledOnce();
    expect(t.q("#smoke-problem").textContent).toBe("");
    const result = t.q<HTMLElement>("#smoke-result").textContent!;
    expect(result).toContain("Smoke purchase stopped");
    expect(result).toContain("Stopped by you.");
    expect(result).toContain("cs_live_SMOKE1 expired");
    expect(t.q("#smoke-delete-customer")).toBeNull();
    expect(t.root.innerHTML).not.toContain("checkout.stripe.com");
  });
});
