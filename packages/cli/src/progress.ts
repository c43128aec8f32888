import type { CliIo } from "./io.js";

/** A progress line on standard error, shown only on a terminal. @internal */
export interface Progress {
  /** Replaces the label, for example with a count of evaluated requests. */
  update(label: string): void;
  /** Clears the line; safe to call twice. */
  stop(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Quick steps never show a spinner that flickers and vanishes. */
const SHOW_AFTER_MS = 400;

const silent: Progress = { update() {}, stop() {} };

/**
 * Starts a spinner on standard error for work that may take more than a moment
 * (compiling, evaluating a corpus). Off a terminal it prints nothing, so logs and
 * piped output stay clean.
 * @internal
 */
export function startProgress(io: CliIo, label: string): Progress {
  if (io.stderr.isTTY !== true || io.env.TERM === "dumb") return silent;
  let text = label;
  let frame = 0;
  let shown = false;
  const draw = () => {
    shown = true;
    io.stderr.write(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} ${text}`);
  };
  let timer: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    draw();
    timer = setInterval(draw, 80);
    timer.unref();
  }, SHOW_AFTER_MS);
  delay.unref();
  return {
    update(next) {
      text = next;
    },
    stop() {
      clearTimeout(delay);
      if (timer) clearInterval(timer);
      timer = undefined;
      if (shown) io.stderr.write("\r\u001b[2K");
      shown = false;
    },
  };
}

/** Runs `work` with a progress line that is cleared however it ends. @internal */
export async function withProgress<T>(
  io: CliIo,
  label: string,
  work: (progress: Progress) => Promise<T>,
): Promise<T> {
  const progress = startProgress(io, label);
  try {
    return await work(progress);
  } finally {
    progress.stop();
  }
}
