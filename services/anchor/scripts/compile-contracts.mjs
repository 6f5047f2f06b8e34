#!/usr/bin/env node
// Compiles contracts/VitalsAnchor.sol with solc-js (the `solc` npm package: a WebAssembly build of the
// compiler, so nothing is downloaded) and writes artifacts/VitalsAnchor.json: { contractName, abi,
// bytecode, compiler }. `@openzeppelin/...` imports resolve from node_modules. Skips the work when the
// artifact is newer than the source and was made by the installed compiler.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONTRACT = 'VitalsAnchor';
const source = path.join(packageDir, 'contracts', `${CONTRACT}.sol`);
const artifact = path.join(packageDir, 'artifacts', `${CONTRACT}.json`);
// cancun: the newest hardfork every chain we target runs (anvil defaults to a later one, which runs it too).
const settings = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { [CONTRACT]: ['abi', 'evm.bytecode.object'] } },
};

function fail(message) {
  process.stderr.write(`compile-contracts: ${message}\n`);
  process.exit(1);
}

/** solc's package version ("0.8.30") is the prefix of the compiler's ("0.8.30+commit..."). */
function upToDate(solcPackageVersion) {
  if (!fs.existsSync(artifact)) return false;
  if (fs.statSync(artifact).mtimeMs <= fs.statSync(source).mtimeMs) return false;
  try {
    const built = JSON.parse(fs.readFileSync(artifact, 'utf8')).compiler?.version ?? '';
    return built.startsWith(`${solcPackageVersion}+`);
  } catch {
    return false;
  }
}

/** Import callback: `@scope/pkg/path.sol` is read from the package that node resolves for this folder. */
function findImport(importPath) {
  const match = /^(@[^/]+\/[^/]+)\/(.+)$/.exec(importPath);
  if (!match) return { error: `only @scope/package/... imports are resolved, not "${importPath}"` };
  try {
    const pkgDir = path.dirname(require.resolve(`${match[1]}/package.json`, { paths: [packageDir] }));
    return { contents: fs.readFileSync(path.join(pkgDir, match[2]), 'utf8') };
  } catch (error) {
    return { error: `cannot read ${importPath} from node_modules (${error.message}); run npm ci` };
  }
}

if (!fs.existsSync(source)) fail(`missing source ${source}`);
let solcPackage;
try {
  solcPackage = require('solc/package.json');
} catch {
  fail('the solc package is not installed; run npm ci at the repository root');
}
// Checked before loading the compiler, which takes most of a second.
if (upToDate(solcPackage.version)) process.exit(0);
const solc = require('solc');
const version = solc.version();

const input = {
  language: 'Solidity',
  sources: { [`contracts/${CONTRACT}.sol`]: { content: fs.readFileSync(source, 'utf8') } },
  settings,
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
const problems = output.errors ?? [];
for (const warning of problems.filter((p) => p.severity !== 'error')) {
  process.stderr.write(warning.formattedMessage ?? `${warning.message}\n`);
}
const errors = problems.filter((p) => p.severity === 'error');
if (errors.length > 0) {
  fail(`${errors.length} error(s) compiling ${CONTRACT}.sol:\n${errors.map((e) => e.formattedMessage ?? e.message).join('\n')}`);
}
const compiled = output.contracts?.[`contracts/${CONTRACT}.sol`]?.[CONTRACT];
if (!compiled?.evm?.bytecode?.object) fail(`solc produced no bytecode for ${CONTRACT}`);

fs.mkdirSync(path.dirname(artifact), { recursive: true });
const body = {
  contractName: CONTRACT,
  abi: compiled.abi,
  bytecode: `0x${compiled.evm.bytecode.object}`,
  compiler: { name: 'solc-js', version, evmVersion: settings.evmVersion, optimizer: settings.optimizer },
};
// Written to a temporary file first so a concurrent reader never sees half an artifact.
const temporary = `${artifact}.${process.pid}.tmp`;
fs.writeFileSync(temporary, `${JSON.stringify(body, null, 2)}\n`);
fs.renameSync(temporary, artifact);
process.stdout.write(`compile-contracts: ${CONTRACT} compiled with solc ${version} -> ${path.relative(process.cwd(), artifact)}\n`);
