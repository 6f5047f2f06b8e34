import { LatLon, distanceMetres, offsetMetres } from './geo';
import { MinHeap } from './min-heap';
import { RoadGraph } from './road-graph';
import { CITY_GRID, demoCity, riverRow } from './city-grid';
import { ACCESS_SPEED_MPS, planRoute, rankByEta, routeTimeline } from './route';
import { GridIndex } from './spatial-index';

const origin: LatLon = { lat: 51.5, lon: -0.1 };
/** a point `north`, `east` km from origin */
const at = (north: number, east: number) => offsetMetres(origin, north * 1000, east * 1000);

describe('MinHeap', () => {
  it('pops keys in ascending order, duplicates included', () => {
    const heap = new MinHeap();
    const keys = [5, 3, 9, 1, 3, 8, 0, 7, 2, 6, 4, 3];
    keys.forEach((k, i) => heap.push(k, i));
    const popped: number[] = [];
    for (let e = heap.pop(); e; e = heap.pop()) popped.push(e.key);
    expect(popped).toEqual([...keys].sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
  });
});

describe('GridIndex', () => {
  it('finds the nearest point like a linear scan, for queries inside and far outside the data', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const points = Array.from({ length: 300 }, () => at(rnd() * 5, rnd() * 5));
    const index = new GridIndex(points, 250);
    for (let q = 0; q < 200; q++) {
      const query = at(rnd() * 9 - 2, rnd() * 9 - 2);
      const best = points.reduce((b, p, i) => (distanceMetres(query, p) < distanceMetres(query, points[b]!) ? i : b), 0);
      expect(index.nearest(query).index).toBe(best);
    }
    expect(index.nearest(at(80, -60)).metres).toBeGreaterThan(70_000);
    // the other side of the Earth is answered at once, by the nearest point still
    const antipode = { lat: -origin.lat, lon: origin.lon + 180 };
    const farthestBest = points.reduce((b, p, i) => (distanceMetres(antipode, p) < distanceMetres(antipode, points[b]!) ? i : b), 0);
    expect(index.nearest(antipode).index).toBe(farthestBest);
  });
});

describe('RoadGraph shortest paths', () => {
  // 0 --fast, long-- 1 --fast-- 3 ; 0 --slow, short-- 2 --slow-- 3 ; 4 is an island
  const nodes = [at(0, 0), at(0, 2), at(-0.5, 1), at(0, 3), at(5, 5)];
  const graph = new RoadGraph({
    nodes,
    edges: [
      { from: 0, to: 1, speedMps: 20, metres: 2000 },
      { from: 1, to: 3, speedMps: 20, metres: 1000 },
      { from: 0, to: 2, speedMps: 5, metres: 1200 },
      { from: 2, to: 3, speedMps: 5, metres: 1200 },
    ],
  });

  it('minimises time, not distance', () => {
    const tree = graph.shortestPaths(3);
    expect(RoadGraph.pathToSource(tree, 0)).toEqual([0, 1, 3]);
    expect(tree.seconds[0]).toBeCloseTo(150);
    expect(tree.metres[0]).toBeCloseTo(3000);
  });

  it('reports unreachable nodes as such', () => {
    const tree = graph.shortestPaths(0);
    expect(tree.seconds[4]).toBe(Infinity);
    expect(RoadGraph.pathToSource(tree, 4)).toBeUndefined();
  });

  it('agrees with Floyd-Warshall on random graphs', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 20; trial++) {
      const n = 12;
      const pts = Array.from({ length: n }, () => at(rnd() * 3, rnd() * 3));
      const edges = Array.from({ length: 25 }, () => {
        const from = Math.floor(rnd() * n);
        const to = (from + 1 + Math.floor(rnd() * (n - 1))) % n;
        return { from, to, speedMps: 2 + rnd() * 20, metres: 100 + rnd() * 900 };
      });
      const g = new RoadGraph({ nodes: pts, edges });
      const d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)));
      for (const e of edges) {
        const t = e.metres / e.speedMps;
        d[e.from]![e.to] = Math.min(d[e.from]![e.to]!, t);
        d[e.to]![e.from] = Math.min(d[e.to]![e.from]!, t);
      }
      for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i]![j] = Math.min(d[i]![j]!, d[i]![k]! + d[k]![j]!);
      for (let s = 0; s < n; s++) {
        const tree = g.shortestPaths(s);
        for (let v = 0; v < n; v++) {
          if (d[s]![v] === Infinity) expect(tree.seconds[v]).toBe(Infinity);
          else expect(tree.seconds[v]).toBeCloseTo(d[s]![v]!, 6);
        }
      }
    }
  });

  it('refuses edges that name missing nodes or have no speed', () => {
    expect(() => new RoadGraph({ nodes, edges: [{ from: 0, to: 9, speedMps: 1 }] })).toThrow(/two different nodes/);
    expect(() => new RoadGraph({ nodes, edges: [{ from: 0, to: 1, speedMps: 0 }] })).toThrow(/speed/);
  });
});

