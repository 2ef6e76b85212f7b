"""The dated-version rules, checked against a day-by-day model of the same statements."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from stdreg import timeline
from stdreg.models import OPEN_END
from stdreg.timeline import Version

DAYS = st.integers(min_value=0, max_value=30)
START = dt.date(2010, 1, 1)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def apply(versions: list[Version], plan: timeline.Plan, next_id: list[int]) -> list[Version]:
    by_id = {v.id: v for v in versions}
    for gone in plan.deletes:
        del by_id[gone]
    for changed in plan.updates:
        by_id[changed.id] = Version(
            changed.id, changed.valid_from, changed.valid_to, changed.values, changed.stated
        )
    for new in plan.inserts:
        next_id[0] += 1
        by_id[next_id[0]] = Version(next_id[0], new.valid_from, new.valid_to, new.values, new.stated)
    return sorted(by_id.values(), key=lambda v: v.valid_from)


def value_on(versions: list[Version], on: dt.date) -> tuple[object, ...] | None:
    held = [v for v in versions if v.valid_from <= on < v.valid_to]
    assert len(held) <= 1, "versions overlap"
    return held[0].values if held else None


statements = st.lists(
    st.tuples(st.sampled_from(["state", "drop"]), DAYS, st.sampled_from([None, "A", "B", "C"])),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300)
@given(statements)
def test_statements_in_date_order_match_a_day_by_day_model(steps):
    """Stated on D, a value holds from D until the next statement; dropped on D, nothing holds."""
    steps = sorted(steps, key=lambda s: s[1])
    versions: list[Version] = []
    ids = [0]
    model: dict[int, tuple[object, ...] | None] = {}
    for kind, when, value in steps:
        if kind == "state":
            plan = timeline.state(versions, day(when), (value,))
        else:
            plan = timeline.drop(versions, day(when))
        versions = apply(versions, plan, ids)
        for n in range(when, 40):
            before = model.get(n)
            if kind == "drop":
                model[n] = None
            elif before is None:
                model[n] = (value,)
            else:
                model[n] = timeline.merge_values(before, (value,))
    for n in range(40):
        assert value_on(versions, day(n)) == model.get(n), n


@settings(max_examples=300)
@given(statements)
def test_versions_never_overlap_in_any_order(steps):
    versions: list[Version] = []
    ids = [0]
    for kind, when, value in steps:
        plan = (
            timeline.state(versions, day(when), (value,))
            if kind == "state"
            else timeline.drop(versions, day(when))
        )
        versions = apply(versions, plan, ids)
        for n in range(40):
            value_on(versions, day(n))
        assert all(v.valid_from < v.valid_to for v in versions)


@given(DAYS, st.integers(min_value=1, max_value=30))
def test_an_earlier_statement_leaves_the_later_one_alone(earlier, gap):
    later = earlier + gap
    versions = apply([], timeline.state([], day(later), ("later",)), [0])
    versions = apply(versions, timeline.state(versions, day(earlier), ("earlier",)), [10])
    assert value_on(versions, day(later)) == ("later",)
    assert value_on(versions, day(later - 1)) == ("earlier",)
    assert value_on(versions, day(earlier)) == ("earlier",)


def test_a_complete_listing_caps_a_fact_learned_later():
    plan = timeline.state([], day(1), (), cap=day(5))
    assert [(v.valid_from, v.valid_to) for v in plan.inserts] == [(day(1), day(5))]
    assert timeline.state([], day(1), ()).inserts[0].valid_to == OPEN_END


def test_restating_the_same_values_is_unchanged():
    versions = apply([], timeline.state([], day(1), ("A",)), [0])
    assert timeline.state(versions, day(3), ("A",)).outcome == timeline.UNCHANGED
    assert timeline.state(versions, day(3), (None,)).outcome == timeline.UNCHANGED


# Two fields, each given or left blank (None: unknown), and drops; each on a day of its own.
events = st.lists(
    st.tuples(
        st.sampled_from(["state", "state", "drop"]),
        st.sampled_from([None, "A", "B"]),
        st.sampled_from([None, 1, 2]),
    ),
    min_size=1,
    max_size=8,
).flatmap(
    lambda steps: st.tuples(
        st.just(steps),
        st.lists(DAYS, min_size=len(steps), max_size=len(steps), unique=True),
        st.permutations(range(len(steps))),
    )
)


def _replay(steps, days, order):
    """Apply the steps in this order; drops are remembered as the register remembers complete listings."""
    versions: list[Version] = []
    ids = [0]
    listings: list[int] = []
    for i in order:
        kind, first, second = steps[i]
        if kind == "state":
            cap = min((day(n) for n in listings if n > days[i]), default=OPEN_END)
            plan = timeline.state(versions, day(days[i]), (first, second), cap=cap)
        else:
            listings.append(days[i])
            plan = timeline.drop(versions, day(days[i]))
        versions = apply(versions, plan, ids)
    return versions


@settings(max_examples=500)
@given(events)
def test_the_order_of_arrival_does_not_change_any_day(case):
    """Statements and drops of different days give the same versions' values on every day, in any order."""
    steps, days, order = case
    in_date_order = sorted(range(len(steps)), key=lambda i: days[i])
    expected = _replay(steps, days, in_date_order)
    arrived = _replay(steps, days, list(order))
    for n in range(40):
        assert value_on(arrived, day(n)) == value_on(expected, day(n)), n


@settings(max_examples=300)
@given(events)
def test_in_date_order_each_value_is_the_latest_given_since_the_fact_began(case):
    """The day-by-day meaning: a blank keeps what an earlier statement gave, until a drop."""
    steps, days, _ = case
    by_day = {days[i]: steps[i] for i in range(len(steps))}
    versions = _replay(steps, days, sorted(range(len(steps)), key=lambda i: days[i]))
    current: list[object] | None = None
    for n in range(40):
        kind, first, second = by_day.get(n, (None, None, None))
        if kind == "drop":
            current = None
        elif kind == "state":
            current = [first, second] if current is None else current
            current = [
                first if first is not None else current[0],
                second if second is not None else current[1],
            ]
        assert value_on(versions, day(n)) == (tuple(current) if current is not None else None), n


def test_a_late_earlier_statement_fills_what_the_later_one_left_blank():
    # the 2014 return left the township blank; the 2013 return, arriving after it, gave it
    later = apply([], timeline.state([], day(20), ("name", None)), [0])
    both = apply(later, timeline.state(later, day(10), ("name", "湖镇镇")), [10])
    assert value_on(both, day(25)) == ("name", "湖镇镇")
    # and a later statement that gave the township keeps its own
    said = apply([], timeline.state([], day(20), ("name", "龙洲街道")), [0])
    both = apply(said, timeline.state(said, day(10), ("name", "湖镇镇")), [10])
    assert value_on(both, day(25)) == ("name", "龙洲街道")
    assert value_on(both, day(15)) == ("name", "湖镇镇")
