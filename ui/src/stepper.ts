// The stepper: every step of the flow in order, later ones shown but not yet reachable.

import { clear, h } from "./dom";
import type { StepId, StepView } from "./types";

export function renderStepper(
  root: HTMLElement,
  steps: StepView[],
  current: StepId,
  onSelect: (step: StepId) => void,
): void {
  clear(root);
  const list = h("ol", { class: "stepper" });
  steps.forEach((step, index) => {
    const state = step.id === current ? "current" : step.done ? "done" : step.reachable ? "open" : "locked";
    const label = `${index + 1}. ${step.title}`;
    const button = h(
      "button",
      {
        type: "button",
        class: `step step-${state}`,
        "data-step": step.id,
        disabled: !step.reachable,
        "aria-current": step.id === current ? "step" : undefined,
        title: step.reachable ? undefined : "Finish the steps before this one first",
      },
      h("span", { class: "step-mark", "aria-hidden": "true" }, step.done ? "✓" : String(index + 1)),
      h("span", { class: "step-title" }, step.title),
      h("span", { class: "visually-hidden" }, state === "locked" ? " (not yet available)" : step.done ? " (done)" : ""),
    );
    button.setAttribute("aria-label", label + (state === "locked" ? ", not yet available" : step.done ? ", done" : ""));
    button.addEventListener("click", () => onSelect(step.id));
    list.append(h("li", {}, button));
  });
  root.append(list);
}
