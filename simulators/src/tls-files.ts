import { readFileSync } from 'node:fs';
import { DeviceTlsOptions } from './device';
import { badOption } from './errors';

/** Reads --ca/--cert/--key PEM files for mqtt.js; a missing file is a bad option naming it. */
export function readTlsFiles(files: { ca?: string; cert?: string; key?: string; insecure?: boolean }): DeviceTlsOptions | undefined {
  if (!files.ca && !files.cert && !files.key && !files.insecure) return undefined;
  if (Boolean(files.cert) !== Boolean(files.key)) throw badOption('--cert and --key go together (a client certificate needs its key)');
  const read = (option: string, path: string | undefined) => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw badOption(`${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const ca = read('--ca', files.ca);
  const cert = read('--cert', files.cert);
  const key = read('--key', files.key);
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: !files.insecure,
  };
}
