// The recent projects: every project with a session on this computer (the rehearsal is one
// of them), where it stands, and a way to start a new one. Opening one never changes another.

import type { Api } from "../api";
import { clear, h } from "../dom";
import { showProblem } from "../findings";
import type { AppView, RecentProject } from "../types";

const STEP_WORDS: Record<RecentProject["current"], string> = {
  connect: "Connect",
  catalog: "Catalog",
  price_ids: "Price IDs & portal",
  webhook: "Webhook",
  secrets: "Secrets",
  audit: "Audit",
  verify: "Verify",
  smoke: "Smoke purchase",
  rotate: "Rotate",
  billing: "Billing rehearsal",
};

export interface RecentDeps {
  api: Pick<Api, "openProject" | "newProject" | "setMode" | "openLink" | "goTo">;
  view: AppView;
  onOpen: (view: AppView) => void;
}

export function projectLabel(p: RecentProject): string {
  return p.worker ?? p.project_dir.split("/").filter(Boolean).pop() ?? p.project_dir;
}

export function renderRecent(root: HTMLElement, deps: RecentDeps): () => void {
  const { api, view } = deps;
  clear(root);
  const status = h("div", { class: "status", "aria-live": "polite" });
  const list = h("ul", { class: "recent", id: "recent-projects" });
  for (const p of view.recent) {
    const open = h(
      "button",
      { type: "button", class: "recent-open", "data-project": p.project_dir, "data-mode": p.mode },
      projectLabel(p),
    );
    open.addEventListener("click", async () => {
      try {
        deps.onOpen(await api.openProject(p.mode, p.project_dir));
      } catch (err) {
        showProblem(status, err, (url) => void api.openLink(url));
      }
    });
    // A project that went live (Verify passed) can go straight to Rotate.
    const rotate = p.verified
      ? h("button", { type: "button", class: "secondary recent-rotate", "data-project": p.project_dir }, "Rotate…")
      : null;
    rotate?.addEventListener("click", async () => {
      try {
        await api.openProject(p.mode, p.project_dir);
        deps.onOpen(await api.goTo("rotate"));
      } catch (err) {
        showProblem(status, err, (url) => void api.openLink(url));
      }
    });
    list.append(
      h(
        "li",
        { class: `recent-item recent-${p.mode}` },
        open,
        h("span", { class: `mode-tag mode-${p.mode}` }, p.mode === "rehearsal" ? "Rehearsal" : "Real"),
        h("span", { class: "recent-dir" }, p.project_dir),
        h(
          "span",
          { class: "recent-state" },
          p.verified ? "✓ Verified" : `At ${STEP_WORDS[p.current] ?? p.current}`,
        ),
        rotate,
      ),
    );
  }
  const fresh = h("button", { type: "button", id: "new-project", class: "secondary" }, "Start a new project");
  fresh.addEventListener("click", async () => {
    try {
      deps.onOpen(await api.newProject());
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
    }
  });
  root.append(
    h("h1", {}, "Recent projects"),
    h(
      "p",
      { class: "lead" },
      "Each project keeps its own record of what went live, in real mode and in the rehearsal. Pick one to go on where you left it.",
    ),
    list,
    h("div", { class: "actions" }, fresh),
    status,
  );
  (list.querySelector("button") as HTMLButtonElement | null)?.focus();
  return () => {};
}
