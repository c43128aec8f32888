import { afterEach, describe, expect, it, vi } from "vitest";
import type { CliIo } from "./io.js";
import { startProgress, withProgress } from "./progress.js";

function io(tty: boolean): CliIo & { written: () => string } {
  let text = "";
  return {
    stdout: { write: () => true },
    stderr: { write: (chunk: string) => (text += chunk), isTTY: tty },
    env: {},
    cwd: "/",
    written: () => text,
  };
}

describe("progress", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("prints nothing when standard error is not a terminal", async () => {
    vi.useFakeTimers();
    const target = io(false);
    const progress = startProgress(target, "compiling");
    vi.advanceTimersByTime(5_000);
    progress.stop();
    expect(target.written()).toBe("");
  });

  it("draws a spinner on a terminal once work outlasts a moment, and clears it", () => {
    vi.useFakeTimers();
    const target = io(true);
    const progress = startProgress(target, "compiling");
    expect(target.written()).toBe("");
    vi.advanceTimersByTime(1_000);
    progress.update("evaluating 10 requests");
    vi.advanceTimersByTime(100);
    expect(target.written()).toContain("compiling");
    expect(target.written()).toContain("evaluating 10 requests");
    progress.stop();
    expect(target.written().endsWith("\r\u001b[2K")).toBe(true);
  });

  it("stops the spinner when the work fails", async () => {
    vi.useFakeTimers();
    const target = io(true);
    const failing = withProgress(target, "compiling", async () => {
      vi.advanceTimersByTime(1_000);
      throw new Error("boom");
    });
    await expect(failing).rejects.toThrow("boom");
    const before = target.written();
    vi.advanceTimersByTime(1_000);
    expect(target.written()).toBe(before);
  });
});
