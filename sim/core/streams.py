"""Named random streams: the one place where randomness is created.

Replication ``r`` of *every* scenario draws from streams derived only from
``(seed, r, stream name)``::

    SeedSequence(seed, spawn_key=(r, name_key(name)))

which is the child ``SeedSequence(seed).spawn(...)[r]`` would give, spawned once more by
a stable hash of the stream's name. Streams are addressed by name, never by position,
so adding a stream never shifts the numbers of another, and nothing depends on the
worker, the job order or the scenario: scenarios run with the same seed see the same
calls (common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np

STREAM_NAMES: tuple[str, ...] = (
    "mh_arrival_counts",  # Poisson count of calls in each hour
    "mh_arrival_offsets",  # position of each call within its hour
    "call_type",  # case-mix type of each call
    "u_s136",  # uniform deciding a Section 136 detention (both pathways)
    "u_ae",  # uniform deciding an A&E conveyance (both pathways)
    "u_screen",  # uniform deciding whether a call is passed to the control room
    "u_deploy",  # uniform deciding whether phone advice resolves a call (no deployment)
    "control_room.handling_minutes",  # a practitioner's time on the call
    "standard.travel_minutes",
    "standard.on_scene_minutes",
    "standard.s136_hours",
    "standard.ae_wait_hours",
    "car.travel_minutes",
    "car.on_scene_minutes",
    "car.s136_handover_hours",
    "car.ae_handover_hours",
    "pathway.u_ambulance",  # uniform deciding conveyance by ambulance (else police)
    "pathway.ambulance_wait_hours",
    "pathway.travel_minutes",
    "pathway.handover_minutes",
    "pathway.bed_hours",
    "pathway.u_divert",  # uniform deciding a divert's destination (custody or A&E)
    "pathway.ae_hours",
    "pathway.custody_hours",
    "pathway.u_ae_first",  # uniform deciding A&E as the first place of safety (medical)
    "other_arrival_counts",
    "other_arrival_offsets",
    "other_job_minutes",
)
"""Every stream the model uses (recorded in each run's manifest)."""


def name_key(name: str) -> int:
    """A stable 64-bit integer for a stream name (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class Streams:
    """The random generators of one replication, created on first use by name."""

    __slots__ = ("seed", "replication", "_generators")

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            if name not in STREAM_NAMES:
                raise KeyError(f"unknown random stream {name!r}; add it to STREAM_NAMES")
            seq = np.random.SeedSequence(self.seed, spawn_key=(self.replication, name_key(name)))
            gen = self._generators[name] = np.random.Generator(np.random.PCG64(seq))
        return gen
