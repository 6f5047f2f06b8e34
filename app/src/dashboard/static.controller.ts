import { Controller, Get, Inject, NotFoundException, Param, Res, ServiceUnavailableException } from '@nestjs/common';
import { Public } from '@pulseproof/contracts';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DASHBOARD_OPTIONS, DashboardOptions } from './dashboard.options';

/** app/src/dashboard (jest) and app/dist/dashboard (node) are both three levels under the repository. */
export const DEFAULT_DIST_DIR = resolve(__dirname, '..', '..', '..', 'dashboard', 'dist');

/** The part of Express's response used here (the app runs on @nestjs/platform-express). */
interface Response {
  setHeader(name: string, value: string): unknown;
  sendFile(path: string): void;
}

/** the bundle's own file names only: no paths, so nothing outside dist/ can be asked for */
const ASSET = /^[\w-]+\.(js|css|map)$/;
const CHUNK = /^chunk-[A-Z0-9]+\.js(\.map)?$/;

/**
 * Serves the dashboard bundle: `/` is the page (the sign-in view decides what follows), the rest
 * are its scripts and stylesheet. Public: the page holds no data; every API call it makes is checked.
 */
@Controller()
@Public()
export class DashboardStaticController {
  private readonly dist: string;

  constructor(@Inject(DASHBOARD_OPTIONS) options: DashboardOptions) {
    this.dist = options.distDir ?? DEFAULT_DIST_DIR;
  }

  @Get()
  index(@Res() res: Response): void {
    this.send(res, 'index.html', 'no-cache');
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    if (!ASSET.test(file)) throw new NotFoundException(`no such file: ${file.slice(0, 64)}`);
    // chunk names carry a content hash: they never change, so browsers may keep them
    this.send(res, file, CHUNK.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
  }

  private send(res: Response, file: string, cacheControl: string): void {
    if (!existsSync(join(this.dist, 'index.html'))) {
      throw new ServiceUnavailableException(`the dashboard is not built (${this.dist} is missing): run \`npm run build\` at the repository root`);
    }
    const path = join(this.dist, file);
    if (!existsSync(path)) throw new NotFoundException(`no such file: ${file}`);
    res.setHeader('cache-control', cacheControl);
    res.setHeader('x-content-type-options', 'nosniff');
    res.sendFile(path);
  }
}