describe('routes and the nearest unit', () => {
  // a straight road 0-1-2 at 10 m/s, 1 km per block
  const nodes = [at(0, 0), at(0, 1), at(0, 2)];
  const graph = new RoadGraph({ nodes, edges: [{ from: 0, to: 1, speedMps: 10 }, { from: 1, to: 2, speedMps: 10 }] });

  it('adds access legs at ACCESS_SPEED_MPS and returns the points in driving order', () => {
    const from = offsetMetres(nodes[0]!, 100, 0);
    const route = planRoute(graph, from, nodes[2]!)!;
    expect(route.points).toHaveLength(4);
    expect(route.points[1]!.lat).toBeCloseTo(nodes[0]!.lat, 6);
    expect(route.points.at(-1)!.lon).toBeCloseTo(nodes[2]!.lon, 6);
    const roadSeconds = (distanceMetres(nodes[0]!, nodes[1]!) + distanceMetres(nodes[1]!, nodes[2]!)) / 10;
    expect(route.etaSeconds).toBeCloseTo(roadSeconds + 100 / ACCESS_SPEED_MPS, 0);
    // the timeline of the route's own points gives the same ETA: what the simulator drives
    expect(routeTimeline(graph, route.points).seconds.at(-1)).toBeCloseTo(route.etaSeconds, 6);
  });

  it('ranks units by ETA, ties by id, and leaves out the unreachable', () => {
    const island = new RoadGraph({ nodes: [...nodes, at(9, 9)], edges: [{ from: 0, to: 1, speedMps: 10 }, { from: 1, to: 2, speedMps: 10 }] });
    const ranked = rankByEta(island, nodes[2]!, [
      { id: 'far', position: nodes[0]! },
      { id: 'b-near', position: nodes[1]! },
      { id: 'a-near', position: nodes[1]! },
      { id: 'island', position: at(9, 9) },
    ]);
    expect(ranked.map((r) => r.candidate.id)).toEqual(['a-near', 'b-near', 'far']);
  });
});

describe('the demo city', () => {
  const city = demoCity();

  it('is the same city on every build', () => {
    expect(city.graph.nodes).toHaveLength(CITY_GRID.rows * CITY_GRID.cols);
    expect(demoCity()).toBe(city);
    // a fingerprint of the generated junctions and roads: changing the generator changes it
    expect(city.graph.edgeCount).toBe(1061);
    expect(city.graph.nodes[0]!.lat).toBeCloseTo(51.48592, 4);
  });

  it('is connected, and crossing the river takes a bridge', () => {
    const tree = city.graph.shortestPaths(city.graph.nearestNode(city.hospital).node);
    expect([...tree.seconds].every(Number.isFinite)).toBe(true);
    const south = city.junction(riverRow(7), 7);
    const north = city.junction(riverRow(7) + 1, 7);
    const route = planRoute(city.graph, south, north)!;
    // 200 m apart across the water, but no bridge at column 7: the route detours
    expect(distanceMetres(south, north)).toBeLessThan(300);
    expect(route.metres).toBeGreaterThan(1500);
    const bridged = route.points.some((p) => CITY_GRID.bridgeCols.some((c) => distanceMetres(p, city.junction(riverRow(c), c)) < 1));
    expect(bridged).toBe(true);
  });

  it('sends the unit with the least ETA, not the one closest as the crow flies', () => {
    const patient = city.junction(riverRow(7) + 1, 7); // just north of the river
    const acrossTheWater = city.junction(riverRow(7) - 1, 7); // 400 m away, south bank
    const upTheRoad = city.junction(riverRow(7) + 5, 7); // 800 m away, same bank
    const ranked = rankByEta(city.graph, patient, [
      { id: 'across', position: acrossTheWater },
      { id: 'same-bank', position: upTheRoad },
    ]);
    expect(distanceMetres(acrossTheWater, patient)).toBeLessThan(distanceMetres(upTheRoad, patient));
    expect(ranked[0]!.candidate.id).toBe('same-bank');
  });
});
