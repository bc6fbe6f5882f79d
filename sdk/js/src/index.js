// @stakebid/sdk: a wallet's path into stakebid with viem.
//
//   quote (no wallet) → buildIntent → typedData / sign (any viem WalletClient:
//   injected EIP-1193, WalletConnect, local account) → fund (escrow or
//   approve) → submit → watch (SSE, polling fallback) → positions →
//   withdraw → completeWithdrawal; cancel off-chain (signed) or on-chain.
//
// Errors are StakebidError with the node's stable code (`intent.expired`,
// `intent.nonce_reused`, …; the union is ErrorCode in api.d.ts).
import { parseAbi, parseAbiItem, parseEther } from 'viem';

export const NATIVE_ETH = '0x0000000000000000000000000000000000000000';

/** Risk limits per profile (bps and days), as the Rust SDK and CLI define them. */
export const PROFILES = Object.freeze({
  conservative: { minNetApyBps: 220, maxLossBps: 150, lossConfidenceBps: 9500, maxOperatorBps: 3000, maxServiceBps: 2500, minLiquidBps: 5000, liquidWithinDays: 7, maxFeeBps: 10 },
  balanced: { minNetApyBps: 260, maxLossBps: 300, lossConfidenceBps: 9500, maxOperatorBps: 5000, maxServiceBps: 4000, minLiquidBps: 2500, liquidWithinDays: 7, maxFeeBps: 20 },
  'yield-seeking': { minNetApyBps: 300, maxLossBps: 700, lossConfidenceBps: 9000, maxOperatorBps: 7000, maxServiceBps: 6000, minLiquidBps: 1000, liquidWithinDays: 14, maxFeeBps: 30 },
});
const LIMITS = Object.keys(PROFILES.balanced);
const FINAL = new Set(['settled', 'expired', 'cancelled']);

/** An error with the node's stable code (or `sdk.*` / `chain.*` for the SDK's own). */
export class StakebidError extends Error {
  constructor(code, message, status) {
    super(`${message} (${code})`);
    this.name = 'StakebidError';
    this.code = code;
    this.status = status;
  }
}

const SETTLEMENT = parseAbi([
  'function deposit() payable',
  'function escrowOf(address owner) view returns (uint256)',
  'function nonceUsed(address owner, uint256 nonce) view returns (bool)',
  'function invalidateNonces(uint256[] nonces)',
]);
const ERC20 = parseAbi([
  'function balanceOf(address) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function approve(address spender, uint256 amount) returns (bool)',
]);
// EIP-2612, with the domain as Lido's StETHPermit answers it.
const PERMIT = parseAbi([
  'function nonces(address owner) view returns (uint256)',
  'function eip712Domain() view returns (string name, string version, uint256 chainId, address verifyingContract)',
]);
const RESTAKING = parseAbi(['function holderOf(address owner, address operator) view returns (address)']);
const WITHDRAWAL = '(address staker, address delegatedTo, address withdrawer, uint256 nonce, uint32 startBlock, address[] strategies, uint256[] scaledShares)';
const EIGEN = parseAbi([
  'function getWithdrawableShares(address staker, address[] strategies) view returns (uint256[] withdrawableShares, uint256[] depositShares)',
  'function sharesToUnderlyingView(uint256 amountShares) view returns (uint256)',
  'function pendingWithdrawals(bytes32 root) view returns (bool)',
  'function minWithdrawalDelayBlocks() view returns (uint32)',
]);
const HOLDER = parseAbi([
  'function queueWithdrawal(address strategy, uint256 shares) returns (bytes32)',
  `function completeWithdrawal(${WITHDRAWAL} w, address token)`,
  'function setRewardsClaimer(address claimer)',
]);
const QUEUED = parseAbiItem(`event SlashingWithdrawalQueued(bytes32 withdrawalRoot, ${WITHDRAWAL} withdrawal, uint256[] sharesToWithdraw)`);

const str = v => (typeof v === 'bigint' ? v.toString() : v);

