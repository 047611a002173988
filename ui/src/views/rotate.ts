// The Rotate view (step 7, after Verify passed): what a rotation will do in plain words, the
// Dashboard link when the user must act, a field for the value they rolled (it leaves the
// page once sent), the timeline of phases as they land, what the rotation waits for, and
// Verify at the end. Starting over an open rotation is not offered: Continue is.

import type { Api } from "../api";
import { clear, h } from "../dom";
import { renderFinding, showProblem } from "../findings";
import type { AppView, Retiring, RotateChoice, Rotated, Rotation, StepEvent } from "../types";

export interface RotateViewDeps {
  api: Api;
  view: AppView;
  onView: (view: AppView) => void;
  onVerify: () => void;
}

const CHOICES: { id: string; label: string; help: string; choice: RotateChoice }[] = [
  {
    id: "rotate-webhook",
    label: "Webhook signing secret — automatic",
    help: "golive makes a second endpoint with a new secret, proves the Worker accepts it, then retires the old one. Nothing for you to do in the Dashboard.",
    choice: { kind: "webhook-secret", dashboard: false, oldSecretHours: 24 },
  },
  {
    id: "rotate-webhook-dashboard",
    label: "Webhook signing secret — I roll it in the Dashboard",
    help: "You press “Roll secret” on the endpoint's page; golive pushes the new secret beside the old one and removes the old one when it expires.",
    choice: { kind: "webhook-secret", dashboard: true, oldSecretHours: 24 },
  },
  {
    id: "rotate-key",
    label: "Live API key",
    help: "You press “Roll key” in the Dashboard with a later expiry; golive checks the new key, pushes it and proves the Worker answers.",
    choice: { kind: "api-key", dashboard: false, oldSecretHours: 24 },
  },
];

