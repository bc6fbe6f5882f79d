// The wallet kit against a running `stakebid dev`: quote → sign → fund →
// submit → settled on-chain; cancel off-chain and on-chain; a refused
// intent yields its code; a restaked position withdrawn and completed
// after the protocol's delay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEther, parseAbi } from 'viem';
import { StakebidError } from '../src/index.js';
import { connect, reader, mine, RPC } from './dev.mjs';

const SETTLED = parseAbi(['event IntentSettled(bytes32 indexed intentId, address indexed owner, uint64 auctionId, uint256 fee)']);

test('quote → sign → fund → submit → settled on-chain, then withdrawn after the delay', async () => {
  const sb = await connect(14);
  const intent = await sb.buildIntent({ amount: '4 ETH', profile: 'yield-seeking' });
  const q = await sb.quote(intent);
  assert.ok(q.net_apy_bps >= intent.minNetApyBps, `quote ${q.net_apy_bps} bps meets the limit`);
  assert.ok(q.positions.length > 0);
  const funded = await sb.fund(intent);
  assert.equal(funded.action, 'deposit');
  const { id, status } = await sb.submit(intent, await sb.sign(intent));
  assert.equal(status, 'pending');
  const seen = [];
  const done = await sb.watch(id, { onUpdate: v => seen.push(v.status), timeoutMs: 120_000 });
  assert.equal(done.status, 'settled');
  assert.ok(seen.includes('settled'));
  // On-chain: the Settlement logged this intent as settled in the award's transaction.
  const logs = await reader.getLogs({ address: sb.settlement, event: SETTLED[0], args: { intentId: id }, fromBlock: 0n });
  assert.equal(logs.length, 1, 'settled exactly once');
  assert.equal(logs[0].transactionHash, done.award.settlement.tx, 'in the transaction the node reports');
  // Its positions, and a restaked one taken out again.
  const positions = await sb.positions();
  assert.ok(positions.length > 0 && positions.every(p => p.amount > 0n));
  // A yield-seeking plan on the demo market restakes part of the stake.
  const restaked = positions.find(p => p.strategy);
  assert.ok(restaked, `a restaked position among ${positions.map(p => p.position)}`);
  {
    // AVS rewards accrue to the holder in EigenLayer: this wallet claims them.
    await sb.setRewardsClaimer(restaked);
    const CLAIMER = parseAbi(['function claimerFor(address earner) view returns (address)']);
    const claimer = await reader.readContract({ address: sb.deployment.rewards_coordinator, abi: CLAIMER, functionName: 'claimerFor', args: [restaked.holder] });
    assert.equal(claimer, sb.wallet.account.address);
    await sb.withdraw(restaked);
    const [w, ...more] = await sb.withdrawals();
    assert.deepEqual(more, []);
    assert.equal(w.position, restaked.position);
    assert.ok(w.blocksLeft > 0n, 'the protocol delay runs');
    // The node reads the same queue from the chain (the explorer's countdown).
    const node = await (await fetch(`${sb.url}/v1/owners/${sb.wallet.account.address}/withdrawals`)).json();
    assert.deepEqual(node.withdrawals.map(x => [x.position, BigInt(x.completable_at_block)]), [[w.position, w.completableAtBlock]]);
    await assert.rejects(sb.completeWithdrawal(w), e => e.code === 'sdk.withdrawal_not_ready');
    await mine(Number(w.blocksLeft) + 1);
    const [ready] = await sb.withdrawals();
    assert.equal(ready.blocksLeft, 0n);
    await sb.completeWithdrawal(ready);
    assert.deepEqual(await sb.withdrawals(), [], 'nothing pending after completion');
    const after = (await sb.positions()).find(p => p.position === restaked.position);
    assert.equal(after.amount, 0n, 'the holder no longer has the shares');
  }
});

