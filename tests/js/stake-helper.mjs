// One staker's intent through the wallet kit (sdk/js), for browser tests
// that need the node to open a new round: anvil dev account `index` funds,
// signs and submits; resolves with the intent id once it is accepted.
import { createPublicClient, createWalletClient, http } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { anvil } from 'viem/chains';
import { Stakebid } from '../../sdk/js/src/index.js';

/** Like stakeOnce, but submits without funding; returns the SDK and the id. */
export async function submitUnfunded({ node, rpc, index, amountEth }) {
  const account = mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex: index });
  const wallet = createWalletClient({ account, chain: anvil, transport: http(rpc) });
  const sb = await Stakebid.connect({ url: node, wallet, reader: createPublicClient({ chain: anvil, transport: http(rpc) }) });
  const intent = await sb.buildIntent({ amount: `${amountEth} ETH`, profile: 'balanced' });
  return { sb, intent, id: (await sb.submit(intent, await sb.sign(intent))).id };
}

export async function stakeOnce({ node, rpc, index, amountEth }) {
  const account = mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex: index });
  const wallet = createWalletClient({ account, chain: anvil, transport: http(rpc) });
  const sb = await Stakebid.connect({ url: node, wallet, reader: createPublicClient({ chain: anvil, transport: http(rpc) }) });
  const intent = await sb.buildIntent({ amount: `${amountEth} ETH`, profile: 'balanced' });
  await sb.fund(intent);
  return (await sb.submit(intent, await sb.sign(intent))).id;
}
