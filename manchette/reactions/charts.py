"""The reactions per day of an article, as the shared stacked-bar chart draws it
(manchette.core.charts): one colour per kind of reaction."""

from __future__ import annotations

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from manchette.core.charts import series_colour, stacked_bars_svg
from manchette.reactions.models import ReactionKind
from manchette.reactions.selectors import DayTally


def kind_colour(index: int) -> str:
    return series_colour(index)


def reactions_chart_svg(
    *, kinds: list[ReactionKind], days: list[DayTally]
) -> SafeString:
    return stacked_bars_svg(
        title=_("Réactions par jour"),
        css_class="reactions-chart",
        series=[kind.label for kind in kinds],
        days=[(day.day, day.counts) for day in days],
    )
