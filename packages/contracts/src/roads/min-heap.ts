/**
 * A binary min-heap of (key, item) pairs in two parallel arrays: push and pop are O(log n).
 * Dijkstra uses it with lazy deletion (a node may be pushed again with a smaller key; stale
 * entries are skipped when popped), which keeps the heap free of a decrease-key index.
 */
export class MinHeap {
  private readonly keys: number[] = [];
  private readonly items: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, item: number): void {
    this.keys.push(key);
    this.items.push(item);
    this.siftUp(this.keys.length - 1);
  }

  /** The entry with the smallest key (ties: any), or undefined when empty. */
  pop(): { key: number; item: number } | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const top = { key: this.keys[0]!, item: this.items[0]! };
    const lastKey = this.keys.pop()!;
    const lastItem = this.items.pop()!;
    if (n > 1) {
      this.keys[0] = lastKey;
      this.items[0] = lastItem;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(i: number): void {
    const { keys, items } = this;
    const key = keys[i]!;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      items[i] = items[parent]!;
      i = parent;
    }
    keys[i] = key;
    items[i] = item;
  }

  private siftDown(i: number): void {
    const { keys, items } = this;
    const n = keys.length;
    const key = keys[i]!;
    const item = items[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1]! < keys[child]!) child++;
      if (keys[child]! >= key) break;
      keys[i] = keys[child]!;
      items[i] = items[child]!;
      i = child;
    }
    keys[i] = key;
    items[i] = item;
  }
}
