import { LatLon, distanceMetres, roundPosition } from './geo';
import { RoadGraph } from './road-graph';

/**
 * Routes between positions off the network: a straight access leg from the start to its nearest
 * junction, the fastest roads, and an access leg from the last junction to the destination.
 */
export interface Route {
  /** seconds at the road speeds */
  readonly etaSeconds: number;
  readonly metres: number;
  /** start, the junctions in driving order, destination; degrees rounded to 6 decimals */
  readonly points: readonly LatLon[];
}

/** Speed of the access legs between a position and its nearest junction (15 km/h). */
export const ACCESS_SPEED_MPS = 15 / 3.6;
/** A route point this close to a junction is that junction (route points are rounded to ~0.1 m). */
const SAME_POINT_M = 0.5;

/** The fastest route from `from` to `to`; undefined when the roads do not connect them. */
export function planRoute(graph: RoadGraph, from: LatLon, to: LatLon): Route | undefined {
  return rankByEta(graph, to, [{ id: '', position: from }])[0]?.route;
}

/**
 * Candidates (ambulance units) ordered by their ETA to `destination`, fastest first, ties by id;
 * candidates the roads cannot bring there are left out. One Dijkstra run from the destination
 * serves every candidate, since roads are two-way.
 */
export function rankByEta<T extends { readonly id: string; readonly position: LatLon }>(
  graph: RoadGraph,
  destination: LatLon,
  candidates: readonly T[],
): { candidate: T; route: Route }[] {
  if (candidates.length === 0) return [];
  const target = graph.nearestNode(destination).node;
  const starts = candidates.map((c) => graph.nearestNode(c.position).node);
  const tree = graph.shortestPaths(target, starts);
  const ranked: { candidate: T; route: Route }[] = [];
  candidates.forEach((candidate, i) => {
    const path = RoadGraph.pathToSource(tree, starts[i]!);
    if (!path) return;
    const points = dedupe([candidate.position, ...path.map((node) => graph.nodes[node]!), destination].map(roundPosition));
    const timeline = routeTimeline(graph, points);
    ranked.push({ candidate, route: { etaSeconds: timeline.seconds.at(-1)!, metres: timeline.metres.at(-1)!, points } });
  });
  return ranked.sort((a, b) => a.route.etaSeconds - b.route.etaSeconds || (a.candidate.id < b.candidate.id ? -1 : a.candidate.id > b.candidate.id ? 1 : 0));
}

export interface RouteTimeline {
  /** seconds from the start at each point, at the road speeds */
  readonly seconds: readonly number[];
  /** metres from the start at each point */
  readonly metres: readonly number[];
}

/**
 * When a vehicle driving `points` at the road speeds passes each point. A segment between two
 * adjacent junctions takes that road's speed; any other segment (the access legs) ACCESS_SPEED_MPS.
 * Both the dispatcher's ETA and the simulated ambulance's driving come from here.
 */
export function routeTimeline(graph: RoadGraph, points: readonly LatLon[]): RouteTimeline {
  const seconds = [0];
  const metres = [0];
  let previousNode = junctionAt(graph, points[0]);
  for (let i = 1; i < points.length; i++) {
    const node = junctionAt(graph, points[i]);
    const road = previousNode !== undefined && node !== undefined ? graph.road(previousNode, node) : undefined;
    const length = road?.metres ?? distanceMetres(points[i - 1]!, points[i]!);
    seconds.push(seconds[i - 1]! + (road ? road.seconds : length / ACCESS_SPEED_MPS));
    metres.push(metres[i - 1]! + length);
    previousNode = node;
  }
  return { seconds, metres };
}

function junctionAt(graph: RoadGraph, p: LatLon | undefined): number | undefined {
  if (!p) return undefined;
  const { node, metres } = graph.nearestNode(p);
  return metres <= SAME_POINT_M ? node : undefined;
}

function dedupe(points: LatLon[]): LatLon[] {
  return points.filter((p, i) => i === 0 || p.lat !== points[i - 1]!.lat || p.lon !== points[i - 1]!.lon);
}
