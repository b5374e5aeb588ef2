"""NHS component macros drawn once for the same parameters, then remembered.

Every page draws the NHS header, and every list its filter form, with the same parameters as the
page before for the same person: the header's links, the person's name, the page they are on.
The macros are pure (the same parameters always draw the same markup) and each costs a
millisecond or two, more than the rest of a short page. So `drawn("header", params)` keeps what
a macro drew for the most recent sets of parameters (SIZE), in this process only.

Only for components whose parameters hold no personal data about the people in Pathways (the
header names the signed-in member of staff; filters name regions, routes and kinds; the
oversight pages' tables hold programme-wide counts with small numbers suppressed): a form or a
list that carries someone's details is drawn afresh every time.
"""
import json
import threading
from collections import OrderedDict

from markupsafe import Markup

SIZE = 1024     # entries; the largest (an oversight table) is some 10 KB


def macro_name(component: str) -> str:
    """"error-summary" -> "errorSummary", as nhsuk-frontend-jinja names its macros."""
    first, *rest = component.split("-")
    return first + "".join(part.capitalize() for part in rest)


class Drawn:
    def __init__(self, environment, size: int = SIZE):
        self.environment, self.size = environment, size
        self._kept: OrderedDict[str, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def _macro(self, component: str):
        if component == "table":    # ours: the NHS table's markup (templates/macros/tables.jinja)
            return self.environment.get_template("macros/tables.jinja").module.table
        module = self.environment.get_template(f"nhsuk/components/{component}/macro.jinja").module
        return getattr(module, macro_name(component))

    def __call__(self, component: str, params: dict) -> Markup:
        key = component + json.dumps(params, sort_keys=True, default=str)
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        drawn = Markup(self._macro(component)(params))  # noqa: S704 (the macro's own output)
        with self._lock:
            self._kept[key] = drawn
            if len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return drawn
