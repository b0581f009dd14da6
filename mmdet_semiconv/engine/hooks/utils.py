"""What the hooks need to know about how a training starts."""
from typing import NamedTuple, Optional


class RunStart(NamedTuple):
    resume: bool  #: ``--resume`` / ``resume=True``: continue this work dir's last checkpoint
    load_from: Optional[str]  #: the weights to start from (or to resume, with ``resume``)


def run_start(runner) -> RunStart:
    """``resume`` and ``load_from`` as the runner was given them.

    mmengine keeps them only as the private ``_resume`` and ``_load_from``. ``runner.cfg``
    is not a substitute: it is empty when the Runner is built with keyword arguments rather
    than from a config, which would make a resumed training look fresh.
    """
    return RunStart(bool(runner._resume), runner._load_from)
