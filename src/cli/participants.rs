//! The demo's in-process solvers (`stakebid_solver::in_process`), for
//! `stakebid auction demo`.
//! The node's solvers (in-process or not) use `stakebid_solver::runtime`.

use alloy::primitives::{Address, B256};
use alloy::signers::local::PrivateKeySigner;
use std::collections::BTreeMap;

use stakebid_node::auctioneer::Participant;
use stakebid_solver::by_name;
use stakebid_solver::in_process::InProcess;

/// The demo line-up: optimal, greedy, waterfill, and (if `with_silent`) an
/// optimal solver that commits and never reveals. Returns them with names.
pub(crate) fn demo_solvers(
    with_silent: bool,
) -> (Vec<Box<dyn Participant>>, BTreeMap<Address, &'static str>) {
    let mut solvers: Vec<Box<dyn Participant>> = Vec::new();
    let mut names = BTreeMap::new();
    let lineup = [
        ("solver-optimal", "optimal", false),
        ("solver-greedy", "greedy", false),
        ("solver-waterfill", "waterfill", false),
        ("solver-silent", "optimal", true),
    ];
    for (n, (name, strategy, silent)) in lineup.into_iter().enumerate() {
        if silent && !with_silent {
            continue;
        }
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x10 + n as u8))
            .expect("a constant valid key");
        names.insert(key.address(), name);
        let solver = InProcess::new(key, by_name(strategy, 5).expect("shipped strategy"));
        solvers.push(Box::new(if silent { solver.silent() } else { solver }));
    }
    (solvers, names)
}
