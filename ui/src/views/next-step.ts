// Steps after Connect that this version does not perform yet: says what the step will do,
// honestly, instead of pretending.

import { clear, h } from "../dom";
import type { StepView } from "../types";

const PLANS: Record<string, string> = {
  price_ids: "The live price IDs and the customer portal are collected by the Catalog step; its table lists them.",
  verify: "Sends signed test events and checks every live setting, then writes a go-live report.",
};

export function renderNextStep(root: HTMLElement, step: StepView): void {
  clear(root);
  root.append(
    h("h1", {}, step.title),
    h("p", { class: "lead" }, PLANS[step.id] ?? ""),
    h("p", { class: "notice", role: "note" }, "This step is not in this version of golive yet. Your Connect results are saved; come back after updating."),
  );
}
