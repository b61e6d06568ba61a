"""Each question is an FSRS card (the `fsrs` package); this module is the only one that imports it.

Cards are kept as the JSON `fsrs.Card.to_json` makes, so a newer `fsrs` reads them back; times
are UTC datetimes for `fsrs` and Unix seconds everywhere else in the store.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any


def utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, tz=UTC)


@lru_cache(maxsize=4)
def scheduler(fuzz: bool = True, parameters: tuple[float, ...] | None = None) -> Any:
    """The FSRS scheduler: its default parameters, or those `tutor progress optimize` fitted to
    this learner (fuzz spreads intervals a little; tests turn it off). Parameters FSRS refuses
    (a hand-edited record) give the defaults."""
    from fsrs import Scheduler

    if parameters is not None:
        try:
            return Scheduler(parameters=parameters, enable_fuzzing=fuzz)
        except (ValueError, TypeError):
            pass
    return Scheduler(enable_fuzzing=fuzz)


def parameters_from(value: Any) -> tuple[float, ...] | None:
    """Fitted parameters as kept in the state (a JSON list of numbers), or None."""
    if isinstance(value, list) and value and all(isinstance(x, int | float) for x in value):
        return tuple(float(x) for x in value)
    return None


def card_id(question: str) -> int:
    """A stable card id for a question (FSRS's optimizer groups review logs by it)."""
    return zlib.crc32(question.encode("utf-8"))


def review(
    card_json: str | None,
    question: str,
    rating: int,
    at: float,
    fuzz: bool = True,
    parameters: tuple[float, ...] | None = None,
) -> tuple[str, float]:
    """The card after a review with `rating` at `at`: (its JSON, when it is due next)."""
    from fsrs import Card, Rating

    card = Card.from_json(card_json) if card_json else Card(card_id=card_id(question), due=utc(at))
    card, _ = scheduler(fuzz, parameters).review_card(card, Rating(rating), review_datetime=utc(at))
    return card.to_json(), card.due.timestamp()


def retrievability(card_json: str, at: float) -> float:
    """The probability, by the FSRS model, that the learner recalls the card at `at` (0..1).

    FSRS's own `get_card_retrievability` counts whole days; this is its forgetting curve on the
    exact time, so that a card reviewed this morning is not the same as one reviewed just now."""
    try:
        data = json.loads(card_json)
        stability, last = data.get("stability"), data.get("last_review")
        if not isinstance(stability, int | float) or stability <= 0 or not isinstance(last, str):
            return 0.0
        elapsed = max(0.0, (at - datetime.fromisoformat(last).timestamp()) / 86400)
    except (ValueError, TypeError, AttributeError):
        return 0.0
    decay = -scheduler(True).parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * elapsed / stability) ** decay)
