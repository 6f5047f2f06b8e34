import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { ComponentHealth, HealthReporter, Public } from '@pulseproof/contracts';

export const HEALTH_REPORTERS = Symbol('HEALTH_REPORTERS');

@Controller('api/health')
@Public()
export class HealthController {
  constructor(@Inject(HEALTH_REPORTERS) private readonly reporters: readonly HealthReporter[]) {}

  /** Each component's own account of itself; `status` is the worst of them. 200 even when degraded. */
  @Get()
  @HttpCode(200)
  health() {
    const components: Record<string, ComponentHealth> = {};
    for (const reporter of this.reporters) {
      try {
        components[reporter.component] = reporter.health();
      } catch (error) {
        components[reporter.component] = { status: 'down', detail: { error: error instanceof Error ? error.message : String(error) } };
      }
    }
    const statuses = Object.values(components).map((c) => c.status);
    const status = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'up';
    return { status, time: new Date().toISOString(), components };
  }
}