/**
 * A viem (or any other) error as a StakebidError with a code: out of gas
 * money, declined by the wallet, reverted, or a failed call.
 */
export function coded(e) {
  if (e instanceof StakebidError) return e;
  const chain = [];
  for (let c = e; c && chain.length < 10; c = c.cause) chain.push(c);
  const is = name => chain.some(c => c?.name === name);
  const said = e?.shortMessage ?? e?.message ?? String(e);
  if (is('AbortError')) return new StakebidError('sdk.aborted', 'the call was aborted (its `signal`)');
  // viem names it on some paths; on others only the node's sentence says
  // it (an estimate with no ETH at all: "gas required exceeds allowance: 0").
  if (is('InsufficientFundsError') || chain.some(c => /insufficient funds|exceeds allowance: 0$/i.test(c?.details ?? ''))) return new StakebidError('chain.insufficient_funds', 'the wallet has too little ETH for this transaction and its gas');
  if (is('UserRejectedRequestError')) return new StakebidError('sdk.rejected', 'the wallet declined the request');
  if (is('ContractFunctionRevertedError')) return new StakebidError('chain.reverted', `the contract refused: ${said}`);
  return new StakebidError('chain.call_failed', `a call to the chain or wallet failed: ${said}`);
}

export class Stakebid {
  /**
   * Connects to the node at `url`: its signing domain, deployment and
   * Intent type come from `GET /v1/node` and `GET /v1/eip712`. `wallet` (a
   * viem WalletClient) signs and sends; `reader` (a viem PublicClient) reads
   * the chain. Both are optional for quotes and reads.
   */
  static async connect({ url, wallet, reader, fetch: f = globalThis.fetch }) {
    const sb = new Stakebid(url, wallet, reader, f);
    [sb.node, sb.eip712] = await Promise.all([sb.#get('/v1/node'), sb.#get('/v1/eip712')]);
    return sb;
  }

  constructor(url, wallet, reader, f) {
    this.url = url.replace(/\/$/, '');
    this.wallet = wallet;
    this.reader = reader;
    this.fetch = f;
  }

  async #call(path, init) {
    let r;
    try {
      r = await this.fetch(this.url + path, init);
    } catch (e) {
      throw new StakebidError('sdk.unreachable', `the node at ${this.url} did not answer: ${e.message}`);
    }
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new StakebidError(body?.code ?? 'sdk.bad_response', body?.message ?? `HTTP ${r.status}`, r.status);
    return body;
  }
  #get(path) { return this.#call(path); }
  #post(path, body) {
    return this.#call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }
  #need(what) {
    if (!this[what]) throw new StakebidError('sdk.no_' + what, what === 'wallet' ? 'this needs a wallet: pass `wallet` (a viem WalletClient)' : 'this needs the chain: pass `reader` (a viem PublicClient)');
    return this[what];
  }
  get settlement() { return this.node.domain.settlement; }
  get deployment() { return this.node.chain ?? null; }
  #account() { return this.#need('wallet').account; }

  /** The EIP-712 domain viem signs with. */
  get domain() { return { ...this.eip712.domain, chainId: Number(this.eip712.domain.chainId) }; }

  /**
   * An intent (its message, integers as bigint) from a profile or explicit
   * limits: `{ amount, asset?, owner?, profile?, limits?, excludedOperators?,
   * nonce?, deadline? }`. Picks the lowest nonce neither the node nor the
   * chain knows; the deadline defaults to a day from now.
   */
  async buildIntent({ amount, amountWei, asset = NATIVE_ETH, owner, profile = 'balanced', limits = {}, excludedOperators = [], nonce, deadline }) {
    const wei = this.amountOf({ amount, amountWei, asset });
    const base = PROFILES[profile];
    if (!base) throw new StakebidError('sdk.unknown_profile', `no profile "${profile}"; use ${Object.keys(PROFILES).join(', ')}`);
    owner ??= this.wallet?.account?.address;
    if (!owner) throw new StakebidError('sdk.no_owner', 'pass `owner` or a wallet with an account');
    for (const k of Object.keys(limits)) if (!LIMITS.includes(k)) throw new StakebidError('sdk.unknown_limit', `no limit "${k}"; the limits are ${LIMITS.join(', ')}`);
    nonce ??= await this.nextNonce(owner);
    return {
      owner, asset, amount: wei, ...base, ...limits, excludedOperators,
      nonce: BigInt(nonce), deadline: BigInt(deadline ?? Math.floor(Date.now() / 1000) + 86400),
    };
  }

