// One check's result as a row: its status, what was found, what to do, and a dashboard link.

import { h } from "./dom";
import type { Finding } from "./types";

const MARKS = { pass: "✓", warn: "!", fail: "✗" } as const;
const WORDS = { pass: "Passed", warn: "Warning", fail: "Failed" } as const;

export function renderFinding(finding: Finding, openLink: (url: string) => void): HTMLLIElement {
  const link = finding.link
    ? h("button", { type: "button", class: "link-button", "data-url": finding.link.url }, `${finding.link.label} ↗`)
    : null;
  link?.addEventListener("click", () => openLink(finding.link!.url));
  return h(
    "li",
    { class: `finding finding-${finding.status}`, "data-check": finding.check },
    h("span", { class: "finding-mark", "aria-label": WORDS[finding.status] }, MARKS[finding.status]),
    h(
      "div",
      { class: "finding-body" },
      h("div", { class: "finding-title" }, finding.title),
      h("div", { class: "finding-detail" }, finding.detail),
      finding.fix ? h("div", { class: "finding-fix" }, h("strong", {}, "What to do: "), finding.fix) : null,
      link,
    ),
  );
}

/** Sorts failures first, then warnings, keeping the order within each. */
export function worstFirst(findings: Finding[]): Finding[] {
  const rank = { fail: 0, warn: 1, pass: 2 } as const;
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank[a.f.status] - rank[b.f.status] || a.i - b.i)
    .map((x) => x.f);
}
