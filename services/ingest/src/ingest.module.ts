import { DynamicModule, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { AdminTokenGuard } from './registry/admin-token.guard';
import { DevicesAdmin } from './registry/devices-admin';
import { DeviceRegistry, DevicesController, SqliteDeviceRegistry } from './registry';
import { ReadingSource } from './adapters/reading-source';
import { ReadingStore } from './adapters/reading-store';
import { openReadingStore } from './adapters/open-reading-store';
import { INGEST_OPTIONS, IngestOptions } from './config';
import { DeadLetterStore, DeadLettersController } from './dead-letters';
import { IngestService } from './ingest.service';
import { LIVENESS_OPTIONS, LivenessController, LivenessModuleOptions, LivenessService } from './liveness';
import { SequenceGapStore, SequenceGapsController } from './sequence-gaps';
import { VitalsController } from './vitals.controller';

/** Connects the reading source to the service once everything is wired, and stops it first. */
@Injectable()
class IngestLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly source: ReadingSource,
    private readonly service: IngestService,
    private readonly store: ReadingStore,
    private readonly registry: DeviceRegistry,
    private readonly deadLetters: DeadLetterStore,
    private readonly gaps: SequenceGapStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.source.start((message) => this.service.handle(message));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.source.stop();
    await this.store.close();
    this.registry.close();
    this.deadLetters.close();
    this.gaps.close();
  }
}

export interface IngestModuleOptions extends IngestOptions {
  /** where device messages come from: the embedded broker or an external one */
  readonly source: ReadingSource;
  /** device liveness: presence feeds, tolerance, check interval (liveness.sqlite under dataDir) */
  readonly liveness?: Omit<LivenessModuleOptions, 'dataDir'>;
}

@Module({})
export class IngestModule {
  static forRoot({ source, liveness, ...options }: IngestModuleOptions): DynamicModule {
    return {
      module: IngestModule,
      controllers: [VitalsController, DevicesController, DeadLettersController, SequenceGapsController, LivenessController],
      providers: [
        { provide: INGEST_OPTIONS, useValue: Object.freeze(options) },
        { provide: ReadingSource, useValue: source },
        { provide: ReadingStore, useFactory: () => openReadingStore(options.dataDir, options.readings) },
        { provide: DeviceRegistry, useFactory: () => new SqliteDeviceRegistry(join(options.dataDir, 'devices.sqlite')) },
        { provide: DeadLetterStore, useFactory: () => new DeadLetterStore(join(options.dataDir, 'deadletters.sqlite'), options.deadLetterRetention) },
        { provide: SequenceGapStore, useFactory: () => new SequenceGapStore(join(options.dataDir, 'sequence-gaps.sqlite')) },
        IngestService,
        IngestLifecycle,
        { provide: LIVENESS_OPTIONS, useValue: { ...liveness, dataDir: options.dataDir } },
        LivenessService,
        DevicesAdmin,
        AdminTokenGuard,
      ],
      exports: [IngestService, ReadingStore, DeviceRegistry, DeadLetterStore, SequenceGapStore, LivenessService],
    };
  }
}