  /**
   * The wei an intent stakes: `amount` for people, a decimal with its unit
   * ("2.5 ETH", or the token's symbol for a token: "2.5 stETH"; 18
   * decimals), or `amountWei` (a bigint) for programs. A bare number is
   * refused (`sdk.unitless_amount`): read as ETH it would multiply wei by
   * 10^18, read as wei it would stake dust.
   */
  amountOf({ amount, amountWei, asset = NATIVE_ETH }) {
    if ((amount == null) === (amountWei == null)) throw new StakebidError('sdk.bad_amount', 'pass exactly one of `amount` ("2.5 ETH") and `amountWei` (a bigint)');
    if (amountWei != null) {
      if (typeof amountWei !== 'bigint' || amountWei <= 0n) throw new StakebidError('sdk.bad_amount', '`amountWei` is a positive bigint (wei)');
      return amountWei;
    }
    const unit = this.unitOf(asset);
    if (typeof amount !== 'string' || /^\s*[0-9.]+\s*$/.test(amount)) throw new StakebidError('sdk.unitless_amount', `\`amount\` needs its unit: "${String(amount).trim()} ${unit}"; or pass \`amountWei\` (a bigint)`);
    const m = amount.match(/^\s*([0-9]+(?:\.[0-9]{1,18})?)\s*([A-Za-z][A-Za-z0-9]*)\s*$/);
    if (!m) throw new StakebidError('sdk.bad_amount', `"${amount}" is not an amount such as "2.5 ${unit}" (at most 18 decimals)`);
    if (m[2].toLowerCase() !== unit.toLowerCase()) throw new StakebidError('sdk.wrong_unit', `"${amount}" is in ${m[2]}, but this intent stakes ${unit}`);
    const wei = parseEther(m[1]);
    if (wei === 0n) throw new StakebidError('sdk.bad_amount', 'the amount is zero: there is nothing to stake');
    return wei;
  }

  /** The unit of `asset`: ETH, or the token's name in the deployment (stETH, rETH). */
  unitOf(asset) {
    if (asset.toLowerCase() === NATIVE_ETH) return 'ETH';
    const hit = Object.entries(this.deployment?.assets ?? {}).find(([, a]) => a.toLowerCase() === asset.toLowerCase());
    return hit ? hit[0] : 'tokens';
  }

  /** The lowest nonce `owner` has used neither at the node nor on-chain. */
  async nextNonce(owner) {
    const known = new Set();
    for (const v of await this.intents(owner)) known.add(v.intent.nonce);
    let n = 0n;
    while (known.has(n.toString()) || (this.reader && await this.reader.readContract({ address: this.settlement, abi: SETTLEMENT, functionName: 'nonceUsed', args: [owner, n] }))) n++;
    return n;
  }

  /** The `eth_signTypedData_v4` payload (integers as decimal strings). */
  typedData(intent) {
    return { ...this.eip712, message: Object.fromEntries(Object.entries(intent).map(([k, v]) => [k, str(v)])) };
  }

  /** The wallet signs the intent (EIP-712); returns the 65-byte signature. */
  async sign(intent, wallet = this.wallet) {
    if (!wallet) this.#need('wallet');
    const types = { ...this.eip712.types };
    delete types.EIP712Domain;
    return wallet.signTypedData({ account: wallet.account, domain: this.domain, types, primaryType: this.eip712.primaryType, message: intent });
  }

