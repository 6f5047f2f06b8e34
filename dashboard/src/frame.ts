/**
 * One DOM write pass per animation frame. Stream events only record what changed; the writes
 * happen together before the next paint, so 200 patients updating every second cost at most one
 * layout per frame instead of one per event.
 */
const pending = new Set<() => void>();
let scheduled = false;

export function onNextFrame(write: () => void): void {
  pending.add(write);
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    const writes = [...pending];
    pending.clear();
    for (const w of writes) w();
  });
}
