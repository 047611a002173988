import { describe, expect, it, vi } from "vitest";
import { problemOf, renderFinding, renderProblem, showProblem, worstFirst } from "./findings";
import type { Finding } from "./types";

const finding = (status: Finding["status"], check = "x"): Finding => ({
  check,
  status,
  title: `${status} title`,
  detail: "<b>not html</b>",
  fix: status === "pass" ? null : "Do the thing",
  link: status === "fail" ? { label: "Open API keys", url: "https://dashboard.stripe.com/apikeys" } : null,
});

describe("renderFinding", () => {
  it("shows the fix and a link button that opens the dashboard", () => {
    const open = vi.fn();
    const li = renderFinding(finding("fail"), open);
    expect(li.classList.contains("finding-fail")).toBe(true);
    expect(li.querySelector(".finding-fix")?.textContent).toContain("Do the thing");
    (li.querySelector("button") as HTMLButtonElement).click();
    expect(open).toHaveBeenCalledWith("https://dashboard.stripe.com/apikeys");
  });

  it("treats details as text, never as HTML", () => {
    const li = renderFinding(finding("pass"), () => {});
    expect(li.querySelector("b")).toBeNull();
    expect(li.querySelector(".finding-detail")?.textContent).toBe("<b>not html</b>");
    expect(li.querySelector(".finding-fix")).toBeNull();
  });
});

describe("code spans", () => {
  it("shows `backticked` words as code, as text, and keeps an unpaired backtick", () => {
    const li = renderFinding(
      { ...finding("fail"), detail: "Run `npx wrangler deploy` then `<b>x</b>`; a lone ` stays", fix: "no code here" },
      () => {},
    );
    const codes = [...li.querySelectorAll(".finding-detail code")].map((c) => c.textContent);
    expect(codes).toEqual(["npx wrangler deploy", "<b>x</b>"]);
    expect(li.querySelector("b")).toBeNull();
    expect(li.querySelector(".finding-detail")?.textContent).toBe("Run npx wrangler deploy then <b>x</b>; a lone ` stays");
    expect(li.querySelector(".finding-fix code")).toBeNull();
  });
});

describe("worstFirst", () => {
  it("puts failures then warnings first, keeping order within each", () => {
    const sorted = worstFirst([finding("pass", "a"), finding("fail", "b"), finding("warn", "c"), finding("fail", "d")]);
    expect(sorted.map((f) => f.check)).toEqual(["b", "d", "c", "a"]);
  });
});

describe("renderProblem", () => {
  it("shows a command's problem like a failed check: message, what to do, and the link", () => {
    const open = vi.fn();
    const li = renderProblem(
      {
        kind: "invalid_input",
        code: "other_account",
        message: "These keys are of Stripe account acct_B, but this project is set up with acct_A.",
        fix: "Use the keys of acct_A for this project.",
        link: { label: "Open API keys", url: "https://dashboard.stripe.com/apikeys" },
      },
      open,
    );
    expect(li.classList.contains("finding-fail")).toBe(true);
    expect(li.getAttribute("role")).toBe("alert");
    expect(li.dataset.code).toBe("other_account");
    expect(li.querySelector(".finding-title")?.textContent).toContain("acct_B");
    expect(li.querySelector(".finding-fix")?.textContent).toBe("What to do: Use the keys of acct_A for this project.");
    (li.querySelector("button") as HTMLButtonElement).click();
    expect(open).toHaveBeenCalledWith("https://dashboard.stripe.com/apikeys");
  });

  it("turns a bare rejection into a problem that says it is a bug, never flattened text", () => {
    const el = document.createElement("div");
    el.textContent = "old status";
    showProblem(el, "IPC failed", vi.fn());
    expect(el.textContent).not.toContain("old status");
    expect(el.querySelector(".finding-title")?.textContent).toBe("IPC failed");
    expect(el.querySelector(".finding-fix")?.textContent).toContain("bug in golive");
    expect(problemOf({ kind: "refused", code: "c", message: "m", fix: "f", link: null }).code).toBe("c");
  });
});