  /** What the node's reference strategy would give this intent alone now. */
  quote(intent) { return this.#post('/v1/quote', { typed_data: this.typedData(intent) }); }

  /**
   * Submits a signed intent; answered once it is on the node's disk. A token
   * intent may carry the EIP-2612 `permit` that `fund` signed (no approve
   * transaction then).
   */
  submit(intent, signature, permit) {
    const body = { typed_data: this.typedData(intent), signature };
    if (permit) body.permit = { deadline: str(permit.deadline), nonce: str(permit.nonce), signature: permit.signature };
    return this.#post('/v1/intents', body);
  }

  /**
   * Makes the intent fundable with the owner's other open intents in the same
   * asset: escrows the ETH they lack together, or approves the Settlement for
   * their sum — or, for the owner's only open intent in a token with an
   * EIP-2612 permit (stETH), signs a permit and sends nothing: pass
   * `permit` to `submit`. Returns `{ action: 'none' | 'deposit' | 'approve'
   * | 'permit', tx?, permit? }`.
   */
  async fund(intent) {
    const wallet = this.#need('wallet'), reader = this.#need('reader'), owner = intent.owner;
    const open = (await this.intents(owner)).filter(v => ['pending', 'in_auction', 'awarded'].includes(v.status) && v.intent.asset.toLowerCase() === intent.asset.toLowerCase() && v.intent.nonce !== intent.nonce.toString());
    const need = open.reduce((s, v) => s + BigInt(v.intent.amount), 0n) + BigInt(intent.amount);
    const mined = async hash => { const r = await reader.waitForTransactionReceipt({ hash }); if (r.status !== 'success') throw new StakebidError('chain.reverted', `transaction ${hash} reverted`); return hash; };
    const short = (what, have, lack) => new StakebidError('sdk.balance_short', `the wallet holds ${have} wei of ${what}; these intents need ${lack} wei more (nothing was sent)`);
    if (intent.asset === NATIVE_ETH) {
      const have = await reader.readContract({ address: this.settlement, abi: SETTLEMENT, functionName: 'escrowOf', args: [owner] });
      if (have >= need) return { action: 'none' };
      const balance = await reader.getBalance({ address: owner });
      if (balance < need - have) throw short('ETH', balance, need - have - balance);
      return { action: 'deposit', amount: need - have, tx: await mined(await wallet.writeContract({ account: wallet.account, chain: wallet.chain, address: this.settlement, abi: SETTLEMENT, functionName: 'deposit', value: need - have })) };
    }
    const balance = await reader.readContract({ address: intent.asset, abi: ERC20, functionName: 'balanceOf', args: [owner] });
    if (balance < need) throw short(this.unitOf(intent.asset), balance, need - balance);
    const allowance = await reader.readContract({ address: intent.asset, abi: ERC20, functionName: 'allowance', args: [owner, this.settlement] });
    if (allowance >= need) return { action: 'none' };
    // The owner's only open intent in a token with a permit: sign one, send
    // nothing (a used permit sets the allowance to its own value, so it
    // cannot fund one intent among several).
    if (open.length === 0) {
      const permit = await this.#permit(intent).catch(() => null);
      if (permit) return { action: 'permit', amount: BigInt(intent.amount), permit };
    }
    return { action: 'approve', amount: need, tx: await mined(await wallet.writeContract({ account: wallet.account, chain: wallet.chain, address: intent.asset, abi: ERC20, functionName: 'approve', args: [this.settlement, need] })) };
  }

  /** An EIP-2612 permit for exactly the intent's amount to the Settlement, until the intent's deadline; null when the token has none. */
  async #permit(intent) {
    const wallet = this.#need('wallet'), reader = this.#need('reader');
    let domain, nonce;
    try {
      const [name, version, chainId, verifyingContract] = await reader.readContract({ address: intent.asset, abi: PERMIT, functionName: 'eip712Domain' });
      domain = { name, version, chainId: Number(chainId), verifyingContract };
      nonce = await reader.readContract({ address: intent.asset, abi: PERMIT, functionName: 'nonces', args: [intent.owner] });
    } catch { return null; }
    const deadline = BigInt(intent.deadline);
    const types = { Permit: [{ name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] };
    const message = { owner: intent.owner, spender: this.settlement, value: BigInt(intent.amount), nonce, deadline };
    const signature = await wallet.signTypedData({ account: wallet.account, domain, types, primaryType: 'Permit', message });
    return { deadline, nonce, signature };
  }

  /** The intent's view: status, history, auction, plan, figures, settlement. */
  status(id) { return this.#get(`/v1/intents/${id}`); }

  /** Every intent of `owner`, newest first (all pages). */
  async intents(owner = this.#account().address) {
    const out = [];
    for (let cursor = null; ;) {
      const p = await this.#get(`/v1/owners/${owner}/intents?limit=500` + (cursor == null ? '' : `&cursor=${cursor}`));
      out.push(...p.intents);
      if (p.next_cursor == null) return out;
      cursor = p.next_cursor;
    }
  }

  /**
   * Follows the intent until it is settled, expired or cancelled, calling
   * `onUpdate(view)` on each change; resolves with the final view. Reads the
   * node's event stream and falls back to polling every `pollMs` when the
   * stream is unavailable. `timeoutMs` (default 5 minutes) rejects with
   * `sdk.unfunded` (naming the shortfall) when the node holds it for
   * funding, `sdk.nonce_spent`, else `sdk.timeout`; `signal` aborts.
   */
  async watch(id, { onUpdate = () => {}, timeoutMs = 300_000, pollMs = 1000, signal } = {}) {
    const stop = new AbortController();
    let last = '', latest = null;
    // Timed out while the node says why it waits: the error names the reason.
    const late = () => {
      const w = latest?.waiting;
      if (w?.reason === 'funding') {
        const unit = w.asset.toLowerCase() === NATIVE_ETH ? 'ETH in escrow' : `of token ${w.asset} (allowance and balance)`;
        return new StakebidError('sdk.unfunded', `intent ${id} is waiting for funding: its owner's open intents need ${w.needed} wei ${unit}, ${w.available} wei is there (${BigInt(w.needed) - BigInt(w.available)} wei short); fund() it and it joins the next auction`);
      }
      if (w?.reason === 'nonce_spent') return new StakebidError('sdk.nonce_spent', `intent ${id} cannot settle: its nonce is already used on-chain`);
      const why = w ? ` (waiting: ${w.reason})` : '';
      return new StakebidError('sdk.timeout', `intent ${id} was not final within ${timeoutMs} ms${why}`);
    };
    // The stream sends changes only: read the view once more to say why.
    const timer = setTimeout(async () => {
      try { latest = await this.#get(`/v1/intents/${id}`); } catch { /* the last view seen */ }
      stop.abort(late());
    }, timeoutMs);
    signal?.addEventListener('abort', () => stop.abort(signal.reason));
    const seen = v => { latest = v; const k = JSON.stringify([v.status, v.history.length, v.award?.settlement?.tx, v.waiting]); if (k !== last) { last = k; onUpdate(v); } return FINAL.has(v.status) ? v : null; };
    try {
      const done = await this.#stream(id, seen, stop.signal).catch(e => { if (stop.signal.aborted) throw stop.signal.reason; return null; });
      if (done) return done;
      for (;;) {
        const v = seen(await this.status(id));
        if (v) return v;
        await new Promise((res, rej) => { const t = setTimeout(res, pollMs); stop.signal.addEventListener('abort', () => { clearTimeout(t); rej(stop.signal.reason); }, { once: true }); });
      }
    } finally {
      clearTimeout(timer);
      stop.abort();
    }
  }

  // The node's SSE stream for one intent: `event: status` with the whole view.
  async #stream(id, seen, signal) {
    const r = await this.fetch(`${this.url}/v1/intents/${id}/events`, { headers: { accept: 'text/event-stream' }, signal });
    if (!r.ok || !r.body) return null;
    const dec = new TextDecoder();
    let buf = '';
    for await (const chunk of r.body) {
      buf += dec.decode(chunk, { stream: true });
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const data = block.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trimStart()).join('\n');
        if (block.includes('event: status') && data) {
          const v = seen(JSON.parse(data));
          if (v) return v;
        }
      }
    }
    return null;
  }

