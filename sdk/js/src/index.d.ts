// Types of @stakebid/sdk. The node's wire types are generated from its
// OpenAPI document (api.d.ts); this file types the client around them.
import type { Address, Hex, PublicClient, WalletClient } from 'viem';
import type { ErrorCode, IntentView, NodeInfo, Quote, Submitted, TypedData } from './api.js';

export type * from './api.js';

export declare const NATIVE_ETH: Address;

/** The risk limits an intent signs (bps and days). */
/** An EIP-2612 permit funding a token intent: value = its amount, spender = the Settlement. */
export interface Permit { deadline: bigint; nonce: bigint; signature: Hex }

export interface Limits {
  minNetApyBps: number;
  maxLossBps: number;
  lossConfidenceBps: number;
  maxOperatorBps: number;
  maxServiceBps: number;
  minLiquidBps: number;
  liquidWithinDays: number;
  maxFeeBps: number;
}
export type Profile = 'conservative' | 'balanced' | 'yield-seeking';
export declare const PROFILES: Readonly<Record<Profile, Limits>>;

/** An intent's message as viem signs it (integers as bigint). */
export interface Intent extends Limits {
  owner: Address;
  asset: Address;
  amount: bigint;
  excludedOperators: Address[];
  nonce: bigint;
  deadline: bigint;
}

/** The SDK's own codes (no node involved) next to the node's. */
export type SdkCode =
  | 'sdk.unreachable' | 'sdk.bad_response' | 'sdk.no_wallet' | 'sdk.no_reader' | 'sdk.no_owner'
  | 'sdk.no_chain' | 'sdk.unknown_profile' | 'sdk.unknown_limit' | 'sdk.timeout' | 'sdk.not_restaked'
  | 'sdk.withdrawal_not_ready' | 'sdk.bad_amount' | 'sdk.unitless_amount' | 'sdk.wrong_unit'
  | 'sdk.balance_short' | 'sdk.rejected' | 'sdk.aborted' | 'sdk.unfunded' | 'sdk.nonce_spent'
  | 'chain.reverted' | 'chain.insufficient_funds' | 'chain.call_failed';

/** Any error as a StakebidError (viem's: out of gas money, declined, reverted, failed). */
export declare function coded(e: unknown): StakebidError;

/** `POST /v1/intents`'s answer, its id typed as viem's `Hex`. */
export type SubmittedIntent = Omit<Submitted, 'id'> & { id: Hex };

export declare class StakebidError extends Error {
  readonly code: ErrorCode | SdkCode;
  /** The HTTP status, when the node answered. */
  readonly status?: number;
}

export interface Position {
  position: string;
  /** The wallet (liquid) or the position holder (restaked). */
  holder: Address;
  /** Tokens (liquid), or strategy deposit shares (restaked: what a withdrawal queues), on-chain now. */
  amount: bigint;
  /** Restaked: the tokens EigenLayer would pay out now (withdrawable shares, less any slashing, in the strategy's token). */
  withdrawable?: bigint;
  strategy?: Address;
  token?: Address;
}

export interface PendingWithdrawal {
  position: string;
  holder: Address;
  token: Address;
  root: Hex;
  shares: bigint;
  completableAtBlock: bigint;
  /** 0n: it can complete now. */
  blocksLeft: bigint;
  withdrawal: unknown;
}

/** An amount for people: a decimal and its unit, "2.5 ETH" or "2.5 stETH". */
export type Amount = `${number} ${string}`;

/** Exactly one of `amount` (for people) and `amountWei` (for programs). */
export type BuildIntent = BuildIntentBase & ({ amount: Amount; amountWei?: never } | { amountWei: bigint; amount?: never });

export interface BuildIntentBase {
  asset?: Address;
  owner?: Address;
  profile?: Profile;
  limits?: Partial<Limits>;
  excludedOperators?: Address[];
  nonce?: bigint;
  deadline?: bigint | number;
}

export interface WatchOptions {
  onUpdate?: (view: IntentView) => void;
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

export declare class Stakebid {
  static connect(opts: { url: string; wallet?: WalletClient; reader?: PublicClient; fetch?: typeof fetch }): Promise<Stakebid>;
  readonly url: string;
  readonly node: NodeInfo;
  readonly eip712: Omit<TypedData, 'message'>;
  readonly settlement: Address;
  readonly deployment: Record<string, unknown> | null;
  readonly domain: { name: string; version: string; chainId: number; verifyingContract: Address };
  buildIntent(opts: BuildIntent): Promise<Intent>;
  nextNonce(owner: Address): Promise<bigint>;
  typedData(intent: Intent): TypedData;
  sign(intent: Intent, wallet?: WalletClient): Promise<Hex>;
  quote(intent: Intent): Promise<Quote>;
  /** `permit`: what `fund` signed for a token intent (no approve transaction). */
  submit(intent: Intent, signature: Hex, permit?: Permit): Promise<SubmittedIntent>;
  /** The wei of `amount` ("2.5 ETH") or `amountWei`, as `buildIntent` reads them. */
  amountOf(opts: { amount?: Amount; amountWei?: bigint; asset?: Address }): bigint;
  /** ETH, or the token's name in the deployment. */
  unitOf(asset: Address): string;
  fund(intent: Intent): Promise<{ action: 'none' | 'deposit' | 'approve' | 'permit'; amount?: bigint; tx?: Hex; permit?: Permit }>;
  status(id: Hex): Promise<IntentView>;
  intents(owner?: Address): Promise<IntentView[]>;
  watch(id: Hex, opts?: WatchOptions): Promise<IntentView>;
  cancel(id: Hex, wallet?: WalletClient): Promise<IntentView>;
  cancelOnChain(nonces: Array<bigint | number>): Promise<Hex>;
  positions(owner?: Address): Promise<Position[]>;
  withdraw(position: Position, shares?: bigint): Promise<Hex>;
  /** Names who claims the position holder's AVS rewards in EigenLayer's RewardsCoordinator (default: this wallet). */
  setRewardsClaimer(position: Position, claimer?: Address): Promise<Hex>;
  withdrawals(owner?: Address): Promise<PendingWithdrawal[]>;
  completeWithdrawal(w: PendingWithdrawal): Promise<Hex>;
}
