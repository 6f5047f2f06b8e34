#!/usr/bin/env node
// This file exists before the build so npm can link the command at install time; the code is in dist/.
let cli;
try {
  cli = require('../dist/cli.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    process.stderr.write('pulseproof-bridge is not built yet: run npm run build at the repository root\n');
    process.exit(1);
  }
  throw error;
}
cli.runFromProcess();
