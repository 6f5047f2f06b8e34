import { join } from 'node:path';
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { DEFAULT_SCRYPT, ScryptParams } from '@pulseproof/ingest';
import type { PulseProofConfig } from '../config';
import { AccessLog } from './access-log';
import { AccessLogController } from './access-log.controller';
import { ACCESS_DB_FILE, openAccessDbFile } from './access-db';
import { AuthController } from './auth.controller';
import { Authenticator } from './authenticator';
import { DEFAULT_SESSION_LIMITS, SessionLimits, SessionStore } from './session-store';
import { DEFAULT_SIGN_IN_LIMITS, SignInLimiter, SignInLimits } from './sign-in-limiter';
import { UserStore } from './user-store';
import { UsersController } from './users.controller';
import { WardScope } from './ward-scope';
import { WardStore } from './ward-store';
import { WardsController } from './wards.controller';

export interface AccessOptions {
  readonly dataDir: string;
  /** the accounts database; default `<dataDir>/access.sqlite` (ACCESS_DB_FILE shares one between processes) */
  readonly dbFile?: string;
  /** the ADMIN_API_TOKEN bearer, accepted as an admin */
  readonly adminApiToken?: string;
  readonly scrypt?: ScryptParams;
  readonly sessions?: SessionLimits;
  readonly signIn?: SignInLimits;
}

const ACCESS_DB = Symbol('ACCESS_DB');

/** The access options of a loaded configuration: the one call every process that serves HTTP makes. */
export function accessOptionsOf(config: Pick<PulseProofConfig, 'dataDir' | 'accessDbFile' | 'adminApiToken'>): AccessOptions {
  return { dataDir: config.dataDir, dbFile: config.accessDbFile, ...(config.adminApiToken && { adminApiToken: config.adminApiToken }) };
}

/**
 * Users, wards, sessions and the access log (issue 7 item 2). The global guard and interceptor
 * are registered by the app (they also need the alerts service to find an alert's patient).
 */
@Module({})
export class AccessModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    @Inject(ACCESS_DB) private readonly db: Database.Database,
    private readonly log: AccessLog,
    private readonly sessions: SessionStore,
  ) {}

  /** Ended sessions are deleted when next presented; the sweep removes those never presented again. */
  onApplicationBootstrap(): void {
    this.sessions.sweep();
    this.sweeper = setInterval(() => this.sessions.sweep(), 3_600_000).unref();
  }

  static forRoot(options: AccessOptions): DynamicModule {
    const stores = [
      { provide: ACCESS_DB, useFactory: () => openAccessDbFile(options.dbFile ?? join(options.dataDir, ACCESS_DB_FILE)) },
      { provide: UserStore, inject: [ACCESS_DB], useFactory: (db: Database.Database) => new UserStore(db, options.scrypt ?? DEFAULT_SCRYPT) },
      { provide: WardStore, inject: [ACCESS_DB], useFactory: (db: Database.Database) => new WardStore(db) },
      { provide: SessionStore, inject: [ACCESS_DB], useFactory: (db: Database.Database) => new SessionStore(db, options.sessions ?? DEFAULT_SESSION_LIMITS) },
      { provide: AccessLog, inject: [ACCESS_DB], useFactory: (db: Database.Database) => new AccessLog(db) },
      { provide: SignInLimiter, useFactory: () => new SignInLimiter(options.signIn ?? DEFAULT_SIGN_IN_LIMITS) },
      { provide: Authenticator, inject: [UserStore, SessionStore], useFactory: (u: UserStore, s: SessionStore) => new Authenticator(u, s, options.adminApiToken) },
      { provide: WardScope, inject: [WardStore], useFactory: (w: WardStore) => new WardScope(w) },
    ];
    return {
      module: AccessModule,
      controllers: [AuthController, UsersController, WardsController, AccessLogController],
      providers: stores,
      exports: [UserStore, WardStore, SessionStore, AccessLog, Authenticator, WardScope],
    };
  }

  /** Pending access-log entries are written before the file closes. */
  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.log.close();
    this.db.close();
  }
}
