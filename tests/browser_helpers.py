"""A real headless Chromium for the dashboard tests, driven through Debian's chromedriver.

Selenium talks to the chromedriver that ships with the same Debian chromium build, so the
two never drift apart and nothing is downloaded. Its calls block, so each runs in a worker
thread while the aiohttp app under test keeps serving on the test's own event loop.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = (
    "Debian's chromium and chromium-driver are not installed "
    "(apt-get install -y chromium chromium-driver; .ci/run installs them)"
)
needs_chromium = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason=MISSING)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=zh-CN",
]
PHONE = (390, 844)  # the screenshots' phone (a common one); NARROW is the smallest we fit
NARROW = (360, 780)
DESKTOP = (1280, 900)
STEP_TIMEOUT_S = 10.0


def fontconfig_env(workdir: Path) -> dict[str, str]:
    """The browser's environment with pingan's bundled Noto Sans CJK (noto-cjk-sans-otc)
    added to fontconfig, so pages and screenshots show Chinese on a machine without any
    CJK font package; the system's fonts stay as they are."""
    from schedules.chart import bundled_font_file

    font = bundled_font_file()
    if font is None:
        return dict(os.environ)
    conf = workdir / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{font.parent}</dir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def screenshot_dir(tmp_path: Path) -> Path:
    """Where pictures go: docs/screenshots when PINGAN_SCREENSHOTS names it, else tmp."""
    target = os.environ.get("PINGAN_SCREENSHOTS")
    path = Path(target) if target else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


