/**
 * The part of Node's `Buffer` that the anchor service's leaf and Merkle code uses (UTF-8 and hex
 * conversion, byte order, alloc/copy for ABI padding), for the browser. esbuild's `inject`
 * substitutes it wherever that shared code names the global `Buffer`, so the auditor view runs
 * exactly the anchor service's encoding rather than a copy of it. buffer-shim.spec.ts runs the
 * anchor's encodeLeaf with this class in place of Node's and compares with the documented vector.
 */
class Bytes extends Uint8Array {
  /** Copies into `target` from `targetStart`; answers the bytes copied (as Node's). */
  copy(target: Uint8Array, targetStart = 0): number {
    const n = Math.max(0, Math.min(this.length, target.length - targetStart));
    target.set(this.subarray(0, n), targetStart);
    return n;
  }

  /** `hex` (what the leaf code asks for) or UTF-8. */
  override toString(encoding: 'hex' | 'utf8' = 'utf8'): string {
    if (encoding === 'utf8') return new TextDecoder().decode(this);
    let hex = '';
    for (const byte of this) hex += byte.toString(16).padStart(2, '0');
    return hex;
  }
}

export const Buffer = {
  from(text: string, encoding: 'utf8' | 'hex' = 'utf8'): Bytes {
    if (encoding === 'utf8') {
      const bytes = new TextEncoder().encode(text);
      const out = new Bytes(bytes.length);
      out.set(bytes);
      return out;
    }
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new TypeError('not an even-length hex string');
    const out = new Bytes(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
    return out;
  },

  alloc(size: number): Bytes {
    return new Bytes(size);
  },

  compare(a: Uint8Array, b: Uint8Array): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  },
};
