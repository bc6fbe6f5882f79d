// Prints, as JSON, the ABIs Lido publishes on npm for stETH and its
// withdrawal queue (@lido-sdk/contracts, pinned in package.json): the
// published ABI the project's Lido stand-in is checked against
// (tests/cli/published_abi.rs). The package's typechain factories hold
// the ABI as a constant; they are loaded with a stand-in for `ethers`
// (only their class definitions touch it), so no ethers version matters.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
const dir = require.resolve('@lido-sdk/contracts/package.json').replace(/package\.json$/, '');
const version = JSON.parse(readFileSync(dir + 'package.json', 'utf8')).version;

function abiOf(factory) {
  const src = readFileSync(`${dir}dist/cjs/generated/factories/${factory}__factory.js`, 'utf8');
  const module = { exports: {} };
  const ethers = new Proxy({}, { get: () => class {} });
  vm.runInNewContext(src, { module, exports: module.exports, require: () => ({ ethers, utils: ethers, ...ethers }) });
  return module.exports[`${factory}__factory`].abi;
}

process.stdout.write(JSON.stringify({
  package: `@lido-sdk/contracts@${version}`,
  stETH: abiOf('StethAbi'),
  withdrawalQueue: abiOf('WithdrawalQueueAbi'),
}));
