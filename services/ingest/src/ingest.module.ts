import { DynamicModule, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { DeviceRegistry, SqliteDeviceRegistry } from './adapters/device-registry';
import { ReadingSource } from './adapters/reading-source';
import { ReadingStore } from './adapters/reading-store';
import { SqliteReadingStore } from './adapters/sqlite-reading-store';
import { INGEST_OPTIONS, IngestOptions } from './config';
import { IngestService } from './ingest.service';
import { VitalsController } from './vitals.controller';

/** Connects the reading source to the service once everything is wired, and stops it first. */
@Injectable()
class IngestLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly source: ReadingSource,
    private readonly service: IngestService,
    private readonly store: ReadingStore,
    private readonly registry: DeviceRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.source.start((message) => this.service.handle(message));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.source.stop();
    this.store.close();
    this.registry.close();
  }
}

export interface IngestModuleOptions extends IngestOptions {
  /** where device messages come from: the embedded broker or an external one */
  readonly source: ReadingSource;
}

@Module({})
export class IngestModule {
  static forRoot({ source, ...options }: IngestModuleOptions): DynamicModule {
    return {
      module: IngestModule,
      controllers: [VitalsController],
      providers: [
        { provide: INGEST_OPTIONS, useValue: Object.freeze(options) },
        { provide: ReadingSource, useValue: source },
        { provide: ReadingStore, useFactory: () => new SqliteReadingStore(join(options.dataDir, 'readings.sqlite')) },
        { provide: DeviceRegistry, useFactory: () => new SqliteDeviceRegistry(join(options.dataDir, 'devices.sqlite')) },
        IngestService,
        IngestLifecycle,
      ],
      exports: [IngestService, ReadingStore, DeviceRegistry],
    };
  }
}

