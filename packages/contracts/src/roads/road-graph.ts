import { LatLon, distanceMetres } from './geo';
import { MinHeap } from './min-heap';
import { GridIndex } from './spatial-index';

/** A road between two nodes, driven both ways at `speedMps` (metres per second). */
export interface RoadEdge {
  readonly from: number;
  readonly to: number;
  readonly speedMps: number;
  /** default: the straight distance between the two nodes */
  readonly metres?: number;
  /** e.g. 'arterial', 'street', 'bridge' (for people reading a route; not used in routing) */
  readonly kind?: string;
}

export interface RoadGraphInput {
  readonly nodes: readonly LatLon[];
  readonly edges: readonly RoadEdge[];
}

/** One Dijkstra run from a source: travel time to every node, and the next node towards the source. */
export interface ShortestPathTree {
  readonly source: number;
  /** seconds from the source (Infinity when unreachable) */
  readonly seconds: Float64Array;
  readonly metres: Float64Array;
  /** the previous node on a shortest path from the source (-1 at the source and unreachable nodes) */
  readonly previous: Int32Array;
}

/**
 * An undirected road network with travel times, stored as adjacency arrays (CSR): node i's
 * neighbours are `target[offset[i] .. offset[i+1])`. Because roads are two-way, one Dijkstra run
 * from a patient gives every unit's travel time to that patient, and walking `previous` from a
 * unit's node gives its route in driving order.
 */
export class RoadGraph {
  readonly nodes: readonly LatLon[];
  readonly edgeCount: number;
  private readonly offset: Int32Array;
  private readonly target: Int32Array;
  private readonly seconds: Float64Array;
  private readonly metres: Float64Array;
  private readonly speed: Float64Array;
  private readonly index: GridIndex;

  constructor(input: RoadGraphInput) {
    const n = input.nodes.length;
    if (n === 0) throw new Error('a road graph needs at least one node');
    this.nodes = input.nodes.map((p) => ({ lat: p.lat, lon: p.lon }));
    const degree = new Int32Array(n + 1);
    for (const e of input.edges) {
      if (!(e.from >= 0 && e.from < n && e.to >= 0 && e.to < n) || e.from === e.to) {
        throw new Error(`road edge ${e.from}-${e.to} must join two different nodes of 0..${n - 1}`);
      }
      if (!(e.speedMps > 0 && Number.isFinite(e.speedMps))) throw new Error(`road edge ${e.from}-${e.to} needs a speed > 0`);
      degree[e.from + 1]!++;
      degree[e.to + 1]!++;
    }
    for (let i = 0; i < n; i++) degree[i + 1]! += degree[i]!;
    this.offset = degree;
    const slots = degree[n]!;
    this.target = new Int32Array(slots);
    this.seconds = new Float64Array(slots);
    this.metres = new Float64Array(slots);
    this.speed = new Float64Array(slots);
    const fill = Int32Array.from(degree.subarray(0, n));
    const put = (a: number, b: number, metres: number, speedMps: number) => {
      const k = fill[a]!++;
      this.target[k] = b;
      this.metres[k] = metres;
      this.speed[k] = speedMps;
      this.seconds[k] = metres / speedMps;
    };
    for (const e of input.edges) {
      const metres = e.metres ?? distanceMetres(this.nodes[e.from]!, this.nodes[e.to]!);
      put(e.from, e.to, metres, e.speedMps);
      put(e.to, e.from, metres, e.speedMps);
    }
    this.edgeCount = input.edges.length;
    this.index = new GridIndex(this.nodes);
  }

  /** The node nearest to `p` and how far away it is, in metres. */
  nearestNode(p: LatLon): { node: number; metres: number } {
    const { index, metres } = this.index.nearest(p);
    return { node: index, metres };
  }

  /** Nodes adjacent to `node`, with the road's length and speed. */
  neighbours(node: number): { node: number; metres: number; speedMps: number; seconds: number }[] {
    const out = [];
    for (let k = this.offset[node]!; k < this.offset[node + 1]!; k++) {
      out.push({ node: this.target[k]!, metres: this.metres[k]!, speedMps: this.speed[k]!, seconds: this.seconds[k]! });
    }
    return out;
  }

  /** The fastest direct road between two adjacent nodes, or undefined when they are not adjacent. */
  road(a: number, b: number): { metres: number; speedMps: number; seconds: number } | undefined {
    let best: { metres: number; speedMps: number; seconds: number } | undefined;
    for (let k = this.offset[a]!; k < this.offset[a + 1]!; k++) {
      if (this.target[k] === b && (!best || this.seconds[k]! < best.seconds)) {
        best = { metres: this.metres[k]!, speedMps: this.speed[k]!, seconds: this.seconds[k]! };
      }
    }
    return best;
  }

  /**
   * Dijkstra (1959) with a binary heap, O((V + E) log V), minimising travel time. Stops early once
   * every node of `until` is settled, when given.
   */
  shortestPaths(source: number, until?: readonly number[]): ShortestPathTree {
    const n = this.nodes.length;
    const seconds = new Float64Array(n).fill(Infinity);
    const metres = new Float64Array(n).fill(Infinity);
    const previous = new Int32Array(n).fill(-1);
    const settled = new Uint8Array(n);
    const waiting = new Set(until ?? []);
    seconds[source] = 0;
    metres[source] = 0;
    const heap = new MinHeap();
    heap.push(0, source);
    for (let entry = heap.pop(); entry; entry = heap.pop()) {
      const u = entry.item;
      if (settled[u] || entry.key > seconds[u]!) continue; // a stale entry (lazy deletion)
      settled[u] = 1;
      if (until && waiting.delete(u) && waiting.size === 0) break;
      for (let k = this.offset[u]!; k < this.offset[u + 1]!; k++) {
        const v = this.target[k]!;
        const t = seconds[u]! + this.seconds[k]!;
        if (t < seconds[v]!) {
          seconds[v] = t;
          metres[v] = metres[u]! + this.metres[k]!;
          previous[v] = u;
          heap.push(t, v);
        }
      }
    }
    return { source, seconds, metres, previous };
  }

  /** The nodes from `from` to the tree's source, in driving order; undefined when unreachable. */
  static pathToSource(tree: ShortestPathTree, from: number): number[] | undefined {
    if (!Number.isFinite(tree.seconds[from]!)) return undefined;
    const path = [from];
    for (let node = from; node !== tree.source; ) {
      node = tree.previous[node]!;
      path.push(node);
    }
    return path;
  }
}
