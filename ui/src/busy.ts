// Whether a long step is running (Connect's checks, a plan, a write, Verify), so the window
// can offer Cancel while it does.

type Listener = (busy: boolean) => void;

let running = 0;
const listeners = new Set<Listener>();

function tell(): void {
  for (const listener of listeners) listener(running > 0);
}

/** Marks the window busy until `work` settles; returns it unchanged. */
export function track<T>(work: Promise<T>): Promise<T> {
  running += 1;
  tell();
  return work.finally(() => {
    running -= 1;
    tell();
  });
}

/** Calls `listener` whenever the window becomes busy or idle; returns how to stop. */
export function onBusy(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
