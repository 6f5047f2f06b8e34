import { DynamicModule, Module } from '@nestjs/common';
import { AnchoringController } from './anchoring.controller';
import { DASHBOARD_OPTIONS, DashboardOptions } from './dashboard.options';
import { DashboardStaticController } from './static.controller';
import { WardLiveController } from './ward-live.controller';
import { WardLiveService } from './ward-live.service';

/**
 * The web dashboard (issue 7 item 1): the bundle at `/` and the ward live stream. Imported by the
 * AppModule after the services, whose providers it reads through the ModuleRef.
 */
@Module({})
export class DashboardModule {
  static forRoot(options: DashboardOptions): DynamicModule {
    return {
      module: DashboardModule,
      // API routes first, so `/api/...` never falls to the static `/:file` route
      controllers: [WardLiveController, AnchoringController, DashboardStaticController],
      providers: [
        { provide: DASHBOARD_OPTIONS, useValue: Object.freeze({ ...options }) },
        WardLiveService,
      ],
    };
  }
}
