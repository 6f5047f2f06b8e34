import { INestApplication, Logger } from '@nestjs/common';
import { DispatchService } from '@pulseproof/alerts';
import { LatLon, demoCity } from '@pulseproof/contracts';
import { DeviceRegistry } from '@pulseproof/ingest';
import { AmbulanceFleet, FleetMember, planAmbulances, startAmbulances } from '@pulseproof/simulators';
import { PulseProofConfig } from './config';

export interface EmbeddedAmbulances {
  readonly fleet: AmbulanceFleet;
  /** the simulated patient marked as at home, so that a dispatch happens in the demo */
  readonly patientAtHome?: { readonly patientId: string; readonly home: LatLon };
  /** one line for the start summary */
  readonly summary: string;
}

/** Grid junction of the demo patient's home: north of the river, a detour away from most stations. */
const DEMO_HOME = { row: 22, col: 9 } as const;

/**
 * The simulated ambulance fleet of `npm start`: each unit registered as an MQTT principal of kind
 * `unit` (a fresh secret at every start, shown to nobody), then connected with it; and one of the
 * deteriorating simulated patients marked as at home, so a NEWS2 of 7 or more dispatches a unit.
 */
export async function startEmbeddedAmbulances(
  app: INestApplication,
  config: PulseProofConfig,
  brokerUrl: string,
  patients: readonly FleetMember[],
): Promise<EmbeddedAmbulances | undefined> {
  if (config.ambulances.units === 0) return undefined;
  const logger = new Logger('Ambulances');
  const registry = app.get(DeviceRegistry);
  const credentials = new Map<string, { username: string; password: string }>();
  for (const { unitId } of planAmbulances({ units: config.ambulances.units })) {
    const known = registry.principal(unitId);
    if (known?.status === 'revoked') {
      logger.warn(`unit ${unitId} is revoked: it stays off`);
      continue;
    }
    credentials.set(unitId, known ? await registry.rotateSecret(unitId) : await registry.registerPrincipal('unit', unitId));
  }
  let fleet: AmbulanceFleet;
  try {
    fleet = await startAmbulances({
      brokerUrl,
      units: config.ambulances.units,
      speed: config.ambulances.speed,
      credentials: (unitId) => credentials.get(unitId),
    });
  } catch (error) {
    // the demo fleet is not worth stopping the pipeline for (e.g. a unit revoked by hand)
    logger.warn(`simulated ambulances not started: ${(error as Error).message}`);
    return undefined;
  }

  const dispatch = dispatchService(app);
  const deteriorating = patients.find((p) => p.deteriorates);
  let patientAtHome: EmbeddedAmbulances['patientAtHome'];
  if (dispatch && deteriorating) {
    const home = demoCity().junction(DEMO_HOME.row, DEMO_HOME.col);
    const rounded = { lat: Math.round(home.lat * 1e6) / 1e6, lon: Math.round(home.lon * 1e6) / 1e6 };
    await dispatch.setLocation(deteriorating.patientId, { outsideHospital: true, home: rounded });
    patientAtHome = { patientId: deteriorating.patientId, home: rounded };
  }
  const where = patientAtHome
    ? `; ${patientAtHome.patientId} deteriorates at home (${patientAtHome.home.lat}, ${patientAtHome.home.lon}): NEWS2 >= ${config.dispatch.minNews2} there dispatches the nearest unit (/api/dispatches)`
    : '';
  return {
    fleet,
    ...(patientAtHome ? { patientAtHome } : {}),
    summary: `${fleet.members.length} units at ${new Set(fleet.members.map((m) => m.station.name)).size} stations, driving x${config.ambulances.speed}${where}`,
  };
}

function dispatchService(app: INestApplication): DispatchService | undefined {
  try {
    return app.get(DispatchService, { strict: false });
  } catch {
    return undefined; // dispatch is off (no MQTT messaging given to the alerts module)
  }
}
