import { describe, expect, it } from "vitest";
import { onBusy, track } from "./busy";

describe("track", () => {
  it("is busy while any long step runs, idle once all settled, failed ones included", async () => {
    const seen: boolean[] = [];
    const stop = onBusy((busy) => seen.push(busy));
    let finish!: () => void;
    const first = track(new Promise<void>((resolve) => (finish = resolve)));
    const second = track(Promise.reject(new Error("stopped"))).catch(() => "caught");
    expect(seen).toEqual([true, true]);
    expect(await second).toBe("caught");
    expect(seen[seen.length - 1]).toBe(true);
    finish();
    await first;
    expect(seen[seen.length - 1]).toBe(false);
    stop();
  });
});
