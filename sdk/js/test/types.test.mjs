// The SDK's wire types are the node's: src/api.d.ts regenerated from the
// running node's OpenAPI document must equal the committed file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generate } from '../scripts/gen-types.mjs';
import { NODE } from './dev.mjs';

test('src/api.d.ts is what the node\'s OpenAPI document generates', async () => {
  const api = await (await fetch(`${NODE}/openapi.json`)).json();
  const committed = readFileSync(new URL('../src/api.d.ts', import.meta.url), 'utf8');
  assert.equal(committed, generate(api), 'regenerate with `npm run types -- URL/openapi.json`');
  for (const name of ['IntentView', 'Quote', 'Figures', 'IntentAward', 'OperatorGamma', 'ErrorBody']) {
    assert.match(committed, new RegExp(`export interface ${name} \\{`));
  }
  assert.match(committed, /export type \{ ErrorCode \} from '\.\/codes\.js';/);
  const codes = readFileSync(new URL('../src/codes.d.ts', import.meta.url), 'utf8');
  assert.match(codes, /\| "intent\.replayed"/);
});