test('cancel: off-chain with a signed Cancellation, and a nonce invalidated on-chain', async () => {
  const sb = await connect(15);
  // Not funded: the node keeps it pending (its funding check) so it can be cancelled.
  const a = await sb.buildIntent({ amount: '1 ETH', profile: 'balanced' });
  const { id } = await sb.submit(a, await sb.sign(a));
  const v = await sb.cancel(id);
  assert.equal(v.status, 'cancelled');
  // Only its owner can: another wallet's signature is refused.
  const c = await sb.buildIntent({ amount: '1 ETH' });
  const { id: cid } = await sb.submit(c, await sb.sign(c));
  const other = await connect(16);
  const refused = await other.cancel(cid).catch(e => e);
  assert.ok(refused instanceof StakebidError, String(refused));
  assert.equal(refused.code, 'intent.wrong_signer');
  assert.equal((await sb.status(cid)).status, 'pending');
  assert.equal((await sb.cancel(cid)).status, 'cancelled');
  const b = await sb.buildIntent({ amount: '1 ETH' });
  assert.ok(b.nonce !== a.nonce && b.nonce !== c.nonce);
  await sb.cancelOnChain([b.nonce]);
  assert.equal(await reader.readContract({ address: sb.settlement, abi: parseAbi(['function nonceUsed(address,uint256) view returns (bool)']), functionName: 'nonceUsed', args: [b.owner, b.nonce] }), true);
  const next = await sb.buildIntent({ amount: '1 ETH' });
  assert.ok(next.nonce !== b.nonce && next.nonce !== a.nonce, 'the next intent skips both');
});

test('refused intents yield their stable codes', async () => {
  const sb = await connect(15);
  const expired = await sb.buildIntent({ amount: '1 ETH', deadline: 1000n });
  const e1 = await sb.submit(expired, await sb.sign(expired)).catch(e => e);
  assert.ok(e1 instanceof StakebidError, String(e1));
  assert.equal(e1.status, 422);
  assert.equal(e1.code, 'intent.deadline_passed');
  // Signed by someone else than its owner.
  const other = await connect(16);
  const forged = await sb.buildIntent({ amount: '1 ETH' });
  const e2 = await sb.submit(forged, await other.sign(forged)).catch(e => e);
  assert.equal(e2.code, 'intent.wrong_signer');
  // The same signed intent twice.
  const once = await sb.buildIntent({ amount: '1 ETH' });
  const sig = await sb.sign(once);
  await sb.submit(once, sig);
  const e3 = await sb.submit(once, sig).catch(e => e);
  assert.equal(e3.code, 'intent.replayed');
  await sb.cancel((await sb.intents()).find(v => v.intent.nonce === once.nonce.toString()).id);
  // A quote needs no wallet.
  const ro = await connect();
  const q = await ro.quote(await ro.buildIntent({ owner: forged.owner, amount: '2 ETH' }));
  assert.ok(q.positions.length > 0);
});

test('amounts carry their unit; every failure is a coded StakebidError, nothing sent when short', async () => {
  const { createWalletClient, http } = await import('viem');
  const { privateKeyToAccount, generatePrivateKey } = await import('viem/accounts');
  const { anvil } = await import('viem/chains');
  const { Stakebid } = await import('../src/index.js');
  const sb = await connect(16);
  const code = async (p, c) => assert.rejects(p, e => e instanceof StakebidError && e.code === c && e.message.length > 20);
  // A bare number is no amount: read as ETH or as wei it would be wrong.
  await code(sb.buildIntent({ amount: parseEther('2') }), 'sdk.unitless_amount');
  await code(sb.buildIntent({ amount: '2.5' }), 'sdk.unitless_amount');
  await code(sb.buildIntent({ amount: '2.5 stETH' }), 'sdk.wrong_unit');
  await code(sb.buildIntent({ amount: 'two ETH' }), 'sdk.bad_amount');
  await code(sb.buildIntent({ amount: '1 ETH', amountWei: 1n }), 'sdk.bad_amount');
  assert.equal((await sb.buildIntent({ amount: '2.5 ETH' })).amount, 2_500_000_000_000_000_000n);
  assert.equal((await sb.buildIntent({ amountWei: 7n })).amount, 7n);
  const steth = sb.deployment.assets.stETH;
  assert.equal((await sb.buildIntent({ amount: '1.25 stETH', asset: steth })).amount, parseEther('1.25'));
  // A wallet with nothing: funding is refused before any transaction, and
  // a transaction it cannot pay gas for is `chain.insufficient_funds`.
  const poor = await Stakebid.connect({ url: sb.url, reader, wallet: createWalletClient({ account: privateKeyToAccount(generatePrivateKey()), chain: anvil, transport: http(RPC) }) });
  const owner = poor.wallet.account.address;
  await code(poor.fund(await poor.buildIntent({ amount: '1 ETH' })), 'sdk.balance_short');
  await code(poor.fund(await poor.buildIntent({ amount: '1 stETH', asset: steth })), 'sdk.balance_short');
  assert.equal(await reader.getTransactionCount({ address: owner }), 0, 'nothing was sent');
  await code(poor.cancelOnChain([1]), 'chain.insufficient_funds');
});

