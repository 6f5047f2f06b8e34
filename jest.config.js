// Three projects: `unit` (specs beside the code; in-process servers only), `e2e` (test/, real
// aedes, SQLite and anvil on free loopback ports) and `infra` (`*.infra-spec.ts`: suites that start
// Debian's Mosquitto and InfluxDB; `npm run test:infra`). Sources run through ts-jest (transpile only);
// `@pulseproof/*` resolves to each workspace's src so tests never depend on a stale build.
const path = require('node:path');

const workspaces = {
  contracts: 'packages/contracts',
  bus: 'packages/bus',
  ingest: 'services/ingest',
  anchor: 'services/anchor',
  alerts: 'services/alerts',
  simulators: 'simulators',
  'firmware-bridge': 'firmware-bridge',
};

const moduleNameMapper = Object.fromEntries(
  Object.entries(workspaces).map(([name, dir]) => [
    `^@pulseproof/${name}$`,
    path.join(__dirname, dir, 'src/index.ts'),
  ]),
);
moduleNameMapper['^pulseproof$'] = path.join(__dirname, 'app/src/index.ts');

const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      // Per-file transpilation (no type check in tests; `npm run build` type-checks). It keeps
      // decorator metadata, which NestJS's injector reads.
      tsconfig: {
        isolatedModules: true,
        target: 'ES2022',
        module: 'commonjs',
        esModuleInterop: true,
        resolveJsonModule: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    },
  ],
};

const common = {
  transform,
  moduleNameMapper,
  testEnvironment: 'node',
  rootDir: __dirname,
  setupFiles: ['<rootDir>/test/quiet-logs.ts'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      // dashboard/: the browser code's pure parts (ordering, the Buffer stand-in) run in Node
      testMatch: ['<rootDir>/{packages,services,simulators,firmware-bridge,app,dashboard}/**/src/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
    {
      ...common,
      displayName: 'infra',
      testMatch: ['<rootDir>/{packages,services,simulators,firmware-bridge,app}/**/src/**/*.infra-spec.ts', '<rootDir>/test/**/*.infra-spec.ts'],
    },
  ],
};