  /** Cancels at the node with the owner's signed `Cancellation { intentId }`. */
  async cancel(id, wallet = this.wallet) {
    if (!wallet) this.#need('wallet');
    const signature = await wallet.signTypedData({ account: wallet.account, domain: this.domain, types: { Cancellation: [{ name: 'intentId', type: 'bytes32' }] }, primaryType: 'Cancellation', message: { intentId: id } });
    return this.#post(`/v1/intents/${id}/cancel`, { signature });
  }

  /** Cancels on-chain: these nonces can never settle after this transaction. */
  async cancelOnChain(nonces) {
    const wallet = this.#need('wallet');
    const hash = await wallet.writeContract({ account: wallet.account, chain: wallet.chain, address: this.settlement, abi: SETTLEMENT, functionName: 'invalidateNonces', args: [nonces.map(BigInt)] });
    await this.#need('reader').waitForTransactionReceipt({ hash });
    return hash;
  }

  /**
   * Every position the owner's settled intents opened, with its amount on
   * chain now: tokens in the wallet, or strategy shares in its holder.
   */
  async positions(owner = this.#account().address) {
    const reader = this.#need('reader'), dep = this.deployment;
    if (!dep) throw new StakebidError('sdk.no_chain', 'the node settles on no chain');
    const market = (await this.#get('/v1/market')).market;
    const names = new Set((await this.intents(owner)).filter(v => v.status === 'settled' && v.award).flatMap(v => v.award.plan.allocations.map(a => a.position)));
    const out = [];
    for (const name of [...names].sort()) {
      const pos = market.positions.find(p => p.id === name);
      const token = dep.assets[pos?.asset];
      if (!pos || !token || token === NATIVE_ETH) continue;
      if (!pos.operator) {
        out.push({ position: name, holder: owner, amount: await reader.readContract({ address: token, abi: ERC20, functionName: 'balanceOf', args: [owner] }) });
        continue;
      }
      const holder = await reader.readContract({ address: dep.restaking_adapter, abi: RESTAKING, functionName: 'holderOf', args: [owner, dep.operators[pos.operator]] });
      const strategy = dep.strategies[pos.asset];
      // Deposit shares (what a withdrawal queues) and what EigenLayer would
      // pay out now: withdrawable shares (less any slashing) in tokens.
      const [[left], [amount]] = await reader.readContract({ address: dep.eigenlayer, abi: EIGEN, functionName: 'getWithdrawableShares', args: [holder, [strategy]] });
      const withdrawable = await reader.readContract({ address: strategy, abi: EIGEN, functionName: 'sharesToUnderlyingView', args: [left] });
      out.push({ position: name, holder, amount, withdrawable, strategy, token });
    }
    return out;
  }

  /** Queues a restaked position's withdrawal (all its shares by default); its delay starts now. */
  async withdraw(position, shares = position.amount) {
    if (!position.strategy) throw new StakebidError('sdk.not_restaked', `${position.position} is not restaked: its tokens are in your wallet`);
    const wallet = this.#need('wallet');
    const hash = await wallet.writeContract({ account: wallet.account, chain: wallet.chain, address: position.holder, abi: HOLDER, functionName: 'queueWithdrawal', args: [position.strategy, shares] });
    const r = await this.#need('reader').waitForTransactionReceipt({ hash });
    if (r.status !== 'success') throw new StakebidError('chain.reverted', `the withdrawal reverted (tx ${hash})`);
    return hash;
  }

  /**
   * Names who may claim the AVS rewards EigenLayer's RewardsCoordinator
   * accrues to a restaked position's holder (default: this wallet).
   */
  async setRewardsClaimer(position, claimer = this.#account().address) {
    if (!position.strategy) throw new StakebidError('sdk.not_restaked', `${position.position} is not restaked: it earns no AVS rewards`);
    const wallet = this.#need('wallet');
    const hash = await wallet.writeContract({ account: wallet.account, chain: wallet.chain, address: position.holder, abi: HOLDER, functionName: 'setRewardsClaimer', args: [claimer] });
    const r = await this.#need('reader').waitForTransactionReceipt({ hash });
    if (r.status !== 'success') throw new StakebidError('chain.reverted', `naming the rewards claimer reverted (tx ${hash})`);
    return hash;
  }

  /**
   * The owner's queued withdrawals still pending, each with the block it can
   * complete at and the blocks left (0: completable now).
   */
  async withdrawals(owner = this.#account().address) {
    const reader = this.#need('reader'), dep = this.deployment;
    const held = (await this.positions(owner)).filter(p => p.strategy);
    if (!held.length) return [];
    const [delay, head] = await Promise.all([
      reader.readContract({ address: dep.eigenlayer, abi: EIGEN, functionName: 'minWithdrawalDelayBlocks' }),
      reader.getBlockNumber({ cacheTime: 0 }), // viem caches it for seconds otherwise
    ]);
    const out = [];
    for (let from = 0n; from <= head; from += 5000n) {
      const to = from + 4999n < head ? from + 4999n : head;
      const logs = await reader.getLogs({ address: dep.eigenlayer, event: QUEUED, fromBlock: from, toBlock: to });
      for (const { args } of logs) {
        // A holder serves one operator, and may hold several strategies.
        const p = held.find(h => h.holder.toLowerCase() === args.withdrawal.staker.toLowerCase() && h.strategy.toLowerCase() === args.withdrawal.strategies[0]?.toLowerCase());
        if (!p) continue;
        if (!await reader.readContract({ address: dep.eigenlayer, abi: EIGEN, functionName: 'pendingWithdrawals', args: [args.withdrawalRoot] })) continue;
        // EigenLayer completes it only after the slashable window: block > start + delay.
        const at = BigInt(args.withdrawal.startBlock) + BigInt(delay) + 1n;
        out.push({ position: p.position, holder: p.holder, token: p.token, root: args.withdrawalRoot, shares: args.withdrawal.scaledShares[0], completableAtBlock: at, blocksLeft: at > head + 1n ? at - head - 1n : 0n, withdrawal: args.withdrawal });
      }
    }
    return out;
  }

  /** Completes a queued withdrawal once its delay has passed: the tokens go to the owner. */
  async completeWithdrawal(w) {
    if (w.blocksLeft > 0n) throw new StakebidError('sdk.withdrawal_not_ready', `the withdrawal of ${w.position} can complete at block ${w.completableAtBlock} (${w.blocksLeft} blocks from now)`);
    const wallet = this.#need('wallet');
    const hash = await wallet.writeContract({ account: wallet.account, chain: wallet.chain, address: w.holder, abi: HOLDER, functionName: 'completeWithdrawal', args: [w.withdrawal, w.token] });
    const r = await this.#need('reader').waitForTransactionReceipt({ hash });
    if (r.status !== 'success') throw new StakebidError('chain.reverted', `completing the withdrawal reverted (tx ${hash})`);
    return hash;
  }
}

// Every public call answers with a StakebidError, whatever failed under it
// (the node, the wallet, the chain): one `catch` and one `code` for a wallet.
for (const name of ['buildIntent', 'nextNonce', 'sign', 'quote', 'submit', 'fund', 'status', 'intents', 'watch', 'cancel', 'cancelOnChain', 'positions', 'withdraw', 'withdrawals', 'completeWithdrawal']) {
  const f = Stakebid.prototype[name];
  Stakebid.prototype[name] = async function (...args) {
    try { return await f.apply(this, args); } catch (e) { throw coded(e); }
  };
}
for (const name of ['amountOf']) {
  const f = Stakebid.prototype[name];
  Stakebid.prototype[name] = function (...args) {
    try { return f.apply(this, args); } catch (e) { throw coded(e); }
  };
}
const connect = Stakebid.connect;
Stakebid.connect = async function (opts) {
  try { return await connect.call(this, opts); } catch (e) { throw coded(e); }
};
