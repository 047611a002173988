import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AppView } from "./types";

// main.ts starts the window when imported: each test sets up the page, the app's answers and
// the embedded first view, then imports a fresh copy.
const appView = vi.fn();
const firstPaint = vi.fn();
vi.mock("./api", () => ({
  api: {
    appView,
    firstPaint,
    about: () => Promise.resolve("0.1.0 (commit abc1234)"),
    cancel: vi.fn(),
    onStepEvent: () => Promise.resolve(() => {}),
    rehearsalInputs: () => new Promise(() => {}),
    cloudflareTokenPage: () => new Promise(() => {}),
  },
}));

function view(current: AppView["current"], project: string | null): AppView {
  return {
    mode: "rehearsal",
    current,
    steps: [
      { id: "connect", title: "Connect", reachable: true, done: current !== "connect" },
      { id: "catalog", title: "Catalog", reachable: current !== "connect", done: false },
    ],
    project_dir: project,
    connect: null,
    catalog: { created: [], price_ids: null, portal: null },
    worker_env: null, webhook: null, secrets: null, verify: null, load_problem: null, recent: [], choose_project: false,
  } as AppView;
}

const flush = () => new Promise((r) => setTimeout(r, 0));
type WithFirstView = Window & { __GOLIVE_FIRST_VIEW__?: AppView };

beforeEach(() => {
  vi.resetModules();
  appView.mockReset();
  firstPaint.mockReset();
  document.body.innerHTML =
    '<span id="about"></span><nav id="stepper"></nav><div id="mode-banner"></div><main id="view" tabindex="-1"></main>';
  vi.stubGlobal("requestAnimationFrame", (f: FrameRequestCallback) => setTimeout(() => f(0), 0));
});

afterEach(() => {
  delete (window as WithFirstView).__GOLIVE_FIRST_VIEW__;
  vi.unstubAllGlobals();
});

describe("the window's start", () => {
  it("draws the first view that came with the page without waiting for the app, and reports the paint with its marks", async () => {
    appView.mockReturnValue(new Promise(() => {})); // the app never answers
    (window as WithFirstView).__GOLIVE_FIRST_VIEW__ = view("connect", "/work/pan-api");
    await import("./main");
    await flush();
    await flush();
    expect(document.getElementById("stepper")!.textContent).toContain("Connect");
    expect(document.getElementById("view")!.children.length).toBeGreaterThan(0);
    expect(firstPaint).toHaveBeenCalledTimes(1);
    const names = (firstPaint.mock.calls[0][0] as { name: string }[]).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["script-run", "view-drawn", "painted"]));
  });

  it("redraws when the app's view has moved on since the page's (a reloaded window)", async () => {
    (window as WithFirstView).__GOLIVE_FIRST_VIEW__ = view("connect", "/work/pan-api");
    appView.mockResolvedValue(view("catalog", "/work/pan-api"));
    await import("./main");
    await flush();
    await flush();
    expect(document.querySelector("#view h2, #view h1")?.textContent ?? "").toMatch(/catalog/i);
  });

  it("asks the app when the page came without a view", async () => {
    appView.mockResolvedValue(view("connect", null));
    await import("./main");
    await flush();
    await flush();
    expect(appView).toHaveBeenCalledTimes(1);
    expect(firstPaint).toHaveBeenCalledTimes(1);
  });
});
