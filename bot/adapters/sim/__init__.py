"""The embedded simulator: class and counselor groups filled from the roster, simulated
students who reply in free text on a controllable clock, and a transport that records what
the bot sends. It is the default adapter and the harness for everything platform-neutral."""

from bot.adapters.sim.adapter import SimAdapter as SimAdapter
from bot.adapters.sim.campus import SimCampus as SimCampus
from bot.adapters.sim.transcript import Line as Line
from bot.adapters.sim.transcript import Transcript as Transcript
from bot.adapters.sim.transport import SimTransport as SimTransport
