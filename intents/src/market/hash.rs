//! The market's content hash: keccak256 of its canonical ABI encoding.
//!
//! Everything the evaluator and the scenario generator read is encoded, in
//! market order; human names and source notes are not, so re-wording a
//! source does not change the hash solvers agree on.

use alloy::primitives::{keccak256, B256, U256};
use alloy::sol_types::SolValue;

use super::{AssetKind, Market};

alloy::sol! {
    struct AssetAbi { string id; address token; uint8 kind; bool mintFromEth; uint256 apr;
        uint16 protocolFee; uint16 depositFee; uint256 exchangeRate; uint16 exitDays;
        uint256 depositCap; uint256 maxDepeg; uint256 depegProbability; bool restakeable; }
    struct AllocationAbi { string service; uint256 magnitude; }
    struct OperatorAbi { string id; address addr; uint16 commission; uint256 delegated;
        uint256 capacity; AllocationAbi[] allocations; uint256 faultProbability;
        uint32 slashingEvents; uint16 allocationDelayDays; }
    struct ServiceAbi { string id; uint256 rewardRate; uint256 lossGivenSlash; uint256 stakeCap;
        uint256 profitFromCorruption; uint16 attackThreshold; uint256 faultProbability; }
    struct PositionAbi { string id; string asset; string operator; }
    struct LossAbi { string id; uint256 fraction; }
    struct StressAbi { string name; LossAbi[] assetLosses; LossAbi[] operatorLosses; }
    struct MarketAbi { uint16 withdrawalDelayDays; uint64[4] gas; uint256 gasPrice;
        AssetAbi[] assets; OperatorAbi[] operators; ServiceAbi[] services;
        PositionAbi[] positions; StressAbi[] stress; }
    /// A market whose assets have deposit minimums: the same encoding,
    /// then each asset's minimum deposit (in asset order).
    struct MarketAbiV2 { MarketAbi market; uint256[] minDeposits; }
    /// A market with a dust rule: V2's encoding, then the rule.
    struct MarketAbiV3 { MarketAbi market; uint256[] minDeposits; uint256 minTicket;
        uint32 minGasMultiple; uint16 minShareBps; }
}

fn u(v: u128) -> U256 {
    U256::from(v)
}

impl Market {
    /// keccak256 of the canonical ABI encoding. A market with no deposit
    /// minimum encodes as before they existed, so every such market (the
    /// shipped snapshot, generated ones, recorded rounds') keeps its hash.
    /// A market with no dust rule encodes as before it existed.
    pub fn hash(&self) -> B256 {
        let mins = || self.assets.iter().map(|a| u(a.min_deposit.0)).collect();
        if !self.min_position.is_none() {
            let r = self.min_position;
            return keccak256(
                MarketAbiV3 {
                    market: self.abi(),
                    minDeposits: mins(),
                    minTicket: u(r.ticket.0),
                    minGasMultiple: r.gas_multiple,
                    minShareBps: r.share_bps,
                }
                .abi_encode(),
            );
        }
        if self.assets.iter().all(|a| a.min_deposit.is_zero()) {
            return keccak256(self.abi().abi_encode());
        }
        keccak256(MarketAbiV2 { market: self.abi(), minDeposits: mins() }.abi_encode())
    }

    fn abi(&self) -> MarketAbi {
        MarketAbi {
            withdrawalDelayDays: self.restaking.withdrawal_delay_days,
            gas: [
                self.gas.per_settlement,
                self.gas.per_intent,
                self.gas.per_position,
                self.gas.per_restaked_position,
            ],
            gasPrice: u(self.gas.gas_price.0),
            assets: self
                .assets
                .iter()
                .map(|a| AssetAbi {
                    id: a.id.clone(),
                    token: a.token,
                    kind: match a.kind {
                        AssetKind::Native => 0,
                        AssetKind::Lst => 1,
                        AssetKind::Lrt => 2,
                    },
                    mintFromEth: a.mint_from_eth,
                    apr: u(a.apr.0),
                    protocolFee: a.protocol_fee.0,
                    depositFee: a.deposit_fee.0,
                    exchangeRate: u(a.exchange_rate.0),
                    exitDays: a.exit_days,
                    depositCap: u(a.deposit_cap.0),
                    maxDepeg: u(a.max_depeg.0),
                    depegProbability: u(a.depeg_probability.0),
                    restakeable: a.restakeable,
                })
                .collect(),
            operators: self
                .operators
                .iter()
                .map(|o| OperatorAbi {
                    id: o.id.clone(),
                    addr: o.address,
                    commission: o.commission.0,
                    delegated: u(o.delegated.0),
                    capacity: u(o.capacity.0),
                    allocations: o
                        .allocations
                        .iter()
                        .map(|al| AllocationAbi {
                            service: al.service.clone(),
                            magnitude: u(al.magnitude.0),
                        })
                        .collect(),
                    faultProbability: u(o.fault_probability.0),
                    slashingEvents: o.slashing_events,
                    allocationDelayDays: o.allocation_delay_days,
                })
                .collect(),
            services: self
                .services
                .iter()
                .map(|s| ServiceAbi {
                    id: s.id.clone(),
                    rewardRate: u(s.reward_rate.0),
                    lossGivenSlash: u(s.loss_given_slash.0),
                    stakeCap: u(s.stake_cap.0),
                    profitFromCorruption: u(s.profit_from_corruption.0),
                    attackThreshold: s.attack_threshold.0,
                    faultProbability: u(s.fault_probability.0),
                })
                .collect(),
            positions: self
                .positions
                .iter()
                .map(|p| PositionAbi {
                    id: p.id.clone(),
                    asset: p.asset.clone(),
                    operator: p.operator.clone().unwrap_or_default(),
                })
                .collect(),
            stress: self
                .stress
                .iter()
                .map(|s| StressAbi {
                    name: s.name.clone(),
                    assetLosses: s
                        .asset_losses
                        .iter()
                        .map(|(id, f)| LossAbi { id: id.clone(), fraction: u(f.0) })
                        .collect(),
                    operatorLosses: s
                        .operator_losses
                        .iter()
                        .map(|(id, f)| LossAbi { id: id.clone(), fraction: u(f.0) })
                        .collect(),
                })
                .collect(),
        }
    }
}
