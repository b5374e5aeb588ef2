"""How the oversight pages state a number of days."""
import math
import statistics
from collections.abc import Iterable


def median_days(days: Iterable[int]) -> int:
    """The median of whole days as a whole day. With an even count the median can fall
    between two days (1385.5); people read days, so it is rounded half up (1386), the same way
    whichever side of an even number it falls (Python's round() would go to the even day)."""
    return math.floor(statistics.median(days) + 0.5)
