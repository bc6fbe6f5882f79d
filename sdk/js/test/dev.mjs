// What the SDK's tests share: a running `stakebid dev` (STAKEBID_URL,
// STAKEBID_RPC) and anvil's funded dev accounts. The demo's stakers use
// accounts 5–11; each test file takes its own above those.
import { createPublicClient, createWalletClient, http } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { anvil } from 'viem/chains';
import { Stakebid } from '../src/index.js';

export const NODE = process.env.STAKEBID_URL;
export const RPC = process.env.STAKEBID_RPC;
if (!NODE || !RPC) throw new Error('set STAKEBID_URL and STAKEBID_RPC to a running `stakebid dev` (tests/e2e runs this)');
const MNEMONIC = 'test test test test test test test test test test test junk';

export const reader = createPublicClient({ chain: anvil, transport: http(RPC) });
export function wallet(index) {
  return createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: index }), chain: anvil, transport: http(RPC) });
}
export const connect = index => Stakebid.connect({ url: NODE, wallet: index == null ? undefined : wallet(index), reader });
export const mine = blocks => reader.request({ method: 'anvil_mine', params: [`0x${blocks.toString(16)}`] });
