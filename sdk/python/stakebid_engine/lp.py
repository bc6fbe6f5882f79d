"""The reference engine's model: one LP over the whole batch (HiGHS).

Per intent ``i`` (amount ``A``, fee ``f``, ``T = A − f`` to place):

* ``x[i,p] ≥ 0`` ETH into each position ``p`` it may use, ``y[i] ∈ [0,1]``
  whether it is served; ``Σ_p x = T·y``;
* net yield ``Σ x·(rate − minted·deposit fee) − y·f ≥ y·A·minNetApy``;
* per operator ``Σ x ≤ y·A·maxOperator``; per service
  ``Σ x·magnitude ≤ y·A·maxService``; ``Σ_{exit ≤ days} x ≥ y·A·minLiquid``;
* CVaR at the intent's confidence ``c`` (tail mass ``α = 1 − c``), the
  Rockafellar–Uryasev form — exactly the evaluator's discrete tail mean:
  ``t + Σ_s π_s·u_s / α ≤ y·A·maxLoss``, ``u_s ≥ Σ_p x·loss(p,s) − t``,
  ``u, t ≥ 0``;
* across the batch, per asset, operator and service: within the capacity
  left.

Objective: the evaluator's score summed — surplus (net yield above each
minimum) less the per-intent gas cost. Integer rules the LP cannot hold
(a minted leg at least the pool's minimum, no dust legs that cost more gas
than they earn, each intent all-or-nothing) are restored by re-solving with
offending legs closed and fractional intents dropped. Amounts are rounded
to wei with the remainder on the largest leg, so ``Σ + fee = amount``;
every bound is tightened by ``MARGIN`` so rounding stays inside.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from .models import BPS, WAD, EngineAllocation, EngineBid, EnginePlan, SolveRequest, SolveResponse

MARGIN = 1e-6
INF = highspy.kHighsInf


@dataclass
class _Leg:
    intent: int
    position: int
    minted: bool
    col: int


def min_position(req: SolveRequest, p, amount: int, fee: int) -> int:
    """The least wei a plan for ``amount`` paying ``fee`` may put in ``p``
    (the market's minimum position size, engine API version 2)."""
    alloc = amount - fee
    return min(max(p.min_amount, alloc * req.min_share_bps // BPS), alloc)


def _fee(amount: int, fee_bps: int, maxFeeBps: int) -> int:
    return amount * min(fee_bps, maxFeeBps) // BPS


def solve(req: SolveRequest, fee_bps: int, time_left: float) -> SolveResponse:
    """Bids for the round, within ``time_left`` seconds."""
    started = time.monotonic()
    n = len(req.intents)
    closed: set[tuple[int, int]] = set()
    dropped: set[int] = set()
    exact: set[int] = set()
    # Intents that can never be served at the fee (amount 0, no position).
    for i, it in enumerate(req.intents):
        if it.intent.amount == 0 or not it.positions:
            dropped.add(i)
    result = None
    for _ in range(24):
        left = time_left - (time.monotonic() - started)
        if left <= 0.05:
            break
        result = _solve_once(req, fee_bps, closed, dropped, exact, left)
        if result is None:
            break
        x, y, legs = result
        changed = False
        # All or nothing: drop the least-served fractional intent.
        frac = [(y[i], i) for i in range(n) if i not in dropped and 1e-6 < y[i] < 1 - 1e-6]
        if frac:
            dropped.add(min(frac)[1])
            continue
        for i in range(n):
            if i not in dropped and y[i] <= 1e-6:
                dropped.add(i)
        # An intent with a leg under the market's minimum position size is
        # re-solved exactly: a 0/1 choice per leg, each chosen leg at least
        # its floor and charged its gas (a MILP, only for those intents).
        for leg in legs:
            v = x[leg.col]
            if v <= 0 or leg.intent in dropped or leg.intent in exact:
                continue
            p = req.positions[leg.position]
            m = req.intents[leg.intent].intent
            amount = m.amount
            gas_cost = p.gas * req.gas.price / WAD
            below_min = leg.minted and v * WAD < p.min_deposit * (1 + MARGIN)
            dust = v < amount / WAD * 1e-5 or v * p.rate / WAD < gas_cost
            if below_min or dust:
                closed.add((leg.intent, leg.position))
                changed = True
            elif v * WAD < min_position(req, p, amount, _fee(amount, fee_bps, m.maxFeeBps)) * (1 + MARGIN):
                exact.add(leg.intent)
                changed = True
        if not changed:
            break
        result = None
    if result is None:
        return SolveResponse(bids=[])
    x, y, legs = result
    plans = []
    for i, it in enumerate(req.intents):
        if i in dropped or y[i] < 1 - 1e-6:
            continue
        mine = [(leg, x[leg.col]) for leg in legs if leg.intent == i and x[leg.col] > 0]
        plan = _round(req, i, mine, fee_bps)
        if plan is not None:
            plans.append(plan)
    return SolveResponse(bids=_pack(req, plans))


def _solve_once(req: SolveRequest, fee_bps: int, closed, dropped, exact, time_left: float):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.05, time_left))
    cols = 0

    def var(lb: float, ub: float, cost: float) -> int:
        nonlocal cols
        h.addVar(lb, ub)
        h.changeColCost(cols, cost)
        cols += 1
        return cols - 1

    def row(lo: float, up: float, entries: list[tuple[int, float]]) -> None:
        if not entries:
            return
        idx = np.array([c for c, _ in entries], dtype=np.int32)
        val = np.array([v for _, v in entries], dtype=np.float64)
        h.addRow(lo, up, len(entries), idx, val)

    gas_price = req.gas.price / WAD
    legs: list[_Leg] = []
    ycol: dict[int, int] = {}
    shared_asset: dict[str, list[tuple[int, float]]] = {}
    shared_op: dict[str, list[tuple[int, float]]] = {}
    shared_svc: dict[str, list[tuple[int, float]]] = {}
    for i, it in enumerate(req.intents):
        if i in dropped:
            continue
        m = it.intent
        A = m.amount / WAD
        f = _fee(m.amount, fee_bps, m.maxFeeBps) / WAD
        T = A - f
        need = A * m.minNetApyBps / BPS
        # Score = surplus − gas: the per-intent gas is paid once if served.
        y = var(0.0, 1.0, -(f + need) - req.gas.per_intent * gas_price)
        ycol[i] = y
        mine: list[_Leg] = []
        for a in it.positions:
            if (i, a.position) in closed:
                continue
            p = req.positions[a.position]
            net = p.rate / WAD - (p.deposit_fee_bps / BPS if a.minted else 0.0)
            c = var(0.0, INF, net)
            mine.append(_Leg(i, a.position, a.minted, c))
        legs.extend(mine)
        row(0.0, 0.0, [(l.col, 1.0) for l in mine] + [(y, -T)])
        if i in exact:
            count = []
            for l in mine:
                p = req.positions[l.position]
                z = var(0.0, 1.0, -p.gas * gas_price)
                h.changeColIntegrality(z, highspy.HighsVarType.kInteger)
                floor = max(min_position(req, p, m.amount, _fee(m.amount, fee_bps, m.maxFeeBps)),
                            p.min_deposit if l.minted else 0)
                lo = min(floor / WAD * (1 + MARGIN), T)
                row(-INF, 0.0, [(l.col, 1.0), (z, -T)])
                row(0.0, INF, [(l.col, 1.0), (z, -lo)])
                count.append((z, 1.0))
            if req.min_share_bps > 0:
                row(-INF, BPS // req.min_share_bps, count)
        # Net yield at least the minimum (with a margin for rounding).
        yield_row = [
            (l.col, req.positions[l.position].rate / WAD - (req.positions[l.position].deposit_fee_bps / BPS if l.minted else 0.0))
            for l in mine
        ]
        row(0.0, INF, yield_row + [(y, -(f + need) - A * MARGIN)])
        per_op: dict[str, list[int]] = {}
        per_svc: dict[str, list[tuple[int, float]]] = {}
        for l in mine:
            p = req.positions[l.position]
            shared_asset.setdefault(p.asset, []).append((l.col, 1.0))
            if p.operator is not None:
                per_op.setdefault(p.operator, []).append(l.col)
                shared_op.setdefault(p.operator, []).append((l.col, 1.0))
                for e in p.exposure:
                    mag = e.magnitude / WAD
                    per_svc.setdefault(e.service, []).append((l.col, mag))
                    shared_svc.setdefault(e.service, []).append((l.col, mag))
        cap_op = A * m.maxOperatorBps / BPS * (1 - MARGIN)
        for cs in per_op.values():
            row(-INF, 0.0, [(c, 1.0) for c in cs] + [(y, -cap_op)])
        cap_svc = A * m.maxServiceBps / BPS * (1 - MARGIN)
        for es in per_svc.values():
            row(-INF, 0.0, es + [(y, -cap_svc)])
        liquid = [(l.col, 1.0) for l in mine if req.positions[l.position].exit_days <= m.liquidWithinDays]
        if m.minLiquidBps > 0:
            row(0.0, INF, liquid + [(y, -A * m.minLiquidBps / BPS * (1 + MARGIN))])
        # CVaR over the scenarios in which one of its positions loses.
        bound = A * m.maxLossBps / BPS * (1 - MARGIN)
        by_s: dict[int, list[tuple[int, float]]] = {}
        for l in mine:
            for loss in req.scenarios.losses[l.position]:
                by_s.setdefault(loss.scenario, []).append((l.col, loss.fraction / WAD))
        alpha = (BPS - min(m.lossConfidenceBps, BPS)) / BPS
        if alpha <= 0:
            for s, es in by_s.items():
                if req.scenarios.probabilities[s] > 0:
                    row(-INF, 0.0, es + [(y, -bound)])
        elif by_s:
            t = var(0.0, INF, 0.0)
            tail = [(t, 1.0)]
            for s, es in by_s.items():
                u = var(0.0, INF, 0.0)
                # u ≥ loss − t
                row(0.0, INF, [(u, 1.0), (t, 1.0)] + [(c, -v) for c, v in es])
                tail.append((u, req.scenarios.probabilities[s] / WAD / alpha))
            row(-INF, 0.0, tail + [(y, -bound)])
    for shared, caps in (
        (shared_asset, req.capacity.assets),
        (shared_op, req.capacity.operators),
        (shared_svc, req.capacity.services),
    ):
        for key, es in shared.items():
            row(-INF, caps.get(key, 0) / WAD * (1 - MARGIN), es)
    if not ycol:
        return None
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    status = h.getModelStatus()
    # A MILP out of time still has a feasible incumbent worth bidding.
    if status != highspy.HighsModelStatus.kOptimal and not (
        exact and status == highspy.HighsModelStatus.kTimeLimit and h.getInfo().primal_solution_status == 2
    ):
        return None
    values = list(h.getSolution().col_value)
    y = {i: values[c] for i, c in ycol.items()}
    return values, {i: y.get(i, 0.0) for i in range(len(req.intents))}, legs


def _round(req: SolveRequest, i: int, mine, fee_bps: int):
    """Wei amounts whose sum with the fee is the intent's amount, exactly."""
    it = req.intents[i]
    amount = it.intent.amount
    fee = _fee(amount, fee_bps, it.intent.maxFeeBps)
    target = amount - fee
    total = sum(v for _, v in mine)
    if total <= 0:
        return None
    wei = [(leg, int(target * (v / total))) for leg, v in mine]
    wei = [(leg, w) for leg, w in wei if w > 0]
    if not wei:
        return None
    rest = target - sum(w for _, w in wei)
    big = max(range(len(wei)), key=lambda k: wei[k][1])
    wei[big] = (wei[big][0], wei[big][1] + rest)
    return EnginePlan(
        intent=it.id,
        allocations=[EngineAllocation(position=req.positions[leg.position].id, amount=w) for leg, w in wei],
        fee=fee,
    )


def _pack(req: SolveRequest, plans: list[EnginePlan]) -> list[EngineBid]:
    """First fit into at most ``max_bids`` bids within the gas budget."""
    gas_of = {p.id: p.gas for p in req.positions}
    bins: list[tuple[EngineBid, int]] = []
    for plan in plans:
        g = req.gas.per_intent + sum(gas_of[a.position] for a in plan.allocations)
        for n, (bid, used) in enumerate(bins):
            if req.gas.per_settlement + used + g <= req.gas.bid_budget:
                bid.plans.append(plan)
                bins[n] = (bid, used + g)
                break
        else:
            if len(bins) < req.max_bids and req.gas.per_settlement + g <= req.gas.bid_budget:
                bins.append((EngineBid(plans=[plan]), g))
    return [b for b, _ in bins]
