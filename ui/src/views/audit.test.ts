import { describe, expect, it, vi } from "vitest";
import type { AuditRecord, Finding, ManualState } from "../types";
import { auditSummary, renderManualItem } from "./audit";

const finding = (check: string, status: Finding["status"]): Finding => ({ check, status, title: check, detail: "", fix: null, link: null });

const record = (findings: Finding[], blocking: string[]): AuditRecord => ({
  report: { ran_at: 1_795_000_000, findings, commits: 3, blobs: 9, elapsed_ms: 40 },
  blocking,
  manual: [],
});

describe("auditSummary", () => {
  it("says plainly when a failure blocks the go-live, and when nothing does", () => {
    const blocked = record([finding("audit.repo.live_secret", "fail"), finding("audit.account.charges", "pass")], ["audit.repo.live_secret"]);
    expect(auditSummary(blocked)).toContain("1 would lose money or leak a secret");
    const clear = record([finding("audit.account.statement_descriptor", "fail"), finding("audit.tax.behavior", "warn")], []);
    expect(auditSummary(clear)).toBe("0 proven, 1 to look at, 1 failed. Nothing blocks the go-live.");
    expect(auditSummary({ report: null, blocking: [], manual: [] })).toBe("Not audited yet.");
  });
});

describe("renderManualItem", () => {
  const item = (confirmed_at: number | null): ManualState => ({
    id: "two-step-login",
    title: "Two-step authentication is on",
    why: "A stolen password alone must not be enough.",
    link: { label: "Open team and security settings", url: "https://dashboard.stripe.com/settings/user" },
    confirmed_at,
  });

  it("ticks an item through the callback and opens its Dashboard link", () => {
    const toggle = vi.fn();
    const open = vi.fn();
    const li = document.body.appendChild(renderManualItem(item(null), toggle, open));
    const box = li.querySelector("input") as HTMLInputElement;
    expect(box.checked).toBe(false);
    box.click();
    expect(toggle).toHaveBeenCalledWith("two-step-login", true);
    (li.querySelector("button") as HTMLButtonElement).click();
    expect(open).toHaveBeenCalledWith("https://dashboard.stripe.com/settings/user");
  });

  it("shows the date a ticked item was confirmed", () => {
    const li = renderManualItem(item(1_795_000_000), vi.fn(), vi.fn());
    expect((li.querySelector("input") as HTMLInputElement).checked).toBe(true);
    expect(li.textContent).toContain("confirmed by you on 2026-11-18");
  });
});
