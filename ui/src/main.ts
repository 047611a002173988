// Starts the window: draws the stepper, the mode banner and the current step's view.

import { api, type PageMark } from "./api";
import { onBusy } from "./busy";
import { clear, h } from "./dom";
import { renderStepper } from "./stepper";
import type { AppView, StepId } from "./types";
import { renderCatalog } from "./views/catalog";
import { renderConnect } from "./views/connect";
import { renderPriceIds } from "./views/priceIds";
import { renderRecent } from "./views/recent";
import { renderAudit } from "./views/audit";
import { renderBilling } from "./views/billing";
import { renderRotate } from "./views/rotate";
import { renderSecrets } from "./views/secrets";
import { renderSmoke } from "./views/smoke";
import { renderVerify } from "./views/verify";
import { renderWebhook } from "./views/webhook";

// Timing marks for the first-paint figure (scripts/bench.sh prints them): where the time
// between navigation and the first painted view goes.
performance.mark("golive:script-run");

const stepperEl = document.getElementById("stepper")!;
const bannerEl = document.getElementById("mode-banner")!;
const viewEl = document.getElementById("view")!;
let teardown: (() => void) | null = null;

function renderBanner(view: AppView): void {
  clear(bannerEl);
  const rehearsal = view.mode === "rehearsal";
  const toggle = h(
    "button",
    { type: "button", id: "switch-mode", class: "secondary" },
    rehearsal ? "Use my real Stripe account" : "Switch to the offline rehearsal",
  );
  // Switching opens that mode's most recent project (or a new one): nothing is wiped.
  toggle.addEventListener("click", async () => show(await api.setMode(rehearsal ? "real" : "rehearsal")));
  const projects = h("button", { type: "button", id: "show-projects", class: "secondary" }, "Projects");
  projects.addEventListener("click", () => showRecent(view));
  bannerEl.className = rehearsal ? "banner banner-rehearsal" : "banner banner-real";
  bannerEl.append(
    h(
      "p",
      {},
      h("strong", {}, rehearsal ? "Offline rehearsal. " : "Real accounts. "),
      rehearsal
        ? "A practice run on this computer with a made-up Stripe account and Worker. Nothing leaves this machine."
        : "golive talks to Stripe and Cloudflare with your keys. Nothing is changed until you apply a step.",
    ),
    h("div", { class: "banner-actions" }, view.recent.length > 0 ? projects : null, toggle),
  );
  if (view.load_problem) bannerEl.append(h("p", { class: "field-problem", role: "alert" }, view.load_problem));
}

function drawStepper(view: AppView): void {
  renderStepper(stepperEl, view.steps, view.current, async (step: StepId) => show(await api.goTo(step)));
}

/** The recent-projects list in place of a step. */
function showRecent(view: AppView): void {
  renderBanner(view);
  teardown?.();
  teardown = renderRecent(viewEl, { api, view, onOpen: show });
}

function show(view: AppView): void {
  if (view.choose_project) {
    drawStepper(view);
    showRecent(view);
    return;
  }
  drawStepper(view);
  renderBanner(view);
  teardown?.();
  teardown = null;
  if (view.current === "connect") {
    teardown = renderConnect(viewEl, {
      api,
      view,
      onView: drawStepper,
      onContinue: async () => show(await api.goTo("catalog")),
    });
  } else if (view.current === "catalog") {
    teardown = renderCatalog(viewEl, {
      api,
      view,
      onView: drawStepper,
      onContinue: async () => show(await api.goTo("price_ids")),
    });
  } else if (view.current === "price_ids") {
    teardown = renderPriceIds(viewEl, {
      api,
      view,
      onBack: async () => show(await api.goTo("catalog")),
      onContinue: async () => show(await api.goTo("webhook")),
    });
  } else if (view.current === "webhook") {
    teardown = renderWebhook(viewEl, { api, view, onView: drawStepper, onContinue: async () => show(await api.goTo("secrets")) });
  } else if (view.current === "secrets") {
    teardown = renderSecrets(viewEl, { api, view, onView: drawStepper, onContinue: async () => show(await api.goTo("audit")) });
  } else if (view.current === "audit") {
    teardown = renderAudit(viewEl, { api, view, onView: drawStepper, onContinue: async () => show(await api.goTo("verify")) });
  } else if (view.current === "smoke") {
    teardown = renderSmoke(viewEl, { api, view, onView: drawStepper });
  } else if (view.current === "billing") {
    teardown = renderBilling(viewEl, { api, view, onView: drawStepper });
  } else if (view.current === "rotate") {
    teardown = renderRotate(viewEl, { api, view, onView: drawStepper, onVerify: async () => show(await api.goTo("verify")) });
  } else {
    teardown = renderVerify(viewEl, { api, view, onView: drawStepper });
  }
  viewEl.focus({ preventScroll: true });
}

// Cancel, offered while a long step runs: the step stops where it stands and says so; running
// it again picks up where it stopped.
const cancelButton = h("button", { type: "button", id: "cancel-step", class: "secondary cancel-step", hidden: true }, "Cancel");
cancelButton.addEventListener("click", () => void api.cancel());
document.body.append(cancelButton);
onBusy((busy) => {
  cancelButton.hidden = !busy;
});

// The About line: version and the commit the build came from.
api.about().then(
  (line) => {
    const about = document.getElementById("about");
    if (about) about.textContent = `golive ${line}`;
  },
  () => undefined,
);

function pageMarks(): PageMark[] {
  const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
  const page: PageMark[] = nav
    ? [
        { name: "html-received", ms: nav.responseEnd },
        { name: "dom-interactive", ms: nav.domInteractive },
      ]
    : [];
  const marks = performance
    .getEntriesByType("mark")
    .filter((m) => m.name.startsWith("golive:"))
    .map((m) => ({ name: m.name.slice("golive:".length), ms: m.startTime }));
  return [...page, ...marks].map((m) => ({ name: m.name, ms: Math.round(m.ms * 10) / 10 }));
}

function firstDraw(view: AppView): void {
  show(view);
  performance.mark("golive:view-drawn");
  // After the browser has painted the first view (two animation frames later).
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      performance.mark("golive:painted");
      void api.firstPaint(pageMarks());
    }),
  );
}

// The first view comes with the page (the app puts it there when it makes the window), so the
// window draws without waiting for a round trip to Rust. That view is the one of the moment
// the window was made: a reloaded page asks again and redraws if it has changed since.
const embedded = (window as { __GOLIVE_FIRST_VIEW__?: AppView }).__GOLIVE_FIRST_VIEW__;
if (embedded) {
  firstDraw(embedded);
  api.appView().then(
    (fresh) => {
      if (JSON.stringify(fresh) !== JSON.stringify(embedded)) show(fresh);
    },
    () => undefined,
  );
} else {
  api.appView().then(firstDraw, (err) => {
    viewEl.textContent = `golive could not start: ${String(err)}`;
  });
}
