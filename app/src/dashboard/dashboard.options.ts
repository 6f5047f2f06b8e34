export interface DashboardOptions {
  /** the chain endpoint auditors verify against by default (the browser calls it directly) */
  readonly rpcUrl: string;
  /** the esbuild output; default dashboard/dist at the repository root */
  readonly distDir?: string;
}

export const DASHBOARD_OPTIONS = Symbol('DASHBOARD_OPTIONS');
