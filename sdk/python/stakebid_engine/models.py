"""The engine API's bodies as typed dataclasses.

Field names and types mirror ``docs/engine-openapi.json`` (the schemas the
driver's Rust types generate); ``tests/test_models.py`` holds every class
here to its schema, so a field added on one side and not the other fails.
Decimal strings (wei, WAD) become ``int``; parsing refuses anything else
with ``BadRequest`` and a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

WAD = 10**18
BPS = 10_000

_DEC = re.compile(r"^[0-9]{1,78}$")
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
_ADDR = re.compile(r"^0x[0-9a-fA-F]{40}$")


class BadRequest(ValueError):
    """A body that is not what the engine API describes."""


def _get(o: Any, key: str, where: str) -> Any:
    if not isinstance(o, dict):
        raise BadRequest(f"{where} is not an object")
    if key not in o:
        raise BadRequest(f"{where} has no `{key}`")
    return o[key]


def _int(v: Any, where: str, lo: int = 0, hi: int = 2**64 - 1) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise BadRequest(f"{where} is not an integer in [{lo}, {hi}]")
    return v


def _dec(v: Any, where: str) -> int:
    if not isinstance(v, str) or not _DEC.match(v):
        raise BadRequest(f"{where} is not a decimal string")
    return int(v)


def _str(v: Any, where: str, pattern: Optional[re.Pattern] = None) -> str:
    if not isinstance(v, str) or (pattern is not None and not pattern.match(v)):
        raise BadRequest(f"{where} is not a valid string")
    return v


def _list(v: Any, where: str) -> list:
    if not isinstance(v, list):
        raise BadRequest(f"{where} is not an array")
    return v


def _dec_map(v: Any, where: str) -> dict[str, int]:
    if not isinstance(v, dict):
        raise BadRequest(f"{where} is not an object")
    return {_str(k, where): _dec(x, f"{where}.{k}") for k, x in v.items()}


@dataclass
class EngineGas:
    price: int
    per_settlement: int
    per_intent: int
    bid_budget: int


@dataclass
class EngineExposure:
    service: str
    magnitude: int


@dataclass
class EnginePosition:
    id: str
    asset: str
    operator: Optional[str]
    rate: int
    deposit_fee_bps: int
    min_deposit: int
    min_amount: int
    exit_days: int
    gas: int
    exposure: list[EngineExposure]


@dataclass
class EngineCapacity:
    assets: dict[str, int]
    operators: dict[str, int]
    services: dict[str, int]


@dataclass
class EngineLoss:
    scenario: int
    fraction: int


@dataclass
class EngineScenarios:
    probabilities: list[int]
    losses: list[list[EngineLoss]]


@dataclass
class IntentMessage:
    owner: str
    asset: str
    amount: int
    minNetApyBps: int
    maxLossBps: int
    lossConfidenceBps: int
    maxOperatorBps: int
    maxServiceBps: int
    minLiquidBps: int
    liquidWithinDays: int
    maxFeeBps: int
    excludedOperators: list[str]
    nonce: int
    deadline: int


@dataclass
class EngineAllowed:
    position: int
    minted: bool


@dataclass
class EngineIntent:
    id: str
    intent: IntentMessage
    positions: list[EngineAllowed]


@dataclass
class SolveRequest:
    version: int
    auction: int
    deadline_ms: int
    budget_ms: int
    market_hash: str
    gas: EngineGas
    max_bids: int
    min_share_bps: int
    positions: list[EnginePosition]
    capacity: EngineCapacity
    scenarios: EngineScenarios
    intents: list[EngineIntent]


@dataclass
class EngineAllocation:
    position: str
    amount: int


@dataclass
class EngineGuarantee:
    """A delivered-yield guarantee on a plan (docs/guarantee.md)."""

    floorBps: int
    horizonDays: int
    cap: int


@dataclass
class EnginePlan:
    intent: str
    allocations: list[EngineAllocation]
    fee: int
    guarantee: Optional[EngineGuarantee] = None


@dataclass
class EngineBid:
    plans: list[EnginePlan] = field(default_factory=list)


@dataclass
class SolveResponse:
    bids: list[EngineBid] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "bids": [
                {
                    "plans": [_plan_json(p) for p in b.plans]
                }
                for b in self.bids
            ]
        }


def _plan_json(p: EnginePlan) -> dict:
    out: dict = {
        "intent": p.intent,
        "allocations": [{"position": a.position, "amount": str(a.amount)} for a in p.allocations],
        "fee": str(p.fee),
    }
    if p.guarantee is not None:
        g = p.guarantee
        out["guarantee"] = {"floorBps": g.floorBps, "horizonDays": g.horizonDays, "cap": str(g.cap)}
    return out


def _intent_message(o: Any, w: str) -> IntentMessage:
    g = lambda k: _get(o, k, w)  # noqa: E731
    u16 = lambda k: min(_dec(g(k), f"{w}.{k}"), 65_535)  # noqa: E731
    return IntentMessage(
        owner=_str(g("owner"), f"{w}.owner", _ADDR),
        asset=_str(g("asset"), f"{w}.asset", _ADDR),
        amount=_dec(g("amount"), f"{w}.amount"),
        minNetApyBps=u16("minNetApyBps"),
        maxLossBps=u16("maxLossBps"),
        lossConfidenceBps=u16("lossConfidenceBps"),
        maxOperatorBps=u16("maxOperatorBps"),
        maxServiceBps=u16("maxServiceBps"),
        minLiquidBps=u16("minLiquidBps"),
        liquidWithinDays=u16("liquidWithinDays"),
        maxFeeBps=u16("maxFeeBps"),
        excludedOperators=[_str(a, f"{w}.excludedOperators", _ADDR) for a in _list(g("excludedOperators"), w)],
        nonce=_dec(g("nonce"), f"{w}.nonce"),
        deadline=_dec(g("deadline"), f"{w}.deadline"),
    )


def parse_request(o: Any) -> SolveRequest:
    """A ``SolveRequest`` from decoded JSON, or ``BadRequest``."""
    g = lambda k: _get(o, k, "the request")  # noqa: E731
    gas = g("gas")
    positions = []
    for n, p in enumerate(_list(g("positions"), "positions")):
        w = f"positions[{n}]"
        op = _get(p, "operator", w)
        positions.append(
            EnginePosition(
                id=_str(_get(p, "id", w), f"{w}.id"),
                asset=_str(_get(p, "asset", w), f"{w}.asset"),
                operator=None if op is None else _str(op, f"{w}.operator"),
                rate=_dec(_get(p, "rate", w), f"{w}.rate"),
                deposit_fee_bps=_int(_get(p, "deposit_fee_bps", w), f"{w}.deposit_fee_bps", 0, BPS),
                min_deposit=_dec(_get(p, "min_deposit", w), f"{w}.min_deposit"),
                min_amount=_dec(_get(p, "min_amount", w), f"{w}.min_amount"),
                exit_days=_int(_get(p, "exit_days", w), f"{w}.exit_days", 0, 2**32 - 1),
                gas=_int(_get(p, "gas", w), f"{w}.gas"),
                exposure=[
                    EngineExposure(
                        service=_str(_get(e, "service", w), f"{w}.exposure"),
                        magnitude=_dec(_get(e, "magnitude", w), f"{w}.exposure"),
                    )
                    for e in _list(_get(p, "exposure", w), f"{w}.exposure")
                ],
            )
        )
    cap = g("capacity")
    sc = g("scenarios")
    probabilities = [_dec(x, "scenarios.probabilities") for x in _list(_get(sc, "probabilities", "scenarios"), "scenarios.probabilities")]
    losses = []
    for n, per in enumerate(_list(_get(sc, "losses", "scenarios"), "scenarios.losses")):
        w = f"scenarios.losses[{n}]"
        row = []
        for entry in _list(per, w):
            s = _int(_get(entry, "scenario", w), f"{w}.scenario", 0, 2**32 - 1)
            if s >= len(probabilities):
                raise BadRequest(f"{w} names scenario {s}, beyond the {len(probabilities)} listed")
            row.append(EngineLoss(scenario=s, fraction=min(_dec(_get(entry, "fraction", w), f"{w}.fraction"), WAD)))
        losses.append(row)
    if len(losses) != len(positions):
        raise BadRequest("scenarios.losses must have one list per position")
    intents = []
    for n, i in enumerate(_list(g("intents"), "intents")):
        w = f"intents[{n}]"
        allowed = []
        for a in _list(_get(i, "positions", w), f"{w}.positions"):
            k = _int(_get(a, "position", w), f"{w}.positions", 0, 2**32 - 1)
            if k >= len(positions):
                raise BadRequest(f"{w} names position {k}, beyond the {len(positions)} listed")
            minted = _get(a, "minted", w)
            if not isinstance(minted, bool):
                raise BadRequest(f"{w}.positions: `minted` is not a boolean")
            allowed.append(EngineAllowed(position=k, minted=minted))
        intents.append(
            EngineIntent(
                id=_str(_get(i, "id", w), f"{w}.id", _HASH),
                intent=_intent_message(_get(i, "intent", w), f"{w}.intent"),
                positions=allowed,
            )
        )
    return SolveRequest(
        version=_int(g("version"), "version", 0, 2**32 - 1),
        auction=_int(g("auction"), "auction"),
        deadline_ms=_int(g("deadline_ms"), "deadline_ms"),
        budget_ms=_int(g("budget_ms"), "budget_ms"),
        market_hash=_str(g("market_hash"), "market_hash", _HASH),
        gas=EngineGas(
            price=_dec(_get(gas, "price", "gas"), "gas.price"),
            per_settlement=_int(_get(gas, "per_settlement", "gas"), "gas.per_settlement"),
            per_intent=_int(_get(gas, "per_intent", "gas"), "gas.per_intent"),
            bid_budget=_int(_get(gas, "bid_budget", "gas"), "gas.bid_budget"),
        ),
        max_bids=_int(g("max_bids"), "max_bids", 0, 1_000),
        min_share_bps=_int(g("min_share_bps"), "min_share_bps", 0, BPS),
        positions=positions,
        capacity=EngineCapacity(
            assets=_dec_map(_get(cap, "assets", "capacity"), "capacity.assets"),
            operators=_dec_map(_get(cap, "operators", "capacity"), "capacity.operators"),
            services=_dec_map(_get(cap, "services", "capacity"), "capacity.services"),
        ),
        scenarios=EngineScenarios(probabilities=probabilities, losses=losses),
        intents=intents,
    )


@dataclass
class Reason:
    intent: Optional[str]
    code: str
    message: str


@dataclass
class BidResult:
    bid_hash: str
    status: str
    score: Optional[int]
    winner_score: Optional[int]
    gap_bps: Optional[int]
    reasons: list[Reason]


NOTICE_KINDS = ("timeout", "bad_response", "dropped", "committed", "result")
BID_STATUSES = ("won", "lost", "unfair", "rejected", "settlement_failed", "not_revealed")


@dataclass
class Notice:
    """``POST /notify``: ``kind`` says which of the other fields are set."""

    auction: int
    kind: str
    budget_ms: Optional[int] = None
    message: Optional[str] = None
    reasons: list[Reason] = field(default_factory=list)
    bids: list = field(default_factory=list)


def _signed(v: Any, where: str) -> Optional[int]:
    if v is None:
        return None
    if not isinstance(v, str) or not re.match(r"^-?[0-9]{1,78}$", v):
        raise BadRequest(f"{where} is not a decimal string")
    return int(v)


def _reason(o: Any, where: str) -> Reason:
    intent = o.get("intent") if isinstance(o, dict) else None
    return Reason(
        intent=None if intent is None else _str(intent, f"{where}.intent", _HASH),
        code=_str(_get(o, "code", where), f"{where}.code"),
        message=_str(_get(o, "message", where), f"{where}.message"),
    )


def parse_notice(o: Any) -> Notice:
    """A ``Notice`` from decoded JSON, or ``BadRequest``."""
    kind = _get(o, "kind", "the notice")
    if kind not in NOTICE_KINDS:
        raise BadRequest(f"`kind` is none of {', '.join(NOTICE_KINDS)}")
    n = Notice(auction=_int(_get(o, "auction", "the notice"), "auction"), kind=kind)
    if kind == "timeout":
        n.budget_ms = _int(_get(o, "budget_ms", "the notice"), "budget_ms")
    elif kind == "bad_response":
        n.message = _str(_get(o, "message", "the notice"), "message")
    elif kind == "dropped":
        n.reasons = [_reason(r, "reasons") for r in _list(_get(o, "reasons", "the notice"), "reasons")]
    elif kind == "committed":
        n.bids = [_str(b, "bids", _HASH) for b in _list(_get(o, "bids", "the notice"), "bids")]
    else:
        for b in _list(_get(o, "bids", "the notice"), "bids"):
            status = _get(b, "status", "bids")
            if status not in BID_STATUSES:
                raise BadRequest(f"bids: `status` is none of {', '.join(BID_STATUSES)}")
            gap = b.get("gap_bps")
            n.bids.append(
                BidResult(
                    bid_hash=_str(_get(b, "bid_hash", "bids"), "bids.bid_hash", _HASH),
                    status=status,
                    score=_signed(b.get("score"), "bids.score"),
                    winner_score=_signed(b.get("winner_score"), "bids.winner_score"),
                    gap_bps=None if gap is None else _int(gap, "bids.gap_bps", -(2**63), 2**63 - 1),
                    reasons=[_reason(r, "bids.reasons") for r in _list(_get(b, "reasons", "bids"), "bids.reasons")],
                )
            )
    return n