function when(unix: number): string {
  return new Date(unix * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/** The timeline of a rotation, and what it waits for as a finding with its fix and link. */
export function renderRotation(
  rotation: Rotation,
  retiring: Retiring[],
  openLink: (url: string) => void,
): HTMLElement {
  const done = rotation.phase === "done";
  const list = h("ol", { class: "timeline", id: "rotate-timeline" });
  for (const mark of rotation.timeline) list.append(h("li", {}, h("span", { class: "when" }, when(mark.at)), h("span", {}, mark.note)));
  const waiting = rotation.waiting
    ? h(
        "ul",
        { class: "findings", id: "rotate-waiting" },
        renderFinding(
          { check: "rotate.waiting", status: "warn", title: rotation.waiting.message, detail: "", fix: rotation.waiting.fix, link: rotation.waiting.link },
          openLink,
        ),
      )
    : null;
  const kept = retiring.length
    ? h(
        "p",
        { class: "note" },
        `Kept until Stripe refuses it: ${retiring.map((r) => r.hint).join(", ")} — golive forgets it once the expiry you chose has passed (press Continue then).`,
      )
    : null;
  return h(
    "section",
    { class: "rotation", "data-phase": rotation.phase },
    h("h2", {}, done ? "Rotation done" : "Rotation in progress"),
    list,
    waiting,
    kept,
  );
}

export function renderRotate(root: HTMLElement, deps: RotateViewDeps): () => void {
  const { api } = deps;
  const openLink = (url: string) => void api.openLink(url);
  clear(root);
  let choice = CHOICES[0].choice;
  let open: Rotation | null = null;
  const options = h("fieldset", { class: "choices" }, h("legend", {}, "What to rotate"));
  for (const c of CHOICES) {
    const input = h("input", { type: "radio", name: "rotate-kind", id: c.id, value: c.id, checked: c === CHOICES[0] });
    input.addEventListener("change", () => {
      choice = c.choice;
      void plan();
    });
    options.append(h("label", { class: "choice", for: c.id }, input, h("strong", {}, c.label), h("span", { class: "field-help" }, c.help)));
  }
  const steps = h("ol", { class: "plan-steps", id: "rotate-plan" });
  const dashboard = h("button", { type: "button", class: "link-button", id: "rotate-dashboard", hidden: true }, "");
  const valueLabel = h("label", { for: "rotate-value" }, "");
  const value = h("input", { type: "password", id: "rotate-value", autocomplete: "off", spellcheck: "false" });
  // The rehearsal has no Dashboard to roll its made-up key in: this button is that Dashboard.
  const roll = h("button", { type: "button", class: "secondary", id: "rotate-roll", hidden: true }, "Roll the key in the rehearsal's Dashboard");
  roll.addEventListener("click", () => {
    api.rehearsalRollKey().then((key) => {
      value.value = key;
    }, (err) => showProblem(status, err, openLink));
  });
  const valueField = h("div", { class: "field", hidden: true }, valueLabel, value, roll);
  const start = h("button", { type: "button", id: "rotate-start", class: "primary" }, "Start the rotation");
  const next = h("button", { type: "button", id: "rotate-continue", class: "primary", hidden: true }, "Continue");
  const verify = h("button", { type: "button", id: "rotate-verify", class: "secondary", hidden: true }, "Run Verify");
  const status = h("div", { id: "rotate-status", class: "status", role: "status", "aria-live": "polite" });
  const progress = h("p", { class: "status", id: "rotate-progress" });
  const timeline = h("div", { id: "rotate-state" });
  root.append(
    h("h1", {}, "Rotate"),
    h(
      "p",
      { class: "lead" },
      "Roll a secret with no downtime: the new value is proven in the Worker before the old one is retired, and an interrupted rotation goes on from where it stopped.",
    ),
    options,
    h("h2", {}, "What will happen"),
    steps,
    dashboard,
    valueField,
    h("div", { class: "actions" }, start, next, verify),
    progress,
    status,
    timeline,
  );

  /** The field for what the user rolled, when the rotation needs it now. */
  const needs = (): "key" | "secret" | null => {
    const phase = open?.phase;
    if (phase === "await_new_key" || (!open && choice.kind === "api-key")) return "key";
    if (phase === "await_new_secret" || (!open && choice.dashboard)) return "secret";
    return null;
  };
  const showField = () => {
    const need = needs();
    valueField.hidden = need === null;
    roll.hidden = need !== "key" || deps.view.mode !== "rehearsal";
    valueLabel.textContent = need === "key" ? "The new live secret key (sk_live_…)" : "The new signing secret (whsec_…)";
  };
  const showRotated = (rotated: Rotated) => {
    open = rotated.rotation && rotated.rotation.phase !== "done" ? rotated.rotation : null;
    clear(timeline);
    if (rotated.rotation) timeline.append(renderRotation(rotated.rotation, rotated.retiring, openLink));
    start.hidden = open !== null;
    options.disabled = open !== null;
    next.hidden = open === null && rotated.retiring.length === 0;
    verify.hidden = rotated.rotation?.phase !== "done";
    showField();
    deps.onView(rotated.view);
  };
  const plan = async () => {
    try {
      const p = await api.rotatePlan(choice);
      clear(steps);
      for (const s of p.steps) steps.append(h("li", {}, s));
      dashboard.hidden = !p.dashboard;
      if (p.dashboard) {
        dashboard.textContent = `${p.dashboard.label} ↗`;
        dashboard.onclick = () => openLink(p.dashboard!.url);
      }
      if (p.rollout) showProblem(status, { code: "gradual_deployment", ...p.rollout }, openLink);
      start.disabled = p.rollout !== null;
      showField();
    } catch (err) {
      showProblem(status, err, openLink);
    }
  };
  const act = async (call: () => Promise<Rotated>) => {
    start.disabled = next.disabled = true;
    clear(status);
    try {
      showRotated(await call());
      // The endpoint and keys may have changed: what a next rotation would do, anew.
      void plan();
    } catch (err) {
      showProblem(status, err, openLink);
    } finally {
      // What the user pasted never stays in the page.
      value.value = "";
      start.disabled = next.disabled = false;
      progress.textContent = "";
    }
  };
  const pasted = (want: "key" | "secret") => (needs() === want && value.value.trim() ? value.value : null);
  start.addEventListener("click", () => void act(() => api.rotateStart(choice, pasted("key"), pasted("secret"))));
  next.addEventListener("click", () => void act(() => api.rotateContinue(pasted("key"), pasted("secret"))));
  verify.addEventListener("click", () => deps.onVerify());
  const unlisten = api.onStepEvent((event: StepEvent) => {
    if (event.step !== "rotate" || event.kind !== "progress") {
      if (event.kind === "progress" && event.step === "secrets") progress.textContent = event.message;
      return;
    }
    progress.textContent = `${event.done}/${event.total} · ${event.message}`;
  });
  void plan();
  void api.rotateStatus().then(showRotated, (err) => showProblem(status, err, openLink));
  return () => void unlisten.then((f) => f());
}
