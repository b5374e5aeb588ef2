"""Doing a journey by keyboard alone: Tab to reach things, keys to operate them.

Every helper moves focus with the Tab key until the wanted element has it (failing if it
never does, which is what a keyboard user would meet), then uses only keys: typing, Space for
a checkbox, arrow keys for radios and selects, Enter for links, buttons and summaries. Nothing
here clicks, fills or checks through the DOM. Assertions stay with the tests.
"""
from playwright.sync_api import Locator, Page

MAX_TABS = 400


class Keyboard:
    def __init__(self, page: Page):
        self.page = page

    def _focused(self, target: Locator) -> bool:
        return target.evaluate("el => el === document.activeElement")

    def reach(self, target: Locator, backwards: bool = False) -> Locator:
        """Press Tab (or Shift+Tab) until `target` has focus."""
        target = target.first
        target.wait_for(state="visible")
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(MAX_TABS):
            if self._focused(target):
                return target
            self.page.keyboard.press(key)
        raise AssertionError(f"Tab never reached {target}")

    def type(self, target: Locator, text: str) -> None:
        self.reach(target)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def date(self, legend: str, value, within: Locator | None = None) -> None:
        """The day, month and year boxes of the date input named by its legend."""
        group = (within or self.page).get_by_role("group", name=legend, exact=True)
        for part, text in (("Day", value.day), ("Month", value.month), ("Year", value.year)):
            self.type(group.get_by_label(part), str(text))

    def tick(self, checkbox: Locator) -> None:
        self.reach(checkbox)
        if not checkbox.first.is_checked():
            self.page.keyboard.press("Space")

    def choose(self, radio: Locator) -> None:
        """Tab into the radio group, then arrow down to the wanted option (which selects it)."""
        radio = radio.first
        name = radio.get_attribute("name")
        group = self.page.locator(f"input[type=radio][name='{name}']")
        for _ in range(MAX_TABS):
            if group.evaluate_all("els => els.includes(document.activeElement)"):
                break
            self.page.keyboard.press("Tab")
        else:
            raise AssertionError(f"Tab never reached the radios named {name}")
        if self._focused(radio):
            if not radio.is_checked():
                self.page.keyboard.press("Space")
            return
        for _ in range(group.count() + 1):
            self.page.keyboard.press("ArrowDown")  # moves to the next option and selects it
            if radio.is_checked():
                return
        raise AssertionError(f"arrow keys never selected {radio}")

    def select(self, select: Locator, label: str) -> None:
        """Arrow through a closed select until the option with `label` is chosen."""
        select = self.reach(select)
        options = select.locator("option").all_inner_texts()
        wanted = [o.strip() for o in options].index(label)
        current = select.evaluate("el => el.selectedIndex")
        key = "ArrowDown" if wanted > current else "ArrowUp"
        for _ in range(abs(wanted - current)):
            self.page.keyboard.press(key)
        chosen = select.evaluate("el => el.options[el.selectedIndex].text").strip()
        assert chosen == label, f"the keyboard chose {chosen!r}, not {label!r}"

    def press(self, target: Locator, navigates: bool = True) -> None:
        """Follow a link or submit a form with Enter, waiting for the next page; with
        navigates=False (a summary, a button handled in the page) just press it."""
        self.reach(target)
        if not navigates:
            self.page.keyboard.press("Enter")
            return
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def skip_to_main(self) -> None:
        """The first Tab on a page reaches the skip link; Enter moves focus into the page."""
        self.page.keyboard.press("Tab")
        skip = self.page.get_by_role("link", name="Skip to main content")
        assert self._focused(skip), "the skip link is not the first thing Tab reaches"
        self.page.keyboard.press("Enter")
