import { AccessPrincipal } from '@pulseproof/contracts';
import { Subject, lastValueFrom, toArray } from 'rxjs';
import { whileAllowed } from './open-stream';

const nurse = (wards: string[]): AccessPrincipal => ({ username: 'nina', role: 'clinician', wards, via: 'session' });

describe('whileAllowed', () => {
  it('passes events on while the caller is allowed, and completes once the session ends', async () => {
    let principal: AccessPrincipal | undefined = nurse(['ward-a']);
    const source = new Subject<number>();
    const received = lastValueFrom(source.pipe(whileAllowed(() => principal, (p) => p.wards.includes('ward-a'), 5), toArray()));
    source.next(1);
    source.next(2);
    principal = undefined;
    // completes on its own: the source never does
    await expect(received).resolves.toEqual([1, 2]);
    expect(source.observed).toBe(false);
  });

  it('completes once the caller is no longer allowed (a ward taken away)', async () => {
    let principal: AccessPrincipal | undefined = nurse(['ward-a']);
    const source = new Subject<string>();
    const received = lastValueFrom(source.pipe(whileAllowed(() => principal, (p) => p.wards.includes('ward-a'), 5), toArray()));
    source.next('before');
    principal = nurse(['ward-b']);
    await expect(received).resolves.toEqual(['before']);
  });

  it('keeps the stream open while the caller stays allowed', async () => {
    let checks = 0;
    const source = new Subject<string>();
    const received = lastValueFrom(source.pipe(whileAllowed(() => (checks++, nurse(['ward-a'])), () => true, 5), toArray()));
    // several re-checks pass without ending it; then the source itself ends
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (checks >= 3) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    source.next('still open');
    source.complete();
    await expect(received).resolves.toEqual(['still open']);
  });
});
