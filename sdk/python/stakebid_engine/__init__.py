"""stakebid's reference solver engine.

The driver (``stakebid solver run --engine URL``) does everything
protocol-specific; this package only solves: ``POST /solve`` receives one
round (``models.SolveRequest``: the batch with every limit, the resolved
positions, the capacity left, the scenarios) and answers bids
(``models.SolveResponse``); ``POST /notify`` hears what became of them.

Data flow::

    JSON ──models.parse──▶ SolveRequest ──lp.solve──▶ plans (wei, exact sums)
         ──pack──▶ bids within the gas budget ──▶ JSON
"""

__all__ = ["models", "lp", "server"]
