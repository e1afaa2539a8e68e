"""The demo's config and sample roster ship inside the package (bot/defaults/); the
repository's config.yaml is the template users edit. These tests keep the two saying the same
thing, and the repository's examples/ pointing at the one copy of each sample file."""

from bot.defaults import DEMO_CONFIG, SAMPLE_DUTY, SAMPLE_ROSTER
from core.config import load_config
from tests.conftest import REPO


def test_the_users_template_and_the_demos_config_agree():
    template, bundled = load_config(REPO / "config.yaml"), load_config(DEMO_CONFIG)
    assert template.model_dump(exclude={"roster"}) == bundled.model_dump(exclude={"roster"})
    assert template.resolve(template.roster).samefile(SAMPLE_ROSTER)
    assert bundled.resolve(bundled.roster).samefile(SAMPLE_ROSTER)


def test_the_examples_are_the_packaged_samples_not_copies():
    assert (REPO / "examples" / "roster.csv").samefile(SAMPLE_ROSTER)
    assert (REPO / "examples" / "duty.csv").samefile(SAMPLE_DUTY)
    assert SAMPLE_ROSTER.parent == DEMO_CONFIG.parent
