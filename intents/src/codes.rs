//! Every stable error code, declared once: its string, the HTTP status the
//! node answers it with (`None` for codes that never reach the API: CLI,
//! bus, scoring reasons) and the sentence a person reads. From this list
//! come the table in `docs/errors.md`, the TypeScript union in
//! `sdk/js/src/codes.d.ts` (both compared by a test with what
//! [`ErrorCode::markdown_table`] and [`ErrorCode::typescript_union`] write),
//! the SDK's [`ApiCode`], the codes the OpenAPI document lists, and the
//! status of every coded error the API answers. A test also holds every
//! code literal in the sources to this list, so a code cannot be added
//! without being declared (and so documented) here.

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:expr, $sentence:literal;)*) => {
        /// A stable error code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", $code, "`: ", $sentence)]
                $variant,
            )*
        }

        impl ErrorCode {
            /// Every code, sorted by its string.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code string (`intent.expired`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The HTTP status the node answers it with, if it reaches the API.
            pub const fn status(self) -> Option<u16> {
                match self {
                    $(ErrorCode::$variant => $status,)*
                }
            }

            /// What it means, for a person.
            pub const fn sentence(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $sentence,)*
                }
            }

            /// The code a string names, if any.
            pub fn parse(code: &str) -> Option<ErrorCode> {
                match code {
                    $($code => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    AddressBadChecksum = "address.bad_checksum", Some(400), "an address anywhere in the body (or the URL) is written in mixed case but its EIP-55 checksum is wrong; write it all-lowercase or with the right checksum";
    AddressMalformed = "address.malformed", Some(400), "an address is not 0x + 40 hex digits";
    AuctionIllegalTransition = "auction.illegal_transition", Some(409), "a phase move that is not allowed";
    AuctionNotOpen = "auction.not_open", Some(409), "a commitment or reveal for an auction that is not the live one (unknown or closed)";
    AuctionNotRunning = "auction.not_running", Some(503), "the node runs no auctions (`--no-auctions`)";
    AuctionUnknown = "auction.unknown", Some(404), "no such auction";
    BidAmountOutOfRange = "bid.amount_out_of_range", None, "an amount in the bid does not fit the evaluator's range";
    BidDuplicateIntent = "bid.duplicate_intent", None, "the bid plans one intent twice";
    BidEmpty = "bid.empty", None, "the bid carries no plan";
    BidGuaranteeOverBond = "bid.guarantee_over_bond", None, "the caps of the bid's guarantees add up to more than the solver's free bond (bonded, less queued and already reserved): the Settlement could not reserve them";
    BidOverGasBudget = "bid.over_gas_budget", None, "the bid's settlement gas is above the settlement gas budget (half a block): split the solution over several bids";
    BidUnknownIntent = "bid.unknown_intent", None, "the bid plans an intent that is not in the batch";
    BusBadSignature = "bus.bad_signature", None, "the envelope's signature does not recover to its named sender, or the subject/body was altered";
    BusBadSubject = "bus.bad_subject", None, "the message arrived on a subject it is not bound to";
    BusIo = "bus.io", None, "the bus connection failed";
    BusMalformed = "bus.malformed", None, "the bus message is not a stakebid envelope";
    BusUnexpectedSender = "bus.unexpected_sender", None, "a valid signature from someone not allowed to send that message, e.g. a reveal for another solver's bid";
    BusUnreachable = "bus.unreachable", None, "cannot connect to NATS";
    ChainCallFailed = "chain.call_failed", Some(503), "the contract reverted or the RPC refused the call";
    ChainCalldata = "chain.calldata", None, "an award could not be turned into settle calldata";
    ChainConfig = "chain.config", Some(503), "a deployment file, key or setting does not fit the chain";
    ChainInsufficientFunds = "chain.insufficient_funds", Some(503), "the account sending a transaction has too little ETH for its value and gas";
    ChainJournal = "chain.journal", None, "the executor's journal in the node's store failed";
    ChainNoReceipt = "chain.no_receipt", Some(503), "a transaction was sent but its receipt could not be read";
    ChainPenaltyKeyTaken = "chain.penalty_key_taken", None, "the SolverRegistry holds this penalty's key but no Slashed event carries its evidence: reported, not taken";
    ChainReverted = "chain.reverted", Some(503), "a transaction was mined and reverted (its hash is in the message)";
    ChainRpcFailed = "chain.rpc_failed", Some(503), "the RPC endpoint failed or is unreachable";
    CliBadAddress = "cli.bad_address", None, "an address flag is not host:port";
    CliBadAmount = "cli.bad_amount", None, "an amount is not a decimal number of ETH";
    CliBadEngineUrl = "cli.bad_engine_url", None, "`stakebid solver run --engine`: not an http:// URL, or not on this machine without `--allow-remote-engine`";
    CliBadKey = "cli.bad_key", None, "a private key is not 0x and 64 hex digits";
    CliBadMarketSource = "cli.bad_market_source", None, "--market-source is neither `chain` nor `file`";
    CliBadStore = "cli.bad_store", None, "`--store` is not a `postgres://` URL";
    CliBadUrl = "cli.bad_url", None, "a URL cannot be parsed";
    CliClaimNotOpen = "cli.claim_not_open", None, "`stakebid claim`: the guarantee's claim window is not open now (it opens at the horizon and closes a day later) or it was claimed";
    CliIo = "cli.io", None, "cannot read a file";
    CliMalformedJson = "cli.malformed_json", None, "a file given to the CLI is not the JSON it expects";
    CliNoAsset = "cli.no_asset", None, "the deployment has no such token";
    CliNoDeployment = "cli.no_deployment", None, "`--market-source chain` without `--deployment`";
    CliNoGuarantee = "cli.no_guarantee", None, "`stakebid claim`: the intent's plan settled without a guarantee (or has not settled)";
    CliNoWithdrawal = "cli.no_withdrawal", None, "`stakebid withdraw --complete`: nothing queued to complete";
    CliRuntime = "cli.runtime", None, "the async runtime could not start";
    CliUnknownAsset = "cli.unknown_asset", None, "no asset of the deployment goes by that name";
    CliUnknownBackend = "cli.unknown_backend", None, "no LP backend goes by that name";
    CliUnknownPosition = "cli.unknown_position", None, "`stakebid withdraw` or `rewards-claimer --position`: you hold no such position";
    CliUnknownProfile = "cli.unknown_profile", None, "no risk profile goes by that name (conservative, balanced, yield-seeking)";
    CliUnknownStrategy = "cli.unknown_strategy", None, "no strategy goes by that name (optimal, greedy, waterfill)";
    EngineBadResponse = "engine.bad_response", None, "a solver's engine answered `/solve` with something other than a SolveResponse, or failed: nothing was bid";
    EngineDuplicatePlan = "engine.duplicate_plan", None, "an engine's bid holds two plans for one intent: the second was dropped";
    EngineOverGasBudget = "engine.over_gas_budget", None, "with this plan an engine's bid would need more settlement gas than a block allows: the plan was dropped";
    EngineTimeout = "engine.timeout", None, "a solver's engine did not answer within its share of the commit window: nothing was bid";
    EngineTooManyBids = "engine.too_many_bids", None, "an engine answered more bids than a solver may send a round: the extra bids were dropped";
    EventsTooManyStreams = "events.too_many_streams", Some(503), "`/v1/events` or `/v1/intents/{id}/events` already serves `--max-event-streams` streams (default 1,000)";
    ExplorerUnknownFile = "explorer.unknown_file", Some(404), "the explorer has no such file under `/assets/`";
    IntentAmountTooLarge = "intent.amount_too_large", Some(422), "above the policy maximum (default 100,000 ETH)";
    IntentAmountTooSmall = "intent.amount_too_small", Some(422), "below the policy minimum (default 0.01 ETH)";
    IntentAmountZero = "intent.amount_zero", Some(422), "amount is 0";
    IntentBadId = "intent.bad_id", None, "an intent id is not 0x and 64 hex digits";
    IntentBadSignature = "intent.bad_signature", Some(422), "not 65 bytes, or not recoverable";
    IntentBpsOutOfRange = "intent.bps_out_of_range", Some(422), "a bps field above 10,000 (the message names the field)";
    IntentConfidenceTooLow = "intent.confidence_too_low", Some(422), "`lossConfidenceBps` below 5,000";
    IntentDeadlinePassed = "intent.deadline_passed", Some(422), "deadline passed, or less than 30 s away";
    IntentDeadlineTooFar = "intent.deadline_too_far", Some(422), "deadline more than 30 days ahead";
    IntentDuplicateExclusion = "intent.duplicate_exclusion", Some(422), "an operator excluded twice";
    IntentHighSSignature = "intent.high_s_signature", Some(422), "s in the upper half of the curve order (malleable)";
    IntentIllegalTransition = "intent.illegal_transition", Some(409), "a lifecycle move that is not allowed";
    IntentMalformed = "intent.malformed", Some(422), "not stakebid typed data: bad JSON, wrong types/primaryType, unparseable field";
    IntentNonceReused = "intent.nonce_reused", Some(409), "the owner already used this nonce";
    IntentNotCancellable = "intent.not_cancellable", Some(409), "only a pending intent can be cancelled over the API";
    IntentNotPending = "intent.not_pending", Some(409), "an intent put into an auction is not in the pool";
    IntentOwnerLimit = "intent.owner_limit", Some(429), "the owner already has 64 intents pending (`MAX_PENDING_PER_OWNER`); wait until some settle or expire, or cancel some; nothing was stored";
    IntentOwnerZero = "intent.owner_zero", Some(422), "owner is the zero address";
    IntentRefused = "intent.refused", None, "`stakebid solve`: some intents were refused (the message counts them)";
    IntentReplayed = "intent.replayed", Some(409), "this intent was already accepted";
    IntentTooManyExclusions = "intent.too_many_exclusions", Some(422), "more than 32 excluded operators";
    IntentUndeclaredField = "intent.undeclared_field", Some(422), "the message carries a field the `Intent` type does not declare (a wallet would show it, the signature would not cover it)";
    IntentUnknown = "intent.unknown", Some(404), "no such intent";
    IntentUnsupportedAsset = "intent.unsupported_asset", Some(422), "the input asset cannot be staked in this market";
    IntentWrongChain = "intent.wrong_chain", Some(422), "signed for another chain";
    IntentWrongContract = "intent.wrong_contract", Some(422), "signed for another Settlement contract";
    IntentWrongDomain = "intent.wrong_domain", Some(422), "the EIP-712 domain is not name `stakebid`, version `1` (or carries a salt, or lacks chainId/verifyingContract)";
    IntentWrongSigner = "intent.wrong_signer", Some(422), "signature valid, but not by the owner (or the message was altered)";
    MarketBadHash = "market.bad_hash", Some(400), "not a 32-byte 0x-hex hash";
    MarketBook = "market.book", Some(503), "the node's record of markets (its store) failed";
    MarketDuplicateId = "market.duplicate_id", None, "two positions, operators or services share an id";
    MarketEmpty = "market.empty", None, "the market has no position";
    MarketInsaneFigure = "market.insane_figure", None, "a figure no protocol could report (a zero or absurd rate, a stake limit above the pool's whole supply)";
    MarketInvalid = "market.invalid", None, "the chain figures and the parameters do not make a valid market";
    MarketMalformed = "market.malformed", None, "the market file is not valid JSON of the market's shape";
    MarketNotRestakeable = "market.not_restakeable", None, "a restaked position sits on an asset that cannot be restaked";
    MarketOutOfRange = "market.out_of_range", None, "a figure is outside what the market allows";
    MarketParamsStale = "market.params_stale", None, "the risk-parameter file is older than `--max-params-age-days` on a chain that is not a devnet (31337, 1337 only warn)";
    MarketRateDrop = "market.rate_drop", None, "an exchange rate (or stETH's share rate) fell more than `--max-rate-drop-bps` since the previous read";
    MarketStale = "market.stale", None, "the chain has not been readable for more than `--max-stale-rounds` rounds: no new auctions";
    MarketUnavailable = "market.unavailable", None, "the chain could not be read (RPC error or timeout); the previous market stands in, flagged stale, for `--max-stale-rounds` rounds";
    MarketUnknown = "market.unknown", Some(404), "no round of this node used a market with this hash";
    MarketUnknownReference = "market.unknown_reference", None, "a position names an operator, service or asset the market does not list";
    NameBadSignature = "name.bad_signature", Some(422), "a solver-name registration is not signed by the solver it names";
    NameInvalid = "name.invalid", Some(400), "a solver name is not 3 to 32 of a-z, 0-9 and inner hyphens once normalised (NFKC, lower case), or was signed in another form";
    NameLookAlike = "name.look_alike", Some(409), "the name reads like another solver's (the same UTS #39 skeleton, case and hyphens aside)";
    NameStaleNonce = "name.stale_nonce", Some(409), "a registration with this nonce or a larger one is already recorded for the solver";
    NameTaken = "name.taken", Some(409), "another solver has this name";
    NameUnknownSolver = "name.unknown_solver", Some(404), "only a solver this node knows (bonded or registered) can register a name";
    NodeBind = "node.bind", None, "the node cannot listen on the address given";
    NodeConfig = "node.config", None, "the config file cannot be read or parsed";
    NodeDevKeyRefused = "node.dev_key_refused", None, "a published development key — anvil's default accounts, the devnet auctioneer, the demo solvers' keys that `--demo-solvers` / `--run-solvers` bid with — on a chain that is not a devnet";
    NodeKeyFile = "node.key_file", None, "the key file cannot be read";
    NodeKeyMissing = "node.key_missing", None, "a chain id other than a devnet's, 31337 or 1337, and no auctioneer or executor key given: set `STAKEBID_AUCTIONEER_KEY` / `STAKEBID_EXECUTOR_KEY`, or `--auctioneer-key-file` / `--executor-key-file`";
    NodeKeyTwice = "node.key_twice", None, "a key given both directly and as a file";
    NodeRuntime = "node.runtime", None, "the node's runtime could not start";
    NodeServe = "node.serve", None, "the HTTP server stopped with an error";
    PermitBadSignature = "permit.bad_signature", Some(422), "the permit is not the owner's EIP-2612 signature over value = the intent's amount and spender = the Settlement, under the token's domain";
    PermitDeadlineShort = "permit.deadline_short", Some(422), "the permit expires before the intent does: the Settlement could not use it for the intent's whole life";
    PermitForEth = "permit.for_eth", Some(422), "a permit came with an ETH intent; ETH is escrowed, only token intents take a permit";
    PermitPending = "permit.pending", Some(409), "a permit-funded intent must be its owner's only open intent in its token (a used permit sets the allowance to its own value, and permit nonces are sequential): refused beside other open intents in the token, and another intent is refused beside an open permit-funded one; approve the Settlement instead, or wait";
    PermitStaleNonce = "permit.stale_nonce", Some(422), "the permit was signed with another nonce than the token's next permit nonce for the owner; sign a new one";
    PermitUnsupported = "permit.unsupported", Some(422), "the token has no EIP-2612 permit (no `DOMAIN_SEPARATOR()` and `nonces(owner)`), or this node does not read the chain; approve the Settlement instead";
    PlanAmountMismatch = "plan.amount_mismatch", None, "allocations and fee do not add up to the intent's amount";
    PlanAmountOutOfRange = "plan.amount_out_of_range", None, "the intent's amount does not fit in 128 bits";
    PlanAssetNotAccepted = "plan.asset_not_accepted", None, "a position does not take the intent's asset";
    PlanBadGuarantee = "plan.bad_guarantee", None, "the plan's guarantee is one the Settlement refuses: terms out of range (a positive cap, a floor of at most 10000 bps, a horizon of 30 to 730 days), a token intent, or more than 16 positions";
    PlanBelowMinimumDeposit = "plan.below_minimum_deposit", None, "ETH routed into a pool below its minimum deposit, read from the chain each round: the deposit and so the whole award would revert";
    PlanCapacityExceeded = "plan.capacity_exceeded", None, "the batch's plans put more into a position than it has room for";
    PlanDuplicatePosition = "plan.duplicate_position", None, "the plan lists one position twice";
    PlanDustPosition = "plan.dust_position", None, "a position gets less than the market's minimum position size (the larger of a fixed ticket, a multiple of its own gas cost and a share of the intent): it would cost more than it earns";
    PlanExcludedOperator = "plan.excluded_operator", None, "the plan gives stake to an operator the intent excludes";
    PlanFeeTooHigh = "plan.fee_too_high", None, "the fee is above the intent's maxFeeBps";
    PlanInvalid = "plan.invalid", None, "evaluate found invalid plans";
    PlanLiquidityTooLow = "plan.liquidity_too_low", None, "less than minLiquidBps is exitable within liquidWithinDays";
    PlanLossTooHigh = "plan.loss_too_high", None, "the plan's expected tail loss is above the intent's maxLossBps";
    PlanOperatorShareTooHigh = "plan.operator_share_too_high", None, "an operator holds more than the intent's maxOperatorBps";
    PlanServiceShareTooHigh = "plan.service_share_too_high", None, "a service is exposed to more than the intent's maxServiceBps";
    PlanUnknownIntent = "plan.unknown_intent", None, "`stakebid evaluate`: a plan names an intent the batch does not hold";
    PlanUnknownPosition = "plan.unknown_position", None, "the plan names a position the market does not list";
    PlanWrongIntent = "plan.wrong_intent", None, "the plan is for another intent";
    PlanYieldTooLow = "plan.yield_too_low", None, "the plan's net yield is under the intent's minNetApyBps";
    PlanZeroAllocation = "plan.zero_allocation", None, "the plan allocates nothing to a position it lists";
    QuoteFailed = "quote.failed", Some(503), "the quote task failed";
    QuoteInfeasible = "quote.infeasible", Some(422), "no plan meets the intent on this market";
    QuoteUnavailable = "quote.unavailable", Some(503), "the node has no reference strategy";
    RateLimited = "rate.limited", Some(429), "too many writes from one address (`--rate-per-ip`, default 200 a second, bursts of ten seconds' worth) or signed intents/cancellations from one signer (`--rate-per-signer`, default 5 a second); `retry-after` says when; nothing was stored. A reveal that opens a live commitment is never limited. On the bus, a solver (its envelope's verified signer, never the sender a message claims) past 20 messages a second is dropped and counted under this code";
    ReplayIntentMismatch = "replay.intent_mismatch", None, "the published intents do not hash to their ids";
    ReplayMalformed = "replay.malformed", None, "the published auction could not be read";
    ReplayMarketChanged = "replay.market_changed", None, "the auction's market can no longer be fetched as it was";
    ReplayMismatch = "replay.mismatch", None, "recomputed winners or scores differ from the published ones";
    ReplayNotPublic = "replay.not_public", None, "sealed or voided";
    RequestBadId = "request.bad_id", Some(400), "an intent id that is not 0x + 64 hex digits, or an owner that is not 0x + 40 hex digits";
    RequestBodyTimeout = "request.body_timeout", Some(408), "the request body did not arrive whole within the body timeout (`--body-timeout-secs`, default 30 s)";
    RequestInvalidBody = "request.invalid_body", Some(400), "JSON, but not the shape the endpoint takes (the message names what did not fit)";
    RequestMalformedJson = "request.malformed_json", Some(400), "the body is not JSON";
    RequestMissingField = "request.missing_field", Some(400), "`typed_data` or `signature` missing";
    RequestNoRoute = "request.no_route", Some(404), "no such endpoint (see `/openapi.json`)";
    RequestTooLarge = "request.too_large", Some(413), "body over 64 KiB (reveals: 1 MiB)";
    RoundBadSignature = "round.bad_signature", Some(422), "the solver's signature does not recover to it over this round's typed digest (an unsigned or forged message, or a signature made for anything else)";
    RoundDuplicateCommitment = "round.duplicate_commitment", Some(422), "this commitment was already received";
    RoundEarlyReveal = "round.early_reveal", Some(422), "a reveal arrived before the reveal phase opened";
    RoundLateCommit = "round.late_commit", Some(422), "a commitment arrived after the commit deadline";
    RoundLateReveal = "round.late_reveal", Some(422), "a reveal arrived after the reveal deadline";
    RoundNotEligible = "round.not_eligible", Some(403), "the solver is not registered or its bond is under the minimum";
    RoundRevealMismatch = "round.reveal_mismatch", Some(422), "the revealed bid and salt do not hash to any of the solver's commitments";
    RoundTooManyBids = "round.too_many_bids", Some(422), "the solver already committed its most bids this round";
    RoundUnrevealed = "round.unrevealed", None, "a signed commitment was not opened by the reveal deadline (recorded at close, charged per commitment)";
    RoundWrongAuction = "round.wrong_auction", Some(422), "the message names another auction than the live one";
    SdkBalanceShort = "sdk.balance_short", None, "the wallet holds less of a token than its open intents need: nothing was approved or sent";
    SdkChain = "sdk.chain", None, "a chain call of the SDK failed; the SDK passes the node's own codes through otherwise";
    SdkDecode = "sdk.decode", None, "the node's answer could not be read";
    SdkTransport = "sdk.transport", None, "the node could not be reached";
    SearchMalformed = "search.malformed", Some(400), "`GET /v1/search` without `q`, or a `q` that is neither 0x + 64 hex digits (intent id, transaction hash), 0x + 40 (owner) nor an auction number";
    SearchNotFound = "search.not_found", Some(404), "no intent, owner with intents, auction or settlement transaction on this node goes by the query";
    SearchTooLong = "search.too_long", Some(400), "a search query over 100 characters";
    ServerOverloaded = "server.overloaded", Some(503), "the node is at its connection limit (`--max-connections`, kept below the open-file limit); sent on the spare connection, which is then closed; retry";
    SolverBadBatch = "solver.bad_batch", None, "announced intents do not hash to their ids";
    SolverBook = "solver.book", None, "the solver's book of sealed bids could not be read or written: a commitment whose reveal could not be kept on disk is not sent";
    SolverMarketMismatch = "solver.market_mismatch", None, "the fetched market does not hash to the announced one";
    SolverNoAuctioneer = "solver.no_auctioneer", None, "neither `--node` nor `--nats` + `--auctioneer`";
    SolverNoChain = "solver.no_chain", None, "`stakebid solver bond`/`migrate-bond`: the node settles on no chain";
    SolverNoLink = "solver.no_link", None, "the solver has neither a node URL nor a NATS server to take part through";
    SolverPlansDropped = "solver.plans_dropped", None, "the driver dropped plans of its engine's answer that the evaluator refuses: they were not bid";
    SolverReplayedOpen = "solver.replayed_open", None, "an announcement already acted on arrived again and was ignored";
    SolverSameRegistry = "solver.same_registry", None, "`stakebid solver migrate-bond`: `--from` is the registry the bond would move to";
    SolverStaleLeader = "solver.stale_leader", None, "a message of an older lease epoch than one already announced: a deposed leader's, ignored";
    SolverUnsupportedVersion = "solver.unsupported_version", None, "a round announced a protocol or scenario version this driver does not implement: it does not bid";
    SolverWrongDeployment = "solver.wrong_deployment", None, "a phase message bound to another deployment was ignored";
    StoreConflict = "store.conflict", Some(409), "another write to the same records came first (a serialization failure between nodes); nothing was stored — send the same request again";
    StoreCorrupt = "store.corrupt", Some(503), "a stored record cannot be read, or a stored auction lacks what an operation needs; nothing was stored";
    StoreFailed = "store.failed", Some(503), "the node's storage failed; nothing was stored";
    StoreFenced = "store.fenced", Some(503), "a write of round, award or executor state by a node whose leader lease was taken over or expired; refused, nothing changed; the node steps down";
    StoreLayout = "store.layout", Some(503), "the store (a sled data directory or a Postgres database) was written in a layout this stakebid does not read (an older record layout, or a schema migrated by a newer stakebid); the node refuses it rather than misread it: open it with the version that wrote it, or start on a new store";
    StoreUnavailable = "store.unavailable", Some(503), "the node's Postgres store cannot be reached (down, restarting, failing over); nothing was stored — retry shortly; the node reconnects by itself";
    WithdrawalsNoChain = "withdrawals.no_chain", Some(404), "`GET /v1/owners/{address}/withdrawals` on a node that settles on no chain";
}

impl ErrorCode {
    /// The table `docs/errors.md` carries between its generated markers.
    pub fn markdown_table() -> String {
        let mut t = String::from("| code | HTTP | meaning |\n|---|---|---|\n");
        for c in ErrorCode::ALL {
            let status = c.status().map_or("—".to_string(), |s| s.to_string());
            t.push_str(&format!("| `{}` | {status} | {} |\n", c.as_str(), c.sentence()));
        }
        t
    }

    /// `sdk/js/src/codes.d.ts`: every code as a TypeScript string union.
    pub fn typescript_union() -> String {
        let mut t = String::from(
            "// Generated from stakebid_intents::codes::ErrorCode (a test compares it); do not edit.\n\n/** Every stable error code stakebid answers with. */\nexport type ErrorCode =\n",
        );
        for c in ErrorCode::ALL {
            t.push_str(&format!("  | \"{}\"\n", c.as_str()));
        }
        t.push_str("  ;\n");
        t
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code as a client reads it from a node: one of [`ErrorCode`], or one a
/// newer node added (kept verbatim, so a newer node never breaks an older
/// client).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ApiCode {
    /// A code this build knows.
    Known(ErrorCode),
    /// A code this build does not know.
    Other(String),
}

impl ApiCode {
    /// Parses a code string.
    pub fn parse(code: &str) -> ApiCode {
        ErrorCode::parse(code).map_or_else(|| ApiCode::Other(code.to_string()), ApiCode::Known)
    }

    /// The code string.
    pub fn as_str(&self) -> &str {
        match self {
            ApiCode::Known(c) => c.as_str(),
            ApiCode::Other(s) => s,
        }
    }
}

impl std::fmt::Display for ApiCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_unique_and_round_trip() {
        let names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "the list is sorted and has no code twice");
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
            assert!(!c.sentence().is_empty(), "{c} has no sentence");
        }
        assert_eq!(
            ApiCode::parse("intent.something_new"),
            ApiCode::Other("intent.something_new".into())
        );
        assert_eq!(ApiCode::parse("intent.replayed"), ApiCode::Known(ErrorCode::IntentReplayed));
        assert_eq!(ErrorCode::RoundNotEligible.status(), Some(403));
    }
}
