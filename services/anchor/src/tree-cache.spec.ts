import { keccak256, toUtf8Bytes } from 'ethers';
import { buildTree } from './merkle';
import { TreeCache } from './tree-cache';

describe('TreeCache', () => {
  it('builds a tree once and evicts the least recently used beyond its capacity', () => {
    const cache = new TreeCache(2);
    let builds = 0;
    const build = (n: number) => () => {
      builds++;
      return buildTree([keccak256(toUtf8Bytes(String(n)))]);
    };
    cache.get(1, build(1));
    cache.get(2, build(2));
    cache.get(1, build(1)); // 1 is now the most recent
    cache.get(3, build(3)); // evicts 2
    expect(builds).toBe(3);
    cache.get(1, build(1));
    expect(builds).toBe(3);
    cache.get(2, build(2));
    expect(builds).toBe(4);
    expect(cache.size).toBe(2);
  });
});
