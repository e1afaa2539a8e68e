"""APScheduler jobs: open the window, nag, escalate, close, summarize up the hierarchy, purge.

Entry points (stable API, see docs/schedules.md):

- `build_scheduler(deps, manual=False)`: the real AsyncIOScheduler with every job;
- `Deps(db, config, clock)`: what every job receives;
- `plan_day(config, nodes, day)`, `is_checkin_day`: the day's plan (a node's times:
  `core.checkin_times.times_for`);
- `catch_up(deps)`: run what was missed while down (called by `start()`);
- the job functions: `open_window`, `nag`, `escalate`, `close_window`, `summarize`,
  `duty_roll_up`, `retention_purge`, each (deps, day, ids...) and safe to re-run.
"""

from schedules.catchup import catch_up as catch_up
from schedules.deps import Deps as Deps
from schedules.nags import close_window as close_window
from schedules.nags import escalate as escalate
from schedules.nags import nag as nag
from schedules.nags import open_window as open_window
from schedules.plan import Slot as Slot
from schedules.plan import is_checkin_day as is_checkin_day
from schedules.plan import plan_day as plan_day
from schedules.retention import retention_purge as retention_purge
from schedules.scheduler import ClockedScheduler as ClockedScheduler
from schedules.scheduler import PinganScheduler as PinganScheduler
from schedules.scheduler import build_scheduler as build_scheduler
from schedules.summaries import duty_roll_up as duty_roll_up
from schedules.summaries import summarize as summarize
