// `npm pack` gives a package a fresh project installs and imports, and the
// README's "Integrating a wallet" example, run from that project exactly
// as printed, settles an intent against the running `stakebid dev`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `./${tgz}`, 'viem@2.21.54'], { cwd: dir, stdio: 'inherit' });
    writeFileSync(join(dir, 'example.mjs'), readmeExample());
    const key = toHex(mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex: 17 }).getHdKey().privateKey);
    const out = execFileSync('node', ['example.mjs', NODE, RPC, key], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
    assert.match(out, /settled 0x[0-9a-f]{64}/, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
