import { Injectable, NotFoundException, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AlertsService } from '@pulseproof/alerts';
import { DeviceRegistry, LivenessService } from '@pulseproof/ingest';
import { Observable, Subject, share } from 'rxjs';
import { AccessPrincipal } from '@pulseproof/contracts';
import { AccessLog, AccessLogEntry, Authenticator, RequestCredentials, WardStore } from '../access';
import { DeviceState, PatientLive, WardSnapshot, toPatientLive } from './patient-live';

/** how often the ward stream looks at the patients: at most one update per patient per tick */
export const WARD_TICK_MS = 1_000;
/** one trend point per patient this often, TREND_POINTS kept (30 × 20 s = the last 10 minutes) */
const TREND_EVERY_MS = 20_000;
const TREND_POINTS = 30;

/**
 * The ward's live picture for the dashboard: per patient the latest vitals, NEWS2 and device state,
 * computed once per tick for every patient and shared by all open ward streams, so the cost does
 * not grow with the number of screens. The services it reads belong to other modules and are
 * found through the ModuleRef once the application is assembled.
 */
@Injectable()
export class WardLiveService implements OnModuleInit, OnModuleDestroy {
  private alerts!: AlertsService;
  private liveness!: LivenessService;
  private devices!: DeviceRegistry;
  private wards!: WardStore;
  private accessLog!: AccessLog;
  private authenticator!: Authenticator;
  private readonly trends = new Map<string, { at: number; values: number[] }>();
  private readonly ticks = new Subject<Map<string, PatientLive>>();
  private timer: NodeJS.Timeout | undefined;
  /** every tick's patients, to whoever listens; the timer runs only while a stream is open */
  readonly patients$: Observable<Map<string, PatientLive>>;
  private listeners = 0;

  constructor(private readonly moduleRef: ModuleRef) {
    this.patients$ = new Observable<Map<string, PatientLive>>((subscriber) => {
      const subscription = this.ticks.subscribe(subscriber);
      if (this.listeners++ === 0) this.timer = setInterval(() => this.ticks.next(this.all()), WARD_TICK_MS);
      return () => {
        subscription.unsubscribe();
        if (--this.listeners === 0) clearInterval(this.timer);
      };
    }).pipe(share());
  }

  onModuleInit(): void {
    const find = <T>(token: abstract new (...args: never[]) => T): T => this.moduleRef.get(token as never, { strict: false });
    this.alerts = find(AlertsService);
    this.liveness = find(LivenessService);
    this.devices = find(DeviceRegistry);
    this.wards = find(WardStore);
    this.accessLog = find(AccessLog);
    this.authenticator = find(Authenticator);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.ticks.complete();
  }

  /** The access log of issue 7 (who read which patient's data, when). */
  record(entry: AccessLogEntry): void {
    this.accessLog.record(entry);
  }

  /** Who holds the request's token now, with their role and wards as they are now; undefined once the session ended. */
  principalFor(headers: RequestCredentials): AccessPrincipal | undefined {
    return this.authenticator.principalFor(headers);
  }

  /** 404 when the ward does not exist (a typo in the address, or a ward removed). */
  ward(wardId: string): { id: string; name: string } {
    if (!this.wards.exists(wardId)) throw new NotFoundException(`ward ${wardId} does not exist: pick one of your wards from the menu`);
    const { id, name } = this.wards.get(wardId);
    return { id, name };
  }

  patientIdsOf(wardId: string): Set<string> {
    return new Set(this.wards.patientsOf(wardId).map((p) => p.patientId));
  }

  snapshot(wardId: string): WardSnapshot {
    const ward = this.ward(wardId);
    const members = this.patientIdsOf(wardId);
    const all = this.all();
    const patients = [...members].map((id) => ({ ...(all.get(id) ?? emptyPatient(id)), trend: this.trends.get(id)?.values ?? [] }));
    return { ward, patients };
  }

  /** Every patient's live view, keyed by id. */
  all(now = Date.now()): Map<string, PatientLive> {
    const deviceState = new Map(this.liveness.view().map((d) => [d.deviceId, d.state]));
    const devicesOf = new Map<string, DeviceState[]>();
    for (const device of this.devices.list()) {
      if (!device.patientId || device.status !== 'active') continue;
      const states = devicesOf.get(device.patientId) ?? [];
      states.push((deviceState.get(device.deviceId) ?? 'unknown') as DeviceState);
      devicesOf.set(device.patientId, states);
    }
    const result = new Map<string, PatientLive>();
    for (const view of this.alerts.listPatients()) {
      const live = toPatientLive(view, devicesOf.get(view.patientId) ?? []);
      result.set(view.patientId, live);
      this.sampleTrend(live, now);
    }
    return result;
  }

  private sampleTrend(patient: PatientLive, now: number): void {
    let trend = this.trends.get(patient.patientId);
    if (!trend) {
      trend = { at: 0, values: [] };
      this.trends.set(patient.patientId, trend);
    }
    if (now - trend.at < TREND_EVERY_MS || patient.news2.band === 'none') return;
    trend.at = now;
    trend.values.push(patient.news2.total);
    if (trend.values.length > TREND_POINTS) trend.values.shift();
  }
}

function emptyPatient(patientId: string): PatientLive {
  return { patientId, news2: { total: 0, band: 'none', complete: false }, vitals: {}, lastMeasuredAt: null, device: 'unknown' };
}
