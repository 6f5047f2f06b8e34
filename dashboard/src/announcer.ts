/**
 * The page's aria-live regions: alerts go to the assertive one (a new high-priority alert must
 * interrupt), everything else to the polite one. Text is replaced, not appended, so a screen reader
 * reads each message once.
 */
export function announce(message: string, urgency: 'polite' | 'assertive' = 'polite'): void {
  const region = document.getElementById(urgency === 'assertive' ? 'live-assertive' : 'live-polite');
  if (!region) return;
  region.textContent = '';
  // a new text node after a clear is what makes every screen reader speak the same words twice
  window.setTimeout(() => {
    region.textContent = message;
  }, 30);
}
