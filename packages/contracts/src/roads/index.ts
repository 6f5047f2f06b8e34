/** Roads: the demo city's generated road network, shortest paths and ETAs, shared by dispatch and the ambulance simulator. */
export * from './geo';
export { MinHeap } from './min-heap';
export { GridIndex } from './spatial-index';
export { RoadGraph } from './road-graph';
export type { RoadEdge, RoadGraphInput, ShortestPathTree } from './road-graph';
export { CITY_GRID, demoCity, riverRow } from './city-grid';
export type { AmbulanceStation, City } from './city-grid';
export { ACCESS_SPEED_MPS, planRoute, rankByEta, routeTimeline } from './route';
export type { Route, RouteTimeline } from './route';
