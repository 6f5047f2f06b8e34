/**
 * Positions on the ground: WGS 84 latitude and longitude in decimal degrees. Distances use the
 * haversine formula on a sphere of the IUGG mean Earth radius: within a city the error against the
 * ellipsoid is a few tenths of a percent, far below what traffic does to an ETA.
 */
export interface LatLon {
  readonly lat: number;
  readonly lon: number;
}

/** IUGG mean Earth radius, metres */
export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

export function distanceMetres(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The point `north` and `east` metres away from `origin` (local flat approximation, fine below ~50 km). */
export function offsetMetres(origin: LatLon, north: number, east: number): LatLon {
  const lat = origin.lat + north / (EARTH_RADIUS_M * RAD);
  const lon = origin.lon + east / (EARTH_RADIUS_M * RAD * Math.cos(origin.lat * RAD));
  return { lat, lon };
}

/** The point a fraction `t` (0..1) of the way from `a` to `b` (linear in degrees: segments are short). */
export function interpolate(a: LatLon, b: LatLon, t: number): LatLon {
  return { lat: a.lat + (b.lat - a.lat) * t, lon: a.lon + (b.lon - a.lon) * t };
}

/** Degrees rounded to 6 decimals (~0.1 m), what travels in messages. */
export function roundPosition(p: LatLon): LatLon {
  return { lat: Math.round(p.lat * 1e6) / 1e6, lon: Math.round(p.lon * 1e6) / 1e6 };
}

export function isValidPosition(p: { lat?: unknown; lon?: unknown }): p is LatLon {
  return (
    typeof p.lat === 'number' && Number.isFinite(p.lat) && p.lat >= -90 && p.lat <= 90 &&
    typeof p.lon === 'number' && Number.isFinite(p.lon) && p.lon >= -180 && p.lon <= 180
  );
}
