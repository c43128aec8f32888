/**
 * An abort signal that fires when any of `signals` does or after `ms`, whichever is first.
 * Call `clear` once the operation ends.
 *
 * `AbortSignal.any([…, AbortSignal.timeout(ms)])` is not used: on Node 20 a garbage
 * collection can reclaim the timeout signal while a request is pending, so the time limit
 * never fires and a server that never answers holds the request forever. A timer holds its
 * callback strongly until it fires or is cleared.
 * @internal
 */
export function deadline(
  ms: number,
  ...signals: AbortSignal[]
): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const abort = (reason: unknown) => {
    clear();
    controller.abort(reason);
  };
  const listeners = signals.map((signal) => {
    const listener = () => abort(signal.reason);
    return { signal, listener };
  });
  const timer = setTimeout(
    () => abort(new DOMException("The operation timed out", "TimeoutError")),
    ms,
  );
  // A pending request keeps the process alive by itself; the timer need not.
  timer.unref?.();
  function clear(): void {
    clearTimeout(timer);
    for (const { signal, listener } of listeners) signal.removeEventListener("abort", listener);
  }
  for (const { signal, listener } of listeners) {
    if (signal.aborted) {
      abort(signal.reason);
      break;
    }
    signal.addEventListener("abort", listener, { once: true });
  }
  return { signal: controller.signal, clear };
}
