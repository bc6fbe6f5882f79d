//! Solver names. `POST /v1/solvers/names` records a solver's signed name
//! (`stakebid_intents::names` decides what is a name, who signed it and
//! what clashes); the store's `solver-names` journal keeps one
//! registration per solver, written only by the leader (journal writes
//! are fenced like round state). `GET /v1/solvers` shows them.

use std::collections::BTreeMap;

use alloy::primitives::Address;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use stakebid_intents::names::{check_free, NameError};
use stakebid_intents::protocol::SolverName;
use stakebid_settlement::JournalError;
use stakebid_wire as wire;

use super::{declared_status, json_body, ApiError, AppState};
use crate::port::{NodeStore, StoreError};

/// The journal the registrations live in.
const JOURNAL: &str = "solver-names";

/// A journal failure as the API answers it (its code's status).
fn journal(e: JournalError) -> ApiError {
    let status = declared_status(e.code.as_str()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    ApiError::new(status, e.code.as_str(), e.message)
}

fn refused(e: NameError) -> ApiError {
    ApiError::declared(&e, StatusCode::BAD_REQUEST)
}

/// Every registration recorded, by solver.
fn registered(
    st: &dyn NodeStore,
) -> Result<Result<BTreeMap<Address, wire::NameRegistration>, JournalError>, StoreError> {
    let j = st.journal(JOURNAL)?;
    Ok(j.entries().map(|es| {
        es.into_iter()
            .filter_map(|(_, v)| serde_json::from_slice::<wire::NameRegistration>(&v).ok())
            .map(|r| (r.solver, r))
            .collect()
    }))
}

/// The names `GET /v1/solvers` shows: those the node runs its own solvers
/// under, each replaced by a solver's own registration.
pub(super) async fn shown(s: &AppState) -> Result<BTreeMap<Address, String>, ApiError> {
    let mine = s.store.run(registered).await?.map_err(journal)?;
    let mut names = (*s.solver_names).clone();
    names.extend(mine.into_iter().map(|(a, r)| (a, r.name)));
    Ok(names)
}

/// `POST /v1/solvers/names`: a solver's signed name. Refused when not
/// signed by the solver, not in normal form, for a solver the node does
/// not know, with a nonce not above the solver's last, or when the name
/// is another solver's or looks like one (UTS #39 skeletons).
#[utoipa::path(post, path = "/v1/solvers/names", tag = "auctions",
    request_body = wire::NameRegistration,
    responses((status = 201, description = "Recorded: the solver goes by this name", body = wire::NameRegistration),
              (status = 200, description = "The same registration was already recorded", body = wire::NameRegistration)))]
pub(super) async fn register(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<wire::NameRegistration>), ApiError> {
    let v = json_body(body)?;
    let r: wire::NameRegistration = serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.invalid_body",
            format!("the body is not a name registration {{solver, name, nonce, signature}}: {e}"),
        )
    })?;
    let msg = SolverName { solver: r.solver, name: r.name.clone(), nonce: r.nonce };
    msg.verify(&s.policy.domain, &r.signature).map_err(refused)?;
    s.rates.check_signer(r.solver)?;
    let state = s.store.run(|st| st.node_state()).await?;
    if !state.registry.is_some_and(|reg| reg.solvers.contains_key(&r.solver)) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "name.unknown_solver",
            format!(
                "{} is not a solver of this node: bond on its SolverRegistry first (`stakebid solver bond`)",
                r.solver
            ),
        ));
    }
    // One registration at a time, so two solvers cannot both take a name.
    let _one = s.names_lock.lock().await;
    let all = s.store.run(registered).await?.map_err(journal)?;
    if let Some(have) = all.get(&r.solver) {
        if *have == r {
            return Ok((StatusCode::OK, Json(r)));
        }
        if have.nonce >= r.nonce {
            return Err(refused(NameError::StaleNonce { have: have.nonce }));
        }
    }
    let others = s
        .solver_names
        .iter()
        .filter(|(a, _)| !all.contains_key(*a))
        .map(|(a, n)| (*a, n.as_str()))
        .chain(all.values().map(|o| (o.solver, o.name.as_str())));
    check_free(r.solver, &r.name, others).map_err(refused)?;
    // Strings, a number and bytes: serialising cannot fail.
    let value = serde_json::to_vec(&r).expect("a registration serialises");
    let key = r.solver.to_vec();
    s.store.run(move |st| Ok(st.journal(JOURNAL)?.put(&key, value))).await?.map_err(journal)?;
    tracing::info!("solver {} is now named {} (nonce {})", r.solver, r.name, r.nonce);
    Ok((StatusCode::CREATED, Json(r)))
}
