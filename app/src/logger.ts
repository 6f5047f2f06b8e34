import { ConsoleLogger } from '@nestjs/common';

/** Nest's start-up chatter (one line per module and route) that buries what `npm start` prints. */
const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Nest's console logger without its start-up chatter; warnings and errors always pass. */
export class QuietBootLogger extends ConsoleLogger {
  override log(message: unknown, context?: string): void;
  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && BOOT_CONTEXTS.has(context)) return;
    super.log(message, ...(rest as [string]));
  }
}