class Browser:
    """The few things a user does: open a page, read text, type, click, wait, look."""

    def __init__(self, profile: Path, size: tuple[int, int] = PHONE) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        # Both binaries are given: Selenium Manager must not look for (or fetch) others.
        os.environ.setdefault("SE_OFFLINE", "true")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in [*FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}"]:
            options.add_argument(flag)
        profile.mkdir(parents=True, exist_ok=True)
        service = Service(CHROMEDRIVER, env=fontconfig_env(profile))
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_window_size(*size)  # --window-size stops at 500 px wide; this does not
        self.driver.set_page_load_timeout(STEP_TIMEOUT_S * 3)

    async def _run(self, fn, *args):
        return await asyncio.wait_for(asyncio.to_thread(fn, *args), STEP_TIMEOUT_S * 3)

    async def open(self, url: str) -> None:
        await self._run(self.driver.get, url)

    async def text(self, css: str) -> str:
        from selenium.webdriver.common.by import By

        return await self._run(lambda: self.driver.find_element(By.CSS_SELECTOR, css).text)

    async def texts(self, css: str) -> list[str]:
        from selenium.webdriver.common.by import By

        return await self._run(
            lambda: [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css)]
        )

    async def type(self, css: str, text: str, *, submit: bool = False) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        def act() -> None:
            element = self.driver.find_element(By.CSS_SELECTOR, css)
            element.clear()
            element.send_keys(text + (Keys.ENTER if submit else ""))

        await self._run(act)

    async def select(self, css: str, visible_text: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        await self._run(
            lambda: Select(self.driver.find_element(By.CSS_SELECTOR, css)).select_by_visible_text(
                visible_text
            )
        )

    async def click(self, css: str) -> None:
        from selenium.webdriver.common.by import By

        await self._run(lambda: self.driver.find_element(By.CSS_SELECTOR, css).click())

    async def wait_text(self, css: str, needle: str, timeout: float = STEP_TIMEOUT_S) -> str:
        """Poll until an element holding `needle` shows up; fail with what was there.

        A page that is being replaced (a form's redirect) can drop an element between finding
        it and reading its text: that poll counts as nothing seen yet. Chromium says so as a
        stale element, or as an inspector error ("Node with given id does not belong to the
        document") when the node went with the old document.
        """
        from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            try:
                seen = await self.texts(css)
            except StaleElementReferenceException:
                seen = []
            except WebDriverException as error:
                if "does not belong to the document" not in str(error):
                    raise
                seen = []
            for text in seen:
                if needle in text:
                    return text
            await asyncio.sleep(0.1)
        raise AssertionError(f"{needle!r} did not appear in {css!r} within {timeout}s: {seen}")

    @property
    def url(self) -> str:
        return self.driver.current_url

    async def page_width(self) -> tuple[int, int, int]:
        """(the page's scroll width, its visible width, the window's inner width): the first
        is at most the second when nothing sticks out (a scroll bar takes from the second)."""
        return await self._run(
            self.driver.execute_script,
            "const s = document.scrollingElement;"
            "return [s.scrollWidth, s.clientWidth, window.innerWidth]",
        )

    async def overflowing(self, css: str) -> list[str]:
        """The elements matching `css` whose content is wider than their box (a table that
        would scroll sideways inside its wrapper), as tag.class#id."""
        return await self._run(
            self.driver.execute_script,
            "return [...document.querySelectorAll(arguments[0])]"
            ".filter((e) => e.scrollWidth > e.clientWidth + 1)"
            ".map((e) => `${e.tagName.toLowerCase()}.${e.className}#${e.id}`"
            " + ` ${e.scrollWidth}>${e.clientWidth}`)",
            css,
        )

    async def sticking_out(self, width: int) -> list[str]:
        """The innermost elements whose right edge is past `width`: what makes a page wide."""
        return await self._run(
            self.driver.execute_script,
            "const clipped = (e) => { for (let a = e.parentElement; a && a !== document.body;"
            " a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true;"
            " return false; };"
            "return [...document.body.querySelectorAll('*')]"
            ".filter((e) => e.getBoundingClientRect().right > arguments[0] + 0.5 && !clipped(e))"
            ".slice(-5).map((e) => `${e.tagName.toLowerCase()}.${e.className}#${e.id}`"
            " + ` right=${Math.round(e.getBoundingClientRect().right)}`)",
            width,
        )

    async def line_count(self, css: str) -> int:
        """How many lines the first element matching `css` takes (0: none or hidden)."""
        return await self._run(
            self.driver.execute_script,
            "const e = document.querySelector(arguments[0]);"
            "if (!e || !e.offsetHeight) return 0;"
            "return Math.round(e.getClientRects().length);",
            css,
        )

    async def style(self, css: str, prop: str) -> str:
        """The computed CSS property `prop` of the first element matching `css`."""
        return await self._run(
            self.driver.execute_script,
            "return getComputedStyle(document.querySelector(arguments[0]))[arguments[1]]",
            css,
            prop,
        )

    async def field(self, css: str) -> dict[str, str]:
        """The type, value and placeholder of a form field, as the browser holds them."""
        return await self._run(
            self.driver.execute_script,
            "const e = document.querySelector(arguments[0]);"
            "return {type: e.type, value: e.value, placeholder: e.placeholder}",
            css,
        )

    async def delete_cookies(self) -> None:
        await self._run(self.driver.delete_all_cookies)

    async def scroll_to(self, css: str) -> None:
        await self._run(
            self.driver.execute_script,
            f"document.querySelector({css!r}).scrollIntoView({{block: 'start'}})",
        )

    async def screenshot(self, path: Path, *, full_page: bool = True) -> None:
        def shoot() -> None:
            if full_page:
                height = self.driver.execute_script("return document.documentElement.scrollHeight")
                width = self.driver.get_window_size()["width"]
                self.driver.set_window_size(width, min(max(height + 120, 600), 4000))
            self.driver.save_screenshot(str(path))

        await self._run(shoot)

    async def resize(self, size: tuple[int, int]) -> None:
        """Make the page's viewport `size` (the window is larger by its own frame)."""

        def act() -> None:
            self.driver.set_window_size(*size)
            inner = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
            frame = (size[0] - inner[0], size[1] - inner[1])
            if frame != (0, 0):
                self.driver.set_window_size(size[0] + frame[0], size[1] + frame[1])

        await self._run(act)

    def quit(self) -> None:
        self.driver.quit()
