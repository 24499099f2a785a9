// Calls back after a stretch without any user input: the auto-lock of the vault.

const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;
/** Input bursts (a mouse move fires per frame) restart the timer at most this often. */
const RESTART_THROTTLE_MS = 1000;

export function watchIdle(idleMs: () => number, onIdle: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastRestart = 0;
  const restart = () => {
    const now = Date.now();
    if (timer !== undefined && now - lastRestart < RESTART_THROTTLE_MS) return;
    lastRestart = now;
    clearTimeout(timer);
    timer = setTimeout(onIdle, idleMs());
  };
  for (const name of ACTIVITY_EVENTS) addEventListener(name, restart, { passive: true, capture: true });
  restart();
  return () => {
    clearTimeout(timer);
    for (const name of ACTIVITY_EVENTS) removeEventListener(name, restart, { capture: true });
  };
}
