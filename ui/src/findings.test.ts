import { describe, expect, it, vi } from "vitest";
import { renderFinding, worstFirst } from "./findings";
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

describe("worstFirst", () => {
  it("puts failures then warnings first, keeping order within each", () => {
    const sorted = worstFirst([finding("pass", "a"), finding("fail", "b"), finding("warn", "c"), finding("fail", "d")]);
    expect(sorted.map((f) => f.check)).toEqual(["b", "d", "c", "a"]);
  });
});
