// `npm pack` gives a package a fresh project installs and imports, and the
// README's "Integrating a wallet" example, run from that project exactly
// as printed, settles an intent against the running `stakebid dev`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { NODE, RPC } from './dev.mjs';

const sdk = new URL('..', import.meta.url).pathname;
const readme = new URL('../../../README.md', import.meta.url).pathname;

export function readmeExample() {
  const m = readFileSync(readme, 'utf8').match(/<!-- wallet-example -->\s*```js\n([\s\S]*?)```/);
  assert.ok(m, 'README.md has the wallet example between its marker and a ```js block');
  return m[1];
}

test('the README example is at most 15 lines', () => {
  assert.ok(readmeExample().trimEnd().split('\n').length <= 15);
});

test('npm pack → install in a fresh project → the README example settles an intent', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stakebid-fresh-'));
  try {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: sdk, stdio: ['ignore', 'pipe', 'inherit'] });
    const tgz = readdirSync(dir).find(f => f.endsWith('.tgz'));
    assert.ok(tgz, 'npm pack wrote a tarball');
    const files = execFileSync('tar', ['-tzf', join(dir, tgz)], { encoding: 'utf8' });
    for (const f of ['package/src/index.js', 'package/src/index.d.ts', 'package/src/api.d.ts', 'package/README.md']) assert.ok(files.includes(f), `${f} is packed`);
    assert.ok(!files.includes('package/test/'), 'tests are not packed');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fresh-wallet', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `./${tgz}`, 'viem@2.21.54', '@types/node@20'], { cwd: dir, stdio: 'inherit' });
    writeFileSync(join(dir, 'example.mjs'), readmeExample());
    // The types compile, strictly, in a TypeScript project that imports the
    // installed package the way an app would; a misuse does not.
    const ts = `import { Stakebid, StakebidError, type IntentView, type ErrorCode } from '@stakebid/sdk';
import { parseEther } from 'viem';
export async function stake(url: string): Promise<IntentView['status']> {
  const sb = await Stakebid.connect({ url });
  const intent = await sb.buildIntent({ amountWei: parseEther('1'), owner: '0x0000000000000000000000000000000000000001' });
  const same = await sb.buildIntent({ amount: '1 ETH', owner: '0x0000000000000000000000000000000000000001' });
  const w: bigint = same.amount + intent.amount;
  const q = await sb.quote(intent);
  const fee: string = q.fee_wei + w.toString();
  try { return (await sb.status('0x' as \`0x\${string}\`)).status; } catch (e) {
    if (e instanceof StakebidError) { const c: ErrorCode | string = e.code; throw new Error(c + fee); }
    throw e;
  }
}
`;
    writeFileSync(join(dir, 'app.ts'), ts);
    writeFileSync(join(dir, 'bad.ts'), "import { Stakebid } from '@stakebid/sdk';\nexport const n: number = (await Stakebid.connect({ url: 'x' })).settlement;\n");
    // The README's example itself, as printed, type-checks strictly.
    writeFileSync(join(dir, 'example.mts'), readmeExample());
    // Declaration files are checked too (no skipLibCheck), ours included;
    // an error inside viem's own dependencies is not ours to judge.
    const tsc = (file) => {
      const r = spawnSync(join(sdk, 'node_modules/.bin/tsc'), ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', file], { cwd: dir, encoding: 'utf8' });
      return r.stdout.split('\n').filter(l => /error TS/.test(l) && (!l.startsWith('node_modules/') || l.startsWith('node_modules/@stakebid/')));
    };
    assert.deepEqual(tsc('app.ts'), [], 'the app compiles against the package\'s types');
    assert.deepEqual(tsc('example.mts'), [], 'the README example compiles under --strict');
    // A bare number as amount is a type error too (`sdk.unitless_amount` at run time).
    writeFileSync(join(dir, 'unitless.ts'), "import { Stakebid } from '@stakebid/sdk';\nconst sb = await Stakebid.connect({ url: 'x' });\nexport const i = await sb.buildIntent({ amount: 2n });\n");
    assert.ok(tsc('unitless.ts').some(l => l.startsWith('unitless.ts')), 'a unitless amount does not compile');
    const bad = tsc('bad.ts');
    assert.ok(bad.length === 1 && bad[0].startsWith('bad.ts'), `a wrong type is an error: ${bad}`);
    const key = toHex(mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex: 17 }).getHdKey().privateKey);
    const out = execFileSync('node', ['example.mjs', NODE, RPC, key], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
    assert.match(out, /settled 0x[0-9a-f]{64}/, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
