// One check's result as a row: its status, what was found, what to do, and a dashboard link.

import { h, withCode } from "./dom";
import type { Finding, Problem } from "./types";

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
      h("div", { class: "finding-title" }, ...withCode(finding.title)),
      h("div", { class: "finding-detail" }, ...withCode(finding.detail)),
      finding.fix ? h("div", { class: "finding-fix" }, h("strong", {}, "What to do: "), ...withCode(finding.fix)) : null,
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

/** Whatever a command rejected with, as a problem: the engine's own, or (a failure of the
 * bridge itself) one made from its text. */
export function problemOf(err: unknown): Problem {
  if (err && typeof err === "object" && "message" in err && "fix" in err) return err as Problem;
  return {
    kind: "internal",
    code: "internal_error",
    message: String(err),
    fix: "This is a bug in golive: please report it with this message.",
    link: null,
  };
}

/** A problem that stopped a command, drawn exactly as a failed check: what happened, what to
 * do, and where. */
export function renderProblem(err: unknown, openLink: (url: string) => void): HTMLLIElement {
  const problem = problemOf(err);
  const li = renderFinding(
    { check: `problem.${problem.code}`, status: "fail", title: problem.message, detail: "", fix: problem.fix, link: problem.link },
    openLink,
  );
  li.classList.add("problem");
  li.setAttribute("role", "alert");
  li.dataset.code = problem.code;
  li.querySelector(".finding-detail")?.remove();
  return li;
}

/** Replaces what `el` shows with the problem, as a one-row findings list. */
export function showProblem(el: HTMLElement, err: unknown, openLink: (url: string) => void): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  el.append(h("ul", { class: "findings problems" }, renderProblem(err, openLink)));
}