test('an unfunded intent: watch names the shortfall (sdk.unfunded), the view says it; funded, it settles', async () => {
  const sb = await connect(18);
  const intent = await sb.buildIntent({ amount: '2 ETH', profile: 'balanced' });
  const { id } = await sb.submit(intent, await sb.sign(intent));
  let said;
  await assert.rejects(sb.watch(id, { timeoutMs: 15_000 }), e => { said = e.message; return e.code === 'sdk.unfunded'; });
  const v = await sb.status(id);
  assert.equal(v.status, 'pending');
  // What all of this owner's open ETH intents need (this one's 2 ETH at least), against an empty escrow.
  const open = (await sb.intents()).filter(x => x.status === 'pending' && x.intent.asset === intent.asset);
  const needed = open.reduce((n, x) => n + BigInt(x.intent.amount), 0n);
  assert.ok(needed >= 2_000_000_000_000_000_000n);
  assert.deepEqual(v.waiting, { reason: 'funding', asset: '0x0000000000000000000000000000000000000000', needed: String(needed), available: '0' });
  assert.match(said, new RegExp(`need ${needed} wei ETH in escrow, 0 wei is there \\(${needed} wei short\\)`), said);
  assert.equal((await sb.fund(intent)).action, 'deposit');
  const done = await sb.watch(id, { timeoutMs: 120_000 });
  assert.equal(done.status, 'settled');
  assert.equal(done.waiting, undefined);
});

test('a stETH intent funded by an EIP-2612 permit settles with no approve transaction', async () => {
  const sb = await connect(19);
  const steth = sb.deployment.assets.stETH;
  const owner = sb.wallet.account.address;
  // stETH for the wallet: staked at the (stand-in) Lido with its own ETH.
  const LIDO = parseAbi(['function submit(address referral) payable returns (uint256)']);
  const staked = await sb.wallet.writeContract({ account: sb.wallet.account, chain: sb.wallet.chain, address: steth, abi: LIDO, functionName: 'submit', args: ['0x0000000000000000000000000000000000000000'], value: parseEther('3') });
  await reader.waitForTransactionReceipt({ hash: staked });
  const intent = await sb.buildIntent({ amount: '2 stETH', asset: steth, profile: 'balanced' });
  const funded = await sb.fund(intent);
  assert.equal(funded.action, 'permit', 'signed, nothing sent');
  assert.equal(funded.tx, undefined);
  const { id } = await sb.submit(intent, await sb.sign(intent), funded.permit);
  const done = await sb.watch(id, { timeoutMs: 120_000 });
  assert.equal(done.status, 'settled');
  // The owner's only Approval is the permit's, inside the settlement itself.
  const APPROVAL = parseAbi(['event Approval(address indexed owner, address indexed spender, uint256 value)']);
  const approvals = await reader.getLogs({ address: steth, event: APPROVAL[0], args: { owner }, fromBlock: 0n });
  assert.ok(approvals.length >= 1);
  for (const a of approvals) assert.equal(a.transactionHash, done.award.settlement.tx);
  // Settled, it no longer counts as open: the next intent in the token may use a permit again.
  const again = await sb.buildIntent({ amount: '0.5 stETH', asset: steth, profile: 'balanced' });
  const twice = await sb.fund(again);
  assert.equal(twice.action, 'permit', 'the first settled: the token is free again');
});
