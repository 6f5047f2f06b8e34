import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryStore, PRIORITY_RANK } from './delivery-store';

describe('DeliveryStore outbox order (real SQLite)', () => {
  let dir: string;
  let store: DeliveryStore;
  const now = 1_795_000_000_000;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-delivery-store-'));
    store = DeliveryStore.open(dir);
    store.enqueue('mqtt', 'alerts/A', 'a1', '{}', now, PRIORITY_RANK['medium']);
    store.enqueue('mqtt', 'alerts/A', 'a2', '{}', now, PRIORITY_RANK['high']);
    store.enqueue('mqtt', 'alerts/B', 'b1', '{}', now, PRIORITY_RANK['low']);
    store.enqueue('mqtt', 'alerts/C', 'c1', '{}', now, PRIORITY_RANK['high']);
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands out the most urgent first, then the oldest', () => {
    expect(store.due('mqtt', now, 10).map((d) => d.eventId)).toEqual(['a2', 'c1', 'a1', 'b1']);
  });

  it("with heads only, gives each target its oldest pending delivery, and a target's retry holds back its later ones", () => {
    expect(store.due('mqtt', now, 10, true).map((d) => d.eventId)).toEqual(['c1', 'a1', 'b1']);
    const a1 = store.due('mqtt', now, 10, true).find((d) => d.eventId === 'a1')!;
    store.markAttemptFailed(a1.id, now, null, 'broker unavailable', now + 5_000);
    expect(store.due('mqtt', now + 1, 10, true).map((d) => d.eventId)).toEqual(['c1', 'b1']);
    expect(store.nextDueAt('mqtt', [store.due('mqtt', now, 10, true)[0]!.id, store.due('mqtt', now, 10, true)[1]!.id], true)).toBe(now + 5_000);
    store.markDelivered(a1.id, now + 5_000, null);
    expect(store.due('mqtt', now + 5_000, 10, true).map((d) => d.eventId)).toEqual(['a2', 'c1', 'b1']);
  });

  it('enqueues an event once per target', () => {
    store.enqueue('mqtt', 'alerts/C', 'c1', '{}', now + 1, 0);
    expect(store.counts(0).pending).toBe(4);
  });
});
