import { LatLon, offsetMetres } from './geo';
import { RoadEdge, RoadGraph } from './road-graph';

/**
 * The road network of the demo city: GENERATED, deterministically (no data file, no download), so
 * the dispatcher in services/alerts and the ambulance simulator drive on exactly the same roads.
 *
 * A 25 × 25 grid of junctions 200 m apart (4.8 km square) centred on the simulated hospital site
 * (51.5074 N, 0.1278 W, the simulators' DEFAULT_SITE). Every 6th street each way is an arterial at
 * 50 km/h, the others are side streets at 25 km/h. A river meanders east-west north of the hospital;
 * it is crossed by three bridges only, so a unit on the wrong bank detours. About 12 % of side-street
 * blocks are closed (a seeded choice that never disconnects the city), and junctions are moved up to
 * ±30 m, so shortest paths are neither straight lines nor Manhattan distances.
 */
export const CITY_GRID = Object.freeze({
  rows: 25,
  cols: 25,
  spacingM: 200,
  centre: Object.freeze({ lat: 51.5074, lon: -0.1278 }),
  arterialEvery: 6,
  /** 50 km/h */
  arterialMps: 50 / 3.6,
  /** 25 km/h */
  streetMps: 25 / 3.6,
  /** columns where a bridge crosses the river */
  bridgeCols: Object.freeze([2, 12, 21]),
  closedStreetShare: 0.12,
  jitterM: 30,
  seed: 0x5eed_c17e,
});

export interface AmbulanceStation {
  readonly name: string;
  readonly node: number;
  readonly position: LatLon;
}

export interface City {
  readonly graph: RoadGraph;
  /** where ambulance units are based, in the order fleets fill them */
  readonly stations: readonly AmbulanceStation[];
  /** the junction at the hospital site */
  readonly hospital: LatLon;
  /** the junction at grid row (south to north) and column (west to east) */
  junction(row: number, col: number): LatLon;
  /** true when the junction lies north of the river */
  northOfRiver(row: number, col: number): boolean;
}

/** The last row south of the river in a column: the river runs between it and the row above. */
export function riverRow(col: number): number {
  return 15 + Math.round(1.5 * Math.sin(col / 3.5));
}

const STATIONS: readonly [string, number, number][] = [
  ['Southgate', 3, 4],
  ['Northbank', 21, 19],
  ['Eastfield', 6, 21],
  ['Westmarsh', 20, 3],
  ['Central', 11, 11],
  ['Riverside', 18, 12],
];

let city: City | undefined;

/** The demo city, built once per process (a few milliseconds). */
export function demoCity(): City {
  city ??= buildCity();
  return city;
}

function buildCity(): City {
  const g = CITY_GRID;
  const random = mulberry32(g.seed);
  const id = (r: number, c: number) => r * g.cols + c;
  const nodes: LatLon[] = [];
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) {
      const north = (r - (g.rows - 1) / 2) * g.spacingM + (random() * 2 - 1) * g.jitterM;
      const east = (c - (g.cols - 1) / 2) * g.spacingM + (random() * 2 - 1) * g.jitterM;
      nodes.push(offsetMetres(g.centre, north, east));
    }
  }
  const north = (r: number, c: number) => r > riverRow(c);
  const arterial = (line: number) => line % g.arterialEvery === 0;
  const edges: RoadEdge[] = [];
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) {
      if (c + 1 < g.cols && north(r, c) === north(r, c + 1)) {
        edges.push(road(id(r, c), id(r, c + 1), arterial(r) ? 'arterial' : 'street'));
      }
      if (r + 1 < g.rows) {
        const crossesRiver = north(r, c) !== north(r + 1, c);
        if (!crossesRiver) edges.push(road(id(r, c), id(r + 1, c), arterial(c) ? 'arterial' : 'street'));
        else if (g.bridgeCols.includes(c)) edges.push(road(id(r, c), id(r + 1, c), 'bridge'));
      }
    }
  }
  const open = closeSomeStreets(edges, nodes.length, random);
  const graph = new RoadGraph({ nodes, edges: open });
  const junction = (r: number, c: number) => {
    if (!(Number.isInteger(r) && Number.isInteger(c) && r >= 0 && r < g.rows && c >= 0 && c < g.cols)) {
      throw new Error(`no junction at row ${r}, column ${c} (the grid is ${g.rows} × ${g.cols})`);
    }
    return graph.nodes[id(r, c)]!;
  };
  return {
    graph,
    stations: STATIONS.map(([name, r, c]) => ({ name, node: id(r, c), position: junction(r, c) })),
    hospital: junction((g.rows - 1) / 2, (g.cols - 1) / 2),
    junction,
    northOfRiver: north,
  };

  function road(from: number, to: number, kind: 'arterial' | 'street' | 'bridge'): RoadEdge {
    return { from, to, kind, speedMps: kind === 'street' ? g.streetMps : g.arterialMps };
  }
}

/** Closes a seeded share of side streets, skipping any closure that would cut the city in two. */
function closeSomeStreets(edges: readonly RoadEdge[], nodeCount: number, random: () => number): RoadEdge[] {
  const open = new Set(edges.map((_, i) => i));
  const streets = edges.map((e, i) => (e.kind === 'street' ? i : -1)).filter((i) => i >= 0);
  const wanted = Math.round(streets.length * CITY_GRID.closedStreetShare);
  let closed = 0;
  for (let i = streets.length - 1; i > 0 && closed < wanted; i--) {
    // Fisher-Yates from the end: the last positions hold the chosen candidates
    const j = Math.floor(random() * (i + 1));
    [streets[i], streets[j]] = [streets[j]!, streets[i]!];
    const candidate = streets[i]!;
    open.delete(candidate);
    if (connected(edges, open, nodeCount)) closed++;
    else open.add(candidate);
  }
  return [...open].sort((a, b) => a - b).map((i) => edges[i]!);
}

function connected(edges: readonly RoadEdge[], open: ReadonlySet<number>, nodeCount: number): boolean {
  const adjacency: number[][] = Array.from({ length: nodeCount }, () => []);
  for (const i of open) {
    const e = edges[i]!;
    adjacency[e.from]!.push(e.to);
    adjacency[e.to]!.push(e.from);
  }
  const seen = new Uint8Array(nodeCount);
  const stack = [0];
  seen[0] = 1;
  let count = 1;
  while (stack.length > 0) {
    for (const v of adjacency[stack.pop()!]!) {
      if (!seen[v]) {
        seen[v] = 1;
        count++;
        stack.push(v);
      }
    }
  }
  return count === nodeCount;
}

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same city everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
