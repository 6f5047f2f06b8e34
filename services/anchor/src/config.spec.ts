import { ANCHOR_DEFAULTS, resolveAnchorOptions } from './config';

const chain = { rpcUrl: 'http://127.0.0.1:8545', privateKey: `0x${'ab'.repeat(32)}` };

describe('resolveAnchorOptions', () => {
  it('fills the documented defaults and freezes the result', () => {
    const options = resolveAnchorOptions({ dataDir: '/tmp/x', chain, maxBatchSize: undefined });
    expect(options).toMatchObject({ ...ANCHOR_DEFAULTS, dataDir: '/tmp/x', chain });
    expect(options.maxBatchSize).toBe(65_536);
    expect(options.maxBatchAgeMs).toBe(10_000);
    expect(Object.isFrozen(options)).toBe(true);
  });

  it.each([
    [{ maxBatchSize: 0 }, 'maxBatchSize must be an integer in 1..4294967295, got 0'],
    [{ maxBatchSize: 2 ** 32 }, 'maxBatchSize must be an integer'],
    [{ maxBatchAgeMs: 1.5 }, 'maxBatchAgeMs must be an integer'],
    [{ confirmations: 0 }, 'confirmations must be an integer'],
    [{ dataDir: '' }, 'dataDir is required'],
    [{ chain: { ...chain, rpcUrl: 'localhost:8545' } }, 'chain.rpcUrl must be an http(s) URL'],
    [{ chain: { ...chain, privateKey: 'secret' } }, 'chain.privateKey must be 0x followed by 64 hex digits'],
    [{ chain: { ...chain, contractAddress: '0x12' } }, 'chain.contractAddress must be 0x followed by 40 hex digits'],
    [{ chain: { ...chain, maxFeePerGasGwei: 0 } }, 'chain.maxFeePerGasGwei must be a positive number of gwei'],
    [{ chain: { ...chain, maxPriorityFeePerGasGwei: Number.NaN } }, 'chain.maxPriorityFeePerGasGwei must be a positive number of gwei'],
    [{ resubmitAfterMs: 10 }, 'resubmitAfterMs must be an integer in 100..'],
    [{ reorgDepth: 0 }, 'reorgDepth must be an integer'],
  ])('refuses %j with a message naming the option', (override, message) => {
    expect(() => resolveAnchorOptions({ dataDir: '/tmp/x', chain, ...override })).toThrow(message);
  });

  it('never puts the private key in an error message', () => {
    const privateKey = `0x${'cd'.repeat(31)}zz`;
    expect(() => resolveAnchorOptions({ dataDir: '/tmp/x', chain: { ...chain, privateKey } })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('cdcd') }));
  });
});
