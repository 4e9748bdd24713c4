"""One patient's pathway on a time axis, as SVG drawn with drawsvg (an SVG library: elements,
escaping and attributes are its job, not string building here).

What is drawn (`Timeline`): stage and surveillance-track periods as bands at the top; one row
per rule and kind, each obligation a bar from its heads-up to its due date, then on to what
closed it (the act, a cancellation, `defaulted`) or to the end of the window; reminders as
ticks on their row, shaped by rung (circle: heads-up, square: due, triangle: overdue; a taller
one for the escalation to the coordinator), so colour is never the only cue; events as marks
on their own row (hollow: simulated); today as a dashed line. Every shape carries a French
`<title>`, the picture a `<title>` and `<desc>` (screen readers, tooltips).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import drawsvg as dw
from babel.dates import format_date as babel_date

from rendering import format_date, label

WIDTH = 1100
LABEL_WIDTH = 250
RIGHT = 20
ROW = 26
BAND = 22
TOP = 34
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK = "#1f2328"
GRID = "#d0d7de"
COLOURS = {
    "window": "#9ec5fe", "window_edge": "#0a58ca", "overdue": "#f5c2c7", "overdue_edge": "#b02a37",
    "satisfied": "#146c43", "cancelled": "#6c757d", "defaulted": "#842029", "today": "#6f42c1",
    "heads_up": "#0a58ca", "due": "#9a4a00", "overdue_tick": "#b02a37",
    "stage": ("#e2e3e5", "#cfe2ff", "#d1e7dd", "#fff3cd"), "track": "#e0cffc",
}


@dataclass(frozen=True)
class Bar:
    row: str
    start: date
    """The heads-up day (the due date when the kind has none)."""
    due: date
    closed: date | None
    """The day it was satisfied, cancelled or defaulted (None: still open at the window's end)."""
    outcome: str
    """`satisfied`, `cancelled`, `defaulted` or `open`."""
    title: str


@dataclass(frozen=True)
class Tick:
    row: str
    on: date
    rung: str
    """`heads_up`, `due` or `overdue_N`."""
    escalated: bool
    title: str


@dataclass(frozen=True)
class Mark:
    on: date
    title: str
    simulated: bool = False


@dataclass(frozen=True)
class Band:
    lane: str
    """`stage` or `track`."""
    name: str
    start: date
    end: date | None


@dataclass(frozen=True)
class Timeline:
    title: str
    start: date
    end: date
    rows: tuple[str, ...]
    """Row labels, top to bottom (a bar or tick names its row by label)."""
    bars: tuple[Bar, ...] = ()
    ticks: tuple[Tick, ...] = ()
    marks: tuple[Mark, ...] = ()
    bands: tuple[Band, ...] = ()
    today: date | None = None
    description: str = ""
    open_until: date | None = None
    """How far an open obligation's late part runs: today for a followed patient (the default),
    the horizon for a simulation."""


def render_svg(timeline: Timeline) -> str:
    """The picture as an inline `<svg>` element (no XML header), `WIDTH` pixels wide."""
    scale = _Scale(timeline.start, timeline.end)
    lanes = sorted({b.lane for b in timeline.bands}, key=("stage", "track").index)
    rows_top = TOP + len(lanes) * (BAND + 4) + 8
    events_y = rows_top + len(timeline.rows) * ROW
    height = events_y + ROW + 16
    d = dw.Drawing(WIDTH, height, id_prefix="tl", role="img", aria_labelledby="tl-title tl-desc",
                   font_family=FONT, font_size=12)
    d.append(dw.Title(timeline.title, id="tl-title"))
    d.append(_Desc(timeline.description, id="tl-desc"))
    d.append(dw.Rectangle(0, 0, WIDTH, height, fill="white"))
    _axis(d, scale, height)
    for index, lane in enumerate(lanes):
        _bands(d, scale, [b for b in timeline.bands if b.lane == lane], TOP + index * (BAND + 4), lane)
    positions = {name: rows_top + i * ROW for i, name in enumerate(timeline.rows)}
    for name, y in positions.items():
        d.append(dw.Line(LABEL_WIDTH, y + ROW, WIDTH - RIGHT, y + ROW, stroke=GRID, stroke_width=0.5))
        d.append(dw.Text(name, 12, 8, y + ROW / 2 + 4, fill=INK))
    window_end = date.fromordinal(scale.start.toordinal() + scale.days)
    open_until = min(timeline.open_until or timeline.today or window_end, window_end)
    for bar in timeline.bars:
        _bar(d, scale, bar, positions[bar.row], open_until)
    for tick in timeline.ticks:
        _tick(d, scale, tick, positions[tick.row])
    d.append(dw.Text("Événements", 12, 8, events_y + ROW / 2 + 4, fill=INK, font_weight="bold"))
    for mark in timeline.marks:
        _mark(d, scale, mark, events_y)
    if timeline.today is not None and timeline.start <= timeline.today <= timeline.end:
        x = scale.x(timeline.today)
        line = dw.Line(x, TOP - 6, x, height - 8, stroke=COLOURS["today"], stroke_width=2, stroke_dasharray="6 4")
        line.append_title(f"Aujourd'hui, {format_date(timeline.today)}")
        d.append(line)
        d.append(dw.Text("Aujourd'hui", 11, x + 4, height - 10, fill=COLOURS["today"]))
    return d.as_svg(header="")


class _Desc(dw.Title):
    """SVG's `<desc>`: the longer text alternative screen readers read after the title."""

    TAG_NAME = "desc"


class _Scale:
    def __init__(self, start: date, end: date) -> None:
        self.start, self.days = start, max((end - start).days, 1)

    def x(self, day: date) -> float:
        offset = min(max((day - self.start).days, 0), self.days)
        return round(LABEL_WIDTH + offset * (WIDTH - RIGHT - LABEL_WIDTH) / self.days, 1)


def _axis(d: dw.Drawing, scale: _Scale, height: int) -> None:
    """A gridline each quarter, labelled `janv. 2027`; the year's first in bold."""
    day = date(scale.start.year, ((scale.start.month - 1) // 3) * 3 + 1, 1)
    end = scale.start.toordinal() + scale.days
    while day.toordinal() <= end:
        x = scale.x(day)
        if day >= scale.start and x < WIDTH - RIGHT - 40:
            d.append(dw.Line(x, TOP - 4, x, height - 24, stroke=GRID, stroke_width=1 if day.month == 1 else 0.5))
            d.append(dw.Text(babel_date(day, "MMM y", locale="fr"), 11, x + 2, 14, fill=INK,
                             font_weight="bold" if day.month == 1 else "normal"))
        month = day.month + 3
        day = date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _bands(d: dw.Drawing, scale: _Scale, bands: list[Band], y: float, lane: str) -> None:
    d.append(dw.Text("Stade" if lane == "stage" else "Surveillance", 12, 8, y + BAND / 2 + 4, fill=INK,
                     font_weight="bold"))
    for index, band in enumerate(bands):
        x0, x1 = scale.x(band.start), scale.x(band.end or date.fromordinal(scale.start.toordinal() + scale.days))
        fill = COLOURS["track"] if lane == "track" else COLOURS["stage"][index % len(COLOURS["stage"])]
        rect = dw.Rectangle(x0, y, max(x1 - x0, 1), BAND, fill=fill, stroke=INK, stroke_width=0.5)
        until = f" au {format_date(band.end)}" if band.end else ""
        rect.append_title(f"{band.name} : du {format_date(band.start)}{until}")
        d.append(rect)
        if x1 - x0 > 6.5 * len(band.name) + 8:  # a name that does not fit is in the band's title
            d.append(dw.Text(band.name, 11, x0 + 4, y + BAND / 2 + 4, fill=INK))


def _bar(d: dw.Drawing, scale: _Scale, bar: Bar, y: float, open_until: date) -> None:
    """The window (heads-up to due) and the late part (due to the close; for an open one, to
    today or the end of the picture), each cut at the close: an obligation satisfied or
    cancelled early shows its mark alone."""
    top, height = y + 7, ROW - 14
    closed = bar.closed or open_until
    window_end = bar.due if bar.closed is None else min(bar.due, closed)
    if window_end > bar.start or (window_end == bar.start and closed >= bar.due):
        x0 = scale.x(bar.start)
        window = dw.Rectangle(x0, top, max(scale.x(window_end) - x0, 2), height, fill=COLOURS["window"],
                              stroke=COLOURS["window_edge"], stroke_width=0.8)
        window.append_title(bar.title)
        d.append(window)
    if closed > bar.due and bar.outcome != "cancelled":
        xd = scale.x(bar.due)
        late = dw.Rectangle(xd, top, max(scale.x(closed) - xd, 1), height, fill=COLOURS["overdue"],
                            stroke=COLOURS["overdue_edge"], stroke_width=0.8)
        late.append_title(bar.title + " (en retard)")
        d.append(late)
    if bar.closed is None:
        return
    x, mid = scale.x(bar.closed), y + ROW / 2
    if bar.outcome == "satisfied":
        done = dw.Circle(x, mid, 5, fill=COLOURS["satisfied"], stroke="white", stroke_width=1)
        done.append_title(f"{bar.title} : réalisé le {format_date(bar.closed)}")
        d.append(done)
    elif bar.outcome == "defaulted":
        cross = dw.Path(stroke=COLOURS["defaulted"], stroke_width=2.5).M(x - 5, mid - 5).L(x + 5, mid + 5) \
            .M(x - 5, mid + 5).L(x + 5, mid - 5)
        cross.append_title(f"{bar.title} : abandonné (plus de relance) le {format_date(bar.closed)}")
        d.append(cross)
    elif bar.outcome == "cancelled":
        stop = dw.Rectangle(x - 1.5, top - 2, 3, height + 4, fill=COLOURS["cancelled"])
        stop.append_title(f"{bar.title} : annulé le {format_date(bar.closed)}")
        d.append(stop)


def _tick(d: dw.Drawing, scale: _Scale, tick: Tick, y: float) -> None:
    x, base = scale.x(tick.on), y + ROW - 2
    if tick.rung == "heads_up":
        shape = dw.Circle(x, base - 3, 3, fill=COLOURS["heads_up"])
    elif tick.rung == "due":
        shape = dw.Rectangle(x - 3, base - 6, 6, 6, fill=COLOURS["due"])
    else:
        size = 9 if tick.escalated else 6
        shape = dw.Lines(x - size / 2, base, x + size / 2, base, x, base - size - (4 if tick.escalated else 0),
                         close=True, fill=COLOURS["overdue_tick"])
    shape.append_title(tick.title)
    d.append(shape)


def _mark(d: dw.Drawing, scale: _Scale, mark: Mark, y: float) -> None:
    x, mid = scale.x(mark.on), y + ROW / 2
    diamond = dw.Lines(x, mid - 6, x + 5, mid, x, mid + 6, x - 5, mid, close=True,
                       fill="white" if mark.simulated else INK, stroke=INK, stroke_width=1.2)
    diamond.append_title(mark.title)
    d.append(diamond)


def legend() -> list[tuple[str, str]]:
    """(symbol, French meaning) for the page beside the picture."""
    return [
        ("barre bleue", "de l'envoi du préavis à l'échéance"),
        ("barre rouge", "en retard : de l'échéance à l'acte, à l'abandon ou à la fin de la période"),
        ("rond vert", "réalisé (l'acte qui l'a satisfait)"),
        ("croix", "abandonné : dernière relance envoyée, plus aucune ensuite"),
        ("trait gris", "annulé (changement de stade ou de traitement)"),
        ("petit rond bleu", "rappel de préavis"),
        ("petit carré", "rappel le jour de l'échéance"),
        ("triangle rouge", "relance (le grand : transmise à la coordination du CRC)"),
        ("losange plein / vide", "événement enregistré / acte simulé"),
        ("ligne violette pointillée", "aujourd'hui"),
    ]


def row_label(rule: str, kind: str) -> str:
    return f"{rule} · {label(kind, 'kind')}"
