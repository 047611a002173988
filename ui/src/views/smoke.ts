// The Smoke purchase view (after Verify, optional): what golive makes and undoes, the tier,
// email and return address of the $0 purchase, then the run as it goes — the checkout (a
// button completes it in the rehearsal), the customer portal for the user to look at, the
// cancel and clean-up — each sub-step a finding in a timeline as it lands, and the end state:
// passed or which checks failed, what was cleaned up, and the live customer that stays (with
// a button to delete it). An open run is shown where it stands. The checkout's link is never
// drawn and the portal's never reaches the window: the engine opens both.

import type { Api } from "../api";
import { clear, h } from "../dom";
import { problemOf, renderFinding, showProblem } from "../findings";
import type { AppView, Finding, SmokePlan, SmokeRun, SmokeState, StepEvent } from "../types";

export interface SmokeViewDeps {
  api: Api;
  view: AppView;
  onView: (view: AppView) => void;
}

/** How long a watch waits for the checkout before asking (the engine's default). */
const WATCH_MINUTES = 10;

/** An amount in the smallest unit as people read it (`0.00 USD`), as the engine words it. */
export function money(amount: number, currency: string): string {
  const sign = amount < 0 ? "-" : "";
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")} ${currency.toUpperCase()}`;
}

function minutes(n: number): string {
  return `${n} minute${n === 1 ? "" : "s"}`;
}

/** How many minutes the next watch waits: at most the default, at most what the checkout has
 * left, at least one. */
function nextWait(secondsLeft: number): number {
  return Math.max(1, Math.min(WATCH_MINUTES, Math.ceil(secondsLeft / 60)));
}

