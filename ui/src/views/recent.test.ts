import { describe, expect, it, vi } from "vitest";
import type { AppView, RecentProject } from "../types";
import { projectLabel, renderRecent } from "./recent";

const project = (mode: RecentProject["mode"], dir: string, worker: string | null, verified: boolean): RecentProject => ({
  mode,
  project_dir: dir,
  worker,
  current: verified ? "verify" : "webhook",
  verified,
  saved_at: 1,
});

const view = (recent: RecentProject[]): AppView => ({
  mode: "real",
  current: "connect",
  steps: [],
  project_dir: null,
  connect: null,
  catalog: { created: [], price_ids: null, portal: null } as unknown as AppView["catalog"],
  worker_env: null,
  webhook: null,
  secrets: null,
  verify: null,
  load_problem: null,
  recent,
  choose_project: true,
});

describe("renderRecent", () => {
  it("lists every project with its mode and where it stands, and opens the one picked", async () => {
    const opened = view([]);
    const api = {
      openProject: vi.fn().mockResolvedValue(opened),
      newProject: vi.fn().mockResolvedValue(opened),
      setMode: vi.fn(),
      openLink: vi.fn(),
      goTo: vi.fn().mockResolvedValue(opened),
    };
    const onOpen = vi.fn();
    const root = document.createElement("div");
    renderRecent(root, {
      api,
      view: view([project("real", "/home/a/pan-api", "pan-api", true), project("rehearsal", "/data/rehearsal/project", null, false)]),
      onOpen,
    });
    const items = root.querySelectorAll("li.recent-item");
    expect(items.length).toBe(2);
    expect(items[0].textContent).toContain("pan-api");
    expect(items[0].textContent).toContain("Real");
    expect(items[0].textContent).toContain("✓ Verified");
    expect(items[1].textContent).toContain("Rehearsal");
    expect(items[1].textContent).toContain("At Webhook");
    (items[1].querySelector("button") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(onOpen).toHaveBeenCalledWith(opened));
    expect(api.openProject).toHaveBeenCalledWith("rehearsal", "/data/rehearsal/project");
    // Only the verified project offers Rotate, and it opens that project at Rotate.
    expect(root.querySelectorAll(".recent-rotate").length).toBe(1);
    (items[0].querySelector(".recent-rotate") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(api.goTo).toHaveBeenCalledWith("rotate"));
    expect(api.openProject).toHaveBeenCalledWith("real", "/home/a/pan-api");
  });

  it("starts a new project, and shows a refusal like a failed check", async () => {
    const api = {
      openProject: vi.fn().mockRejectedValue({ kind: "refused", code: "rehearsal_in_use", message: "In use.", fix: "Close it.", link: null }),
      newProject: vi.fn().mockResolvedValue(view([])),
      setMode: vi.fn(),
      openLink: vi.fn(),
      goTo: vi.fn(),
    };
    const root = document.createElement("div");
    const onOpen = vi.fn();
    renderRecent(root, { api, view: view([project("rehearsal", "/r", null, false)]), onOpen });
    (root.querySelector(".recent-open") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(root.querySelector("[data-code='rehearsal_in_use']")).not.toBeNull());
    expect(root.querySelector(".finding-fix")?.textContent).toContain("Close it.");
    (root.querySelector("#new-project") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(onOpen).toHaveBeenCalled());
    expect(projectLabel(project("real", "/home/a/my-api/", null, false))).toBe("my-api");
  });
});
