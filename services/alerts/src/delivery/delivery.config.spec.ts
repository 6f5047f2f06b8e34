import { DEFAULT_WEBHOOK_RETRY, redactUrl, resolveDeliveryOptions } from './delivery.config';

const secret = 'whsec-0123456789abcdef';

describe('alert delivery options', () => {
  it('has no webhooks without URLs, and the documented defaults with them', () => {
    expect(resolveDeliveryOptions({ dataDir: '/tmp/x' }).webhooks).toBeUndefined();
    const resolved = resolveDeliveryOptions({ dataDir: '/tmp/x', webhooks: { urls: ['https://pager.example/h'], secret, retry: { maxAttempts: 3 } } });
    expect(resolved.webhooks).toEqual({ urls: ['https://pager.example/h'], secret, timeoutMs: 10_000, retry: { ...DEFAULT_WEBHOOK_RETRY, maxAttempts: 3 }, concurrency: 4 });
    expect(resolved.stream).toEqual({ heartbeatMs: 15_000, bufferSize: 1_000 });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it.each([
    [{ urls: ['ftp://pager.example/h'], secret }, /ALERTS_E_CONFIG: webhook URLs must be http\(s\)/],
    [{ urls: ['not a url'], secret }, /a webhook URL is not a URL/],
    [{ urls: ['https://user:pw@pager.example/h'], secret }, /must not contain user:password@/],
    [{ urls: ['https://a.example/h', 'https://a.example/h'], secret }, /must not repeat/],
    [{ urls: ['https://a.example/h'], secret: 'too-short' }, /at least 16 characters/],
    [{ urls: ['https://a.example/h'], secret, retry: { baseDelayMs: 0 } }, /webhooks.retry.baseDelayMs must be a positive whole number/],
  ])('stops the start on bad webhook options (case %#), without the secret in the message', (webhooks, message) => {
    expect(() => resolveDeliveryOptions({ dataDir: '/tmp/x', webhooks })).toThrow(message);
    expect(() => resolveDeliveryOptions({ dataDir: '/tmp/x', webhooks })).not.toThrow(/whsec|too-short|pw@/);
  });

  it('shows a URL without its user info and query', () => {
    expect(redactUrl('https://user:pw@pager.example:8443/hooks/a?token=t0k3n#x')).toBe('https://pager.example:8443/hooks/a');
  });
});