function when(unix: number): string {
  return new Date(unix * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

export function ended(run: SmokeRun): boolean {
  return run.phase === "done" || run.phase === "abandoned";
}

export function failedChecks(run: SmokeRun): Finding[] {
  return run.findings.filter((f) => f.status === "fail");
}

/** The verdict of an ended run, in plain words: its title and one sentence. */
export function smokeVerdict(run: SmokeRun): { title: string; text: string } {
  if (run.phase === "abandoned") {
    const why = run.findings.find((f) => f.check === "smoke.checkout")?.detail;
    return {
      title: "Smoke purchase stopped",
      text: `${why ? `${why} ` : ""}It was cleaned up; start a new one when you are ready.`,
    };
  }
  const failed = failedChecks(run);
  if (failed.length === 0) {
    return {
      title: "Smoke purchase passed",
      text: `The ${run.tier} tier was bought for ${money(run.amount_total ?? 0, run.currency ?? "usd")}, the Worker gave it to the customer, and cancelling took it back to free.`,
    };
  }
  return {
    title: "Smoke purchase failed",
    text: `${failed.length} of ${run.findings.length} checks failed (each says how to fix it below):`,
  };
}

function mark(ok: boolean): HTMLSpanElement {
  return h("span", { class: ok ? "state-yes" : "state-no", "aria-label": ok ? "done" : "not done" }, ok ? "✓" : "✗");
}

/** The end state of a run: the verdict, what was cleaned up, and the live customer that stays
 * (with `onDelete` offered while it does). */
export function renderSmokeResult(run: SmokeRun, onDelete: (() => void) | null): HTMLElement {
  const verdict = smokeVerdict(run);
  const passed = run.phase === "done" && failedChecks(run).length === 0;
  const failed = run.phase === "done" ? failedChecks(run) : [];
  const cleanup = h("ul", { class: "cleanup", id: "smoke-cleanup" });
  if (run.coupon) {
    const ok = run.cleanup.coupon_deleted;
    cleanup.append(h("li", {}, mark(ok), " Coupon ", h("code", {}, run.coupon), ok ? " deleted" : " not deleted yet"));
  }
  if (run.code) {
    const ok = run.cleanup.code_deactivated;
    cleanup.append(h("li", {}, mark(ok), " Code ", h("code", {}, run.code), ok ? " turned off" : " still redeemable"));
  }
  if (run.phase === "abandoned" && run.checkout_session) {
    const ok = run.cleanup.checkout_expired;
    cleanup.append(h("li", {}, mark(ok), " Checkout ", h("code", {}, run.checkout_session), ok ? " expired" : " still open"));
  }
  if (!run.coupon && !run.code) cleanup.append(h("li", {}, "Nothing was made in Stripe before it stopped."));
  const invoice = run.invoice
    ? h(
        "p",
        { class: "muted" },
        `Its ${money(run.amount_total ?? 0, run.currency ?? "usd")} invoice `,
        h("code", {}, run.invoice),
        " stays in Stripe's records either way: Stripe keeps every live invoice.",
      )
    : null;
  let customer: HTMLElement | null = null;
  if (run.customer && run.cleanup.customer_deleted) {
    customer = h(
      "div",
      { id: "smoke-customer" },
      h("p", {}, mark(true), " Customer ", h("code", {}, run.customer), " deleted at your request."),
      invoice,
    );
  } else if (run.customer) {
    const remove = onDelete
      ? h("button", { type: "button", id: "smoke-delete-customer", class: "secondary" }, "Delete the customer")
      : null;
    remove?.addEventListener("click", () => onDelete?.());
    customer = h(
      "div",
      { id: "smoke-customer" },
      h(
        "p",
        {},
        "Customer ",
        h("code", {}, run.customer),
        ` (${run.email}) stays in your live account, as a record of the test — Stripe cannot hide a live customer.`,
      ),
      invoice,
      remove ? h("div", { class: "actions" }, remove) : null,
    );
  }
  return h(
    "section",
    {
      id: "smoke-result",
      class: `smoke-result ${passed ? "smoke-passed" : run.phase === "abandoned" ? "smoke-stopped" : "smoke-failed"}`,
      "data-phase": run.phase,
    },
    h("h2", { id: "smoke-result-title", tabindex: "-1" }, passed ? "✓ " : "", verdict.title),
    h("p", {}, verdict.text),
    failed.length ? h("ul", { id: "smoke-failed" }, ...failed.map((f) => h("li", {}, f.title))) : null,
    h("h3", {}, "Cleaned up"),
    cleanup,
    customer,
  );
}

export function renderSmoke(root: HTMLElement, deps: SmokeViewDeps): () => void {
  const { api } = deps;
  const openLink = (url: string) => void api.openLink(url);
  clear(root);

  let plan: SmokePlan | null = null;
  let run: SmokeRun | null = null;
  let rehearsal = deps.view.mode === "rehearsal";
  /** After a watch that ended with the checkout still open: its seconds left. */
  let stillOpen: number | null = null;
  let watching: Promise<unknown> | null = null;
  /** Whether a watch ran for the open run (then the rehearsal's checkout was completed). */
  let watchTried = false;
  let stopping = false;
  /** Calls under way (a Stop can run while the call that started a watch still settles). */
  let busy = 0;
  let starting = false;
  /** Whether the portal was opened for the open run (by the watch, or the button). */
  let portalOpened = false;

  // The plan and the form.
  const steps = h("ol", { class: "plan-steps", id: "smoke-plan" });
  const tier = h("select", { id: "smoke-tier" });
  const email = h("input", { type: "email", id: "smoke-email", autocomplete: "email", spellcheck: "false" });
  const emailProblem = h("p", { class: "field-problem", id: "smoke-email-problem", role: "alert" });
  const returnUrl = h("input", { type: "url", id: "smoke-return-url", spellcheck: "false" });
  const returnProblem = h("p", { class: "field-problem", id: "smoke-return-url-problem", role: "alert" });
  const start = h("button", { type: "button", id: "smoke-start", class: "primary", disabled: true }, "Start the smoke purchase");
  // A problem shows under what was pressed: the form's, or the run's buttons.
  const formProblem = h("div", { id: "smoke-form-problem" });
  const form = h(
    "section",
    { id: "smoke-form" },
    h(
      "div",
      { class: "field" },
      h("label", { for: "smoke-tier" }, "Tier to buy"),
      tier,
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "smoke-email" }, "Customer email"),
      email,
      h("span", { class: "field-help" }, "Stripe sends the $0 receipt here: use an address you can read."),
      emailProblem,
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "smoke-return-url" }, "Return address"),
      returnUrl,
      h("span", { class: "field-help" }, "Where the checkout and the customer portal send the customer back (https://)."),
      returnProblem,
    ),
    h("div", { class: "actions" }, start),
    formProblem,
  );

  // The run.
  const runTitle = h("h2", { id: "smoke-run-title" }, "Smoke purchase");
  const runSummary = h("p", { class: "muted", id: "smoke-run-summary" });
  const status = h("p", { id: "smoke-status", class: "status", role: "status", "aria-live": "polite" });
  const resume = h("button", { type: "button", id: "smoke-resume", class: "primary", hidden: true }, "Continue the smoke purchase");
  const complete = h("button", { type: "button", id: "smoke-complete", class: "primary", hidden: true }, "Complete the checkout as a customer would");
  const openCheckout = h("button", { type: "button", id: "smoke-open-checkout", class: "secondary", hidden: true }, "Open the checkout again");
  const wait = h("button", { type: "button", id: "smoke-wait", class: "primary", hidden: true }, "Watch for the checkout");
  const stop = h("button", { type: "button", id: "smoke-stop", class: "secondary", hidden: true }, "Stop");
  const portalAsk = h("p", { id: "smoke-portal-ask" });
  const openPortal = h("button", { type: "button", id: "smoke-open-portal", class: "secondary" }, "Open the customer portal");
  const portalOk = h("button", { type: "button", id: "smoke-portal-ok", class: "primary" }, "The portal shows the subscription, invoices and payment method update");
  const portalProblem = h("button", { type: "button", id: "smoke-portal-problem", class: "secondary" }, "Something is missing");
  const portal = h(
    "div",
    { id: "smoke-portal", class: "smoke-portal", hidden: true },
    h("h3", {}, "Look at the customer portal"),
    portalAsk,
    h("div", { class: "actions" }, openPortal, portalOk, portalProblem),
  );
  const problem = h("div", { id: "smoke-problem" });
  const result = h("div", { id: "smoke-result-holder" });
  const timeline = h("ul", { class: "findings smoke-timeline", id: "smoke-timeline", "aria-label": "What golive did and checked" });
  const runSection = h(
    "section",
    { id: "smoke-run", class: "smoke-run", hidden: true },
    runTitle,
    runSummary,
    status,
    h("div", { class: "actions" }, resume, complete, wait, openCheckout, stop),
    portal,
    problem,
    result,
    h("h3", {}, "What golive did and checked"),
    timeline,
  );

  root.append(
    h("h1", {}, "Smoke purchase"),
    h(
      "p",
      { class: "lead" },
      "Optional, and it costs nothing: golive buys one of your tiers in live mode for $0 with a one-time 100%-off code, proves your Worker gave the customer that tier, lets you look at the customer portal, then cancels and checks the tier went back to free. What stays is a live customer and its $0 invoice — Stripe keeps every live one; golive offers to delete the customer.",
    ),
    h("h2", {}, "What golive does"),
    steps,
    form,
    runSection,
  );

  const fieldProblems = () => {
    emailProblem.textContent = "";
    returnProblem.textContent = "";
    clear(formProblem);
    clear(problem);
  };
  /** Shows a problem with its fix, under the run's buttons while a run is open (else under
   * the form's, or `home`). */
  const showError = (err: unknown, home?: HTMLElement) => {
    const p = problemOf(err);
    if (p.code === "smoke_email" && !form.hidden) {
      emailProblem.textContent = `${p.message} ${p.fix}`;
      email.focus();
    } else if (p.code === "smoke_return_url" && !form.hidden) {
      returnProblem.textContent = `${p.message} ${p.fix}`;
      returnUrl.focus();
    } else {
      showProblem(home ?? (form.hidden ? problem : formProblem), p, openLink);
    }
  };

  const drawTimeline = (findings: Finding[]) => {
    clear(timeline);
    for (const f of findings) timeline.append(renderFinding(f, openLink));
  };
  /** A finding as it lands: it replaces the one of its check (a resumed sub-step repeats). */
  const land = (finding: Finding) => {
    const row = renderFinding(finding, openLink);
    const old = [...timeline.children].find((li) => (li as HTMLElement).dataset.check === finding.check);
    if (old) old.replaceWith(row);
    else timeline.append(row);
  };

  const phaseText = (): string => {
    if (!run) return "";
    switch (run.phase) {
      case "preparing":
        return "The coupon, code and checkout are not all made yet: continue to make the rest (nothing is made twice).";
      case "awaiting_checkout":
        if (watching && rehearsal) return "The customer completed the checkout: golive is proving the purchase.";
        if (watching) return "Complete the checkout in your browser: the code is applied, so it costs nothing and asks for no card. golive is watching for it.";
        if (stillOpen !== null) return `The checkout is still open (${minutes(Math.max(1, Math.round(stillOpen / 60)))} left). Wait longer, or stop and clean up.`;
        if (rehearsal) return "The checkout is ready. The rehearsal has no browser: complete it as a customer would with the button.";
        return "The checkout is open: complete it in your browser (open it again if you closed it), and let golive watch for it.";
      case "awaiting_portal":
        return "The checkout is complete. Look at the customer portal as the customer sees it, then say what it shows; golive then cancels the subscription and cleans up.";
      default:
        return "";
    }
  };

  const draw = () => {
    const open = run && !ended(run) ? run : null;
    const phase = open?.phase ?? null;
    form.hidden = open !== null;
    start.textContent = run && ended(run) ? "Start another smoke purchase" : "Start the smoke purchase";
    runSection.hidden = run === null && !starting;
    if (run) {
      runTitle.textContent = ended(run) ? "The last smoke purchase" : "Smoke purchase under way";
      runSummary.textContent = [
        `${run.tier} — ${run.terms}`,
        run.email,
        open ? `started ${when(run.started)}, the code works until ${when(run.expires_at)}` : run.finished ? `ended ${when(run.finished)}` : "",
      ]
        .filter(Boolean)
        .join(" · ");
    } else {
      runTitle.textContent = "Smoke purchase under way";
      runSummary.textContent = "";
    }
    resume.hidden = phase !== "preparing";
    complete.hidden = !(phase === "awaiting_checkout" && rehearsal && !watchTried);
    openCheckout.hidden = !(phase === "awaiting_checkout" && !rehearsal);
    wait.hidden = !(phase === "awaiting_checkout" && !watching && (!rehearsal || watchTried));
    const more = stillOpen !== null ? nextWait(stillOpen) : 0;
    wait.textContent = more ? `Wait ${more} more minute${more === 1 ? "" : "s"}` : "Watch for the checkout";
    stop.hidden = open === null;
    portal.hidden = phase !== "awaiting_portal";
    portalAsk.textContent = rehearsal
      ? "In the rehearsal the portal has no page on this computer: opening it makes the portal session as Stripe would. Does the portal show the subscription, the invoices and a way to update the payment method?"
      : portalOpened
        ? "golive opened the customer portal in your browser, logged in as the test customer. Does it show the subscription, the invoices and a way to update the payment method?"
        : "Open the customer portal (it opens in your browser, logged in as the test customer). Does it show the subscription, the invoices and a way to update the payment method?";
    openPortal.textContent = portalOpened && !rehearsal ? "Open the customer portal again" : "Open the customer portal";
    clear(result);
    if (run && ended(run)) {
      const latest = run;
      result.append(renderSmokeResult(latest, latest.customer && !latest.cleanup.customer_deleted ? deleteCustomer : null));
    }
    for (const b of [start, resume, complete, wait, openPortal, portalOk, portalProblem]) b.disabled = busy > 0 || !!watching;
    // The checkout can be opened again while golive watches for it.
    openCheckout.disabled = busy > 0;
    start.disabled ||= !plan || plan.tiers.length === 0;
    stop.disabled = busy > 0 && !watching;
    result.querySelectorAll("button").forEach((b) => ((b as HTMLButtonElement).disabled = busy > 0));
  };

  const focus = (el: HTMLElement | null) => {
    if (el && !el.hidden && !el.closest("[hidden]")) el.focus();
  };
  const focusResult = () => focus(result.querySelector<HTMLElement>("#smoke-result-title"));
  /** Where the user goes next, once a call returned. */
  const focusNext = () => {
    if (!run || ended(run)) return focusResult();
    if (run.phase === "awaiting_portal") return focus(portalOpened ? portalOk : openPortal);
    if (run.phase === "preparing") return focus(resume);
    if (!wait.hidden) return focus(wait);
    focus(rehearsal ? complete : openCheckout);
  };

  /** After a call failed: the run as the engine holds it now (a call can fail after it moved
   * the run on — e.g. the browser did not open), redrawn where it stands, the problem kept. */
  const resync = async (err: unknown, home?: HTMLElement) => {
    try {
      const record = (await api.smokePlan()).record;
      const latest = record.open ?? record.history[record.history.length - 1] ?? null;
      if (!latest || (latest.id === run?.id && latest.phase === run?.phase)) return;
      if (latest.id !== run?.id) portalOpened = watchTried = false;
      run = latest;
      stillOpen = null;
      drawTimeline(run.findings);
      draw();
      status.textContent = phaseText();
      fieldProblems();
      showError(err, home);
    } catch {
      // The problem shown already says what to do.
    }
  };

  const apply = (state: SmokeState) => {
    if (state.run.id !== run?.id) portalOpened = watchTried = false;
    run = state.run;
    stillOpen = state.waiting_seconds_left;
    drawTimeline(run.findings);
    deps.onView(state.view);
  };

  /** Runs one call with every button but Stop disabled; a problem is shown with its fix. */
  const act = async <T>(
    call: () => Promise<T>,
    then?: (value: T) => void | Promise<void>,
    home?: HTMLElement,
  ): Promise<boolean> => {
    busy += 1;
    let held = true;
    const release = () => {
      if (held) busy -= 1;
      held = false;
    };
    fieldProblems();
    draw();
    try {
      const value = await call();
      release();
      await then?.(value);
      return true;
    } catch (err) {
      showError(err, home);
      void resync(err, home);
      return false;
    } finally {
      release();
      starting = false;
      draw();
      status.textContent = phaseText();
    }
  };

  /** Waits for the checkout (the engine proves the purchase and, with a real account, opens
   * the portal once it is complete). */
  const watch = async (minutes: number) => {
    stillOpen = null;
    watchTried = true;
    const call = api.smokeWatch(minutes);
    watching = call;
    draw();
    status.textContent = phaseText();
    try {
      const state = await call;
      watching = null;
      apply(state);
      if (state.run.phase === "awaiting_portal" && !rehearsal) portalOpened = true;
    } catch (err) {
      watching = null;
      // A watch stopped by Stop: the stop says what happened.
      if (!stopping) {
        showError(err);
        void resync(err);
      }
    } finally {
      watching = null;
      draw();
      status.textContent = phaseText();
      if (!stopping) focusNext();
    }
  };

  start.addEventListener("click", () => {
    const chosen = tier.value || null;
    const previous = run;
    starting = true;
    run = null;
    stillOpen = null;
    clear(timeline);
    void act(
      () => api.smokeStart(chosen, email.value.trim() || null, returnUrl.value.trim() || null),
      async (state) => {
        apply(state);
        draw();
        // With a real account the engine opened the checkout: watch for it at once.
        if (!rehearsal && state.run.phase === "awaiting_checkout") {
          focus(openCheckout);
          await watch(WATCH_MINUTES);
        }
      },
    ).then((ok) => {
      if (ok) {
        if (rehearsal) focusNext();
        return;
      }
      // Nothing started: the last run's result as it was.
      if (!run) {
        run = previous;
        drawTimeline(run?.findings ?? []);
        draw();
      }
    });
  });
  resume.addEventListener("click", () => {
    void act(() => api.smokeStart(run?.tier ?? null, null, null), (state) => apply(state)).then(() => focusNext());
  });
  complete.addEventListener("click", () => {
    void act(
      () => api.smokeCompleteCheckout(),
      () => watch(WATCH_MINUTES),
    );
  });
  wait.addEventListener("click", () => {
    fieldProblems();
    void watch(stillOpen !== null ? nextWait(stillOpen) : WATCH_MINUTES);
  });
  openCheckout.addEventListener("click", () => {
    fieldProblems();
    api.smokeOpenCheckout().then(
      () => {
        status.textContent = watching
          ? "The checkout is open in your browser again. golive is watching for it."
          : "The checkout is open in your browser again.";
      },
      (err) => showError(err),
    );
  });
  openPortal.addEventListener("click", () => {
    void act(
      () => api.smokeOpenPortal(),
      () => {
        portalOpened = true;
      },
    ).then((ok) => {
      if (!ok) return;
      status.textContent = rehearsal
        ? "The rehearsal made the customer's portal session. Say what the portal shows."
        : "The customer portal is open in your browser. Say what it shows.";
      focus(portalOk);
    });
  });
  const finish = (asExpected: boolean) => {
    void act(() => api.smokeFinish(asExpected), (state) => apply(state)).then(() => focusNext());
  };
  portalOk.addEventListener("click", () => finish(true));
  portalProblem.addEventListener("click", () => finish(false));
  stop.addEventListener("click", async () => {
    stopping = true;
    try {
      if (watching) {
        // The watch holds the project: end it first, then stop the run.
        const running = watching;
        await api.cancel();
        await running.catch(() => undefined);
      }
      await act(() => api.smokeStop(), (state) => apply(state));
    } finally {
      stopping = false;
      focusNext();
    }
  });
  const deleteCustomer = () => {
    void act(() => api.smokeDeleteCustomer(), (state) => apply(state), problem).then(() => focusResult());
  };

  const unlisten = api.onStepEvent((event: StepEvent) => {
    if (event.step !== "smoke") return;
    runSection.hidden = false;
    if (event.kind === "finding") land(event.finding);
    else status.textContent = event.message;
  });

  const showPlan = (p: SmokePlan) => {
    plan = p;
    rehearsal = p.rehearsal;
    clear(steps);
    for (const s of p.steps) steps.append(h("li", {}, s));
    clear(tier);
    for (const t of p.tiers) tier.append(h("option", { value: t.tier }, `${t.tier} — ${t.terms}`));
    email.value = p.email ?? "";
    returnUrl.value = p.return_url;
    // An open run is shown where it stands; else the last one's result.
    run = p.record.open ?? p.record.history[p.record.history.length - 1] ?? null;
    drawTimeline(run?.findings ?? []);
    draw();
    status.textContent = phaseText();
  };
  api.smokePlan().then(showPlan, (err) => {
    draw();
    showProblem(formProblem, err, openLink);
  });
  return () => void unlisten.then((f) => f());
}
