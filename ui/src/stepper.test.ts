import { describe, expect, it, vi } from "vitest";
import { renderStepper } from "./stepper";
import type { StepView } from "./types";

const steps: StepView[] = [
  { id: "connect", title: "Connect", reachable: true, done: true },
  { id: "catalog", title: "Catalog", reachable: true, done: false },
  { id: "price_ids", title: "Price IDs & portal", reachable: false, done: false },
  { id: "webhook", title: "Webhook", reachable: false, done: false },
  { id: "secrets", title: "Secrets", reachable: false, done: false },
  { id: "verify", title: "Verify", reachable: false, done: false },
];

describe("renderStepper", () => {
  it("shows every step, locks the unreachable ones and marks the current", () => {
    const root = document.createElement("nav");
    const select = vi.fn();
    renderStepper(root, steps, "catalog", select);
    const buttons = [...root.querySelectorAll("button")];
    expect(buttons.map((b) => b.dataset.step)).toEqual(["connect", "catalog", "price_ids", "webhook", "secrets", "verify"]);
    expect(buttons.filter((b) => b.disabled).length).toBe(4);
    expect(buttons[1].getAttribute("aria-current")).toBe("step");
    expect(buttons[0].getAttribute("aria-label")).toContain("done");
    buttons[0].click();
    expect(select).toHaveBeenCalledWith("connect");
  });
});
