"""The APScheduler private code that schedules/scheduler.py copies is the code installed.

`ClockedScheduler._process_jobs` is a copy of APScheduler 3.x's, reading the time from our
clock, and it calls two private Job methods. APScheduler is pinned to the exact version this
copy was made from; should the pin be moved without re-reading the upstream code, these
fingerprints fail and say which function to compare.
"""

from __future__ import annotations

import hashlib
import inspect
from importlib.metadata import version

import pytest
from apscheduler.job import Job
from apscheduler.schedulers.base import BaseScheduler

from schedules.scheduler import ClockedScheduler

#: sha256 (first 16 hex digits) of each upstream function's source, APScheduler 3.11.3.
UPSTREAM = {
    "BaseScheduler._process_jobs": (BaseScheduler._process_jobs, "efd3944de4e2c69e"),
    "Job._modify": (Job._modify, "e222f8aad3cd688a"),
    "Job._get_run_times": (Job._get_run_times, "0b6c985b4db8fd1c"),
}


def fingerprint(func) -> str:
    return hashlib.sha256(inspect.getsource(func).encode()).hexdigest()[:16]


def test_the_installed_apscheduler_is_the_pinned_one():
    assert version("apscheduler") == "3.11.3"


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_upstream_private_code_is_unchanged(name):
    func, expected = UPSTREAM[name]
    assert fingerprint(func) == expected, (
        f"APScheduler's {name} changed: compare it with ClockedScheduler._process_jobs "
        "in schedules/scheduler.py, then update the copy and this fingerprint"
    )


def test_only_process_jobs_is_overridden_among_private_methods():
    """Everything else the scheduler changes goes through APScheduler's public API."""
    own = {
        name
        for name in vars(ClockedScheduler)
        if name.startswith("_")
        and not name.startswith("__")
        and callable(getattr(BaseScheduler, name, None))
    }
    assert own == {"_process_jobs"}
