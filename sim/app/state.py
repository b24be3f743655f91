"""What one browser session holds (``st.session_state``; two tabs never share it).

Keys:

``library``
    Scenario name -> :class:`sim.app.library.Entry`: the shipped scenarios, then what the
    session uploaded or built.
``draft``
    The scenario being built: :class:`Draft`.
``run``
    The last comparison: :class:`RunRecord`, or absent.
``psa``
    The last sensitivity analysis of that run, or absent.
``downloads``
    Files prepared from that run (:class:`sim.app.funding_case.Downloads`), or absent.

The functions take the session state as a plain mapping, so they are tested without
Streamlit.
"""

from __future__ import annotations

import copy
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

import sim
from sim.app.library import Entry, load_shipped
from sim.app.running import Settings

NEW_NAME = "my_scenario"


@dataclass
class Draft:
    """The scenario being built: the data it started from and where that came from.

    ``version`` grows each time a scenario is loaded into the builder, so that the page's
    widgets (keyed by it) start again from the loaded values.
    """

    base: dict[str, Any]
    entry: Entry
    version: int = 0


@dataclass
class RunRecord:
    """A finished comparison and how it was asked for."""

    result: sim.RunResult
    settings: Settings
    sources: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def init(session: MutableMapping[str, Any]) -> None:
    """Fill a new session: the shipped scenarios, and a draft of the first of them."""
    if "library" not in session:
        entries, problems = load_shipped()
        session["library"] = entries
        session["shipped_problems"] = problems
    if "draft" not in session and session["library"]:
        start = "cpft_one_car" if "cpft_one_car" in session["library"] else \
            next(iter(session["library"]))
        load_draft(session, session["library"][start])


def load_draft(session: MutableMapping[str, Any], entry: Entry) -> Draft:
    """Start building from ``entry`` (its widgets start again from its values)."""
    old = session.get("draft")
    version = old.version + 1 if isinstance(old, Draft) else 0
    draft = Draft(base=copy.deepcopy(entry.scenario.to_dict()), entry=entry, version=version)
    session["draft"] = draft
    return draft


def library(session: MutableMapping[str, Any]) -> dict[str, Entry]:
    return session.setdefault("library", {})


def add(session: MutableMapping[str, Any], entry: Entry) -> str | None:
    """Add a scenario to the library; a message instead when its name is taken by a
    scenario of another origin (a built one replaces a built one of the same name)."""
    lib = library(session)
    name = entry.scenario.name
    old = lib.get(name)
    if old is not None and not (old.origin == entry.origin and entry.origin != "shipped"):
        where = f" ({old.file})" if old.file else ""
        return (f"scenario name {name!r} is also used by the {old.origin} scenario{where}; "
                "give this one another name")
    lib[name] = entry
    return None


def sources(session: MutableMapping[str, Any], names: list[str]) -> dict[str, str]:
    """Where each scenario came from, for the results' manifest."""
    out = {}
    for name in names:
        entry = library(session)[name]
        if entry.origin == "shipped" and entry.file:
            out[name] = f"scenarios/{entry.file}"
        elif entry.origin == "uploaded":
            out[name] = f"uploaded in the planner app: {entry.file}"
        else:
            out[name] = "built in the planner app"
    return out


def forget_run(session: MutableMapping[str, Any]) -> None:
    """Drop the last run and what was made from it."""
    for key in ("run", "psa", "downloads"):
        session.pop(key, None)
