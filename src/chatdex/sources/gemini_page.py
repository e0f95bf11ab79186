"""Google Takeout's "My Activity" HTML page, read with the standard library as its bytes
arrive (a page can be tens of MB): every activity is a div.outer-cell card whose header cell
names the product, whose body cell reads "<title><br>[<attachment or link><br>...]<date><br>
<answer HTML>", and whose caption cell lists products and, since 2026, the chat's link.
Also the HTML-to-text conversion of Gemini's answers, which the JSON export holds as HTML."""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from itertools import groupby
from typing import IO, Any

from chatdex.errors import ExportFormatError
from chatdex.model import Skipped
from chatdex.sources.base import UNEXPECTED
from chatdex.text import to_datetime

MAX_HELD = 16 << 20  # an unfinished tag the parser holds back and re-scans with every chunk
MAX_CARD = 64 << 20  # characters of one activity, its tags' attributes included
MAX_CLOSE = 1 << 12  # work html.parser may do on the markup left unfinished at the end (below)
_CHUNK = 1 << 20

_SPACES = re.compile(r"\s+")
_HEADER = re.compile(rb'class="header-cell[^"]*"[^>]*>\s*<p[^>]*>([^<]{1,200})')
_BLOCKS = frozenset(
    ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre", "blockquote", "table", "hr")
)
_LINES = frozenset(("li", "tr", "dt", "dd"))
_HIDDEN = frozenset(("script", "style", "template", "head", "title"))
_VOID = frozenset(("br", "img", "hr", "wbr", "input", "meta", "link", "area", "base", "col", "source"))


class Text:
    """Plain text of HTML: tags dropped, entities unescaped, paragraphs kept apart, the
    lines of code blocks kept as they are."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.gap = 0
        self.pre = 0
        self.hidden = 0
        self.line_start = True

    def start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS or tag in _LINES or tag == "br":
            self.gap = max(self.gap, 2 if tag in _BLOCKS else 1) if self.out else 0
        elif tag in ("td", "th"):
            self.data(" ")
        elif tag == "img" and (alt := dict(attrs).get("alt")):
            self.data(f" {alt} ")
        self.pre += tag == "pre"

    def end(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif (tag in _BLOCKS or tag in _LINES) and self.out:
            self.gap = max(self.gap, 2 if tag in _BLOCKS else 1)
        if tag == "pre":
            self.pre = max(self.pre - 1, 0)

    def data(self, text: str) -> None:
        if self.hidden or not text:
            return
        if not self.pre:
            text = _SPACES.sub(" ", text)
            text = text.lstrip() if self.line_start or self.gap else text
            if not text:
                return
        if self.gap:
            last = self.out[-1] = self.out[-1].rstrip(" ")
            self.out.append("\n" * max(self.gap - (len(last) - len(last.rstrip("\n"))), 0))
            self.gap = 0
        self.out.append(text)
        self.line_start = text.endswith("\n")

    def result(self) -> str:
        return "".join(self.out).strip()


def _plain(markup: str) -> str:
    """Text of markup without a parser, in one pass: every "<...>" a space, entities unescaped."""
    parts: list[str] = []
    at = 0
    while (start := markup.find("<", at)) >= 0 and (end := markup.find(">", start)) >= 0:
        parts += (markup[at:start], " ")
        at = end + 1
    parts.append(markup[at:])
    return html.unescape("".join(parts))


class _Parser(HTMLParser):
    """html.parser, but its close() bounded. At the end html.parser turns every tag it could
    not finish into text and, for each, scans all that follows again (CVE-2025-6069): 100 KB
    of "<a " takes minutes. Markup left unfinished with more than one "<" in it, beyond a few
    KB of such work, is taken as text without the parser instead."""

    def close(self) -> None:
        rest = self.rawdata
        if not self.cdata_elem and (opened := rest.count("<")) > 1 and opened * len(rest) > MAX_CLOSE:
            self.rawdata = ""
            self.handle_data(_plain(rest))
        super().close()


class _TextParser(_Parser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = Text()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.text.start(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.text.end(tag)

    def handle_data(self, data: str) -> None:
        self.text.data(data)


def html_text(markup: str) -> str:
    parser = _TextParser()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, *UNEXPECTED):  # html.parser asserts on some malformed declarations
        return _SPACES.sub(" ", _plain(markup)).strip()
    return parser.text.result()


Event = tuple[str, str, Any]  # ("start", tag, attrs) | ("end", tag, None) | ("data", text, None)


@dataclass(slots=True)
class Activity:
    header: str  # the product, in the account's language
    title: str  # "Prompted ...", "Created Gemini Canvas titled ...", "Used ..."
    when: datetime | None
    answer: str
    notes: list[str]  # lines between the title and the date without a link (a canvas's text)
    files: list[str]  # linked files beside the page (attachments), as named on the page
    caption: list[str]  # the caption's text and links (where a chat's link is)


@dataclass(slots=True)
class _Card:
    depth: int
    cell: str | None = None
    cell_depth: int = 0
    cells: dict[str, list[Event]] = field(default_factory=dict)
    size: int = 0

    def add(self, event: Event) -> None:
        if self.cell is None or self.size > MAX_CARD:
            return
        attrs = event[2] or ()
        self.size += len(event[1]) + sum(len(name) + len(value or "") for name, value in attrs)
        self.cells.setdefault(self.cell, []).append(event)

    def joined(self, cell: str) -> list[Event]:
        """The cell's events, text split between chunks (or around a stray "<") made one."""
        events: list[Event] = []
        for is_data, run in groupby(self.cells.get(cell, []), key=lambda event: event[0] == "data"):
            if is_data:
                events.append(("data", "".join(event[1] for event in run), None))
            else:
                events += run
        return events


class _Page(_Parser):
    """The cards of the page, each kept as events of its cells until it closes."""

    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.name = name
        self.depth = 0
        self.card: _Card | None = None
        self.count = 0
        self.done: list[Activity | Skipped] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        card = self.card
        if tag == "div":
            self.depth += 1
            classes = (dict(attrs).get("class") or "").split()
            if "outer-cell" in classes:
                self.finish()  # also where a card that broken markup left open ends
                self.card = _Card(self.depth)
                return
            if card is not None and card.cell is None:
                card.cell, card.cell_depth = _cell_of(classes), self.depth
                return  # a cell, or the grid around the cells
        if card is not None:
            card.add(("start", tag, attrs))
            if tag in _VOID:
                card.add(("end", tag, None))

    def handle_endtag(self, tag: str) -> None:
        card = self.card
        if tag == "div" and card is not None and card.cell is not None and self.depth == card.cell_depth:
            card.cell = None
        elif tag == "div" and card is not None and self.depth == card.depth:
            self.finish()
        elif card is not None and tag not in _VOID:
            card.add(("end", tag, None))
        if tag == "div":
            self.depth = max(self.depth - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.card is not None:
            self.card.add(("data", data, None))

    def finish(self) -> None:
        card, self.card = self.card, None
        if card is None:
            return
        self.count += 1
        where = f"{self.name}: activity {self.count}"
        if card.size > MAX_CARD:
            self.done.append(Skipped(where, f"an activity longer than {MAX_CARD:,} characters"))
            return
        try:
            self.done.append(_activity(card))
        except UNEXPECTED as error:
            self.done.append(Skipped(where, f"unexpected data ({type(error).__name__}: {error})"))


def _cell_of(classes: list[str]) -> str | None:
    if "header-cell" in classes:
        return "header"
    if "content-cell" not in classes:
        return None
    if "mdl-typography--caption" in classes:
        return "caption"
    return "other" if "mdl-typography--text-right" in classes else "main"


def _render(events: list[Event]) -> str:
    text = Text()
    for kind, value, attrs in events:
        if kind == "start":
            text.start(value, attrs)
        elif kind == "end":
            text.end(value)
        else:
            text.data(value)
    return text.result()


def _links(events: list[Event]) -> list[tuple[str, str]]:
    """(href, words) of every link, in one pass. A link ends at its </a> or, as in a browser
    (links do not nest), where the next one starts."""
    found: list[tuple[str, str]] = []
    href: str | None = None
    start = 0
    for index, (kind, value, attrs) in enumerate(events):
        if value != "a" or kind == "data":
            continue
        if href:
            found.append((href, _render(events[start:index])))
        href, start = (dict(attrs).get("href"), index + 1) if kind == "start" else (None, 0)
    if href:
        found.append((href, _render(events[start:])))
    return found


def _activity(card: _Card) -> Activity:
    lines: list[list[Event]] = [[]]
    when, depth, answer = None, 0, []
    events = card.joined("main")
    for index, event in enumerate(events):
        if event[:2] == ("start", "br") and depth == 0:
            # The first line after the title that is a date ends the head of the card.
            if len(lines) > 1 and (when := local_time(_render(lines[-1]))) is not None:
                lines.pop()
                answer = events[index + 2 :]  # past the br's start and end
                break
            lines.append([])
            continue
        if event[0] != "data" and event[1] not in _VOID:
            depth = max(depth + (1 if event[0] == "start" else -1), 0)
        lines[-1].append(event)
    if when is None and len(lines) > 1 and (when := local_time(_render(lines[-1]))) is not None:
        lines.pop()
    middle = [event for line in lines[1:] for event in line]
    caption = card.joined("caption")
    return Activity(
        header=_render(card.joined("header")),
        title=_render(lines[0]),
        when=when,
        answer=_render(answer),
        notes=[text for line in lines[1:] if not _links(line) and (text := _render(line))],
        files=list(dict.fromkeys(words or href for href, words in _links(middle) if is_file(href))),
        caption=[_render(caption), *(href for href, _ in _links(caption))],
    )


def is_file(url: Any) -> bool:
    return isinstance(url, str) and bool(url) and not url.startswith(("http:", "https:"))


def is_page(head: bytes) -> bool:
    """A My Activity page whose first card is Gemini's (or Bard's), not Search's or YouTube's."""
    header = _HEADER.search(head) if b"outer-cell" in head else None
    return header is not None and re.search(rb"gemini|\bbard\b", header[1], re.IGNORECASE) is not None


def activities(raw: IO[bytes], name: str) -> Iterator[Activity | Skipped]:
    page = _Page(name)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    while True:
        data = raw.read(_CHUNK)
        try:
            page.feed(decoder.decode(data, final=not data))
            if not data:
                page.close()
                page.finish()
        except (AssertionError, *UNEXPECTED) as error:
            raise ExportFormatError(f"{name}: HTML chatdex cannot read ({error})") from None
        if len(page.rawdata) > MAX_HELD:
            raise ExportFormatError(f"{name}: a tag longer than {MAX_HELD:,} characters; not an export")
        yield from page.done
        page.done.clear()
        if not data:
            return


# The page writes times in the account's language and zone. Known shapes: English month
# names, numeric dates (day first unless impossible), CJK; then a zone name or UTC offset.
_TIME = re.compile(
    r"(?:(?P<mon>[A-Za-z]{3,9})\.? (?P<d>\d{1,2}) (?P<y>\d{4})"
    r"|(?P<d2>\d{1,2}) (?P<mon2>[A-Za-z]{3,9})\.? (?P<y2>\d{4})"
    r"|(?P<y3>\d{4}) ?[-/.年] ?(?P<m3>\d{1,2}) ?[-/.月] ?(?P<d3>\d{1,2}) ?[.日]?"
    r"|(?P<d4>\d{1,2}) ?[./] ?(?P<m4>\d{1,2}) ?[./] ?(?P<y4>\d{4}))"
    r" (?P<pre>上午|下午|午前|午後|오전|오후)? ?(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
    r" ?(?P<ap>[AaPp]\.? ?[Mm]\.?)?(?: (?P<tz>[^ ]{1,12}))?"
)
_MONTHS = {m: n for n, m in enumerate(re.findall("...", "janfebmaraprmayjunjulaugsepoctnovdec"), 1)}
_ZONES = {
    zone: float(hours)
    for hours, zones in re.findall(
        r"(\S+): ([^;]+)",
        "0: UTC GMT Z WET; 1: BST WEST CET MEZ SEČ; 2: CEST MESZ SELČ EET SAST; 3: EEST MSK; 5.5: IST;"
        " 8: HKT SGT AWST; 9: JST KST; 9.5: ACST; 10: AEST; 10.5: ACDT; 11: AEDT; 12: NZST; 13: NZDT;"
        " -2.5: NDT; -3: ADT BRT ART; -3.5: NST; -4: AST EDT; -5: EST CDT; -6: CST MDT; -7: MST PDT;"
        " -8: PST AKDT; -9: AKST; -10: HST",
    )
    for zone in zones.split()
}
_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?")


def local_time(text: str) -> datetime | None:
    """An activity's time as the page writes it, or None. A zone chatdex does not know is
    taken as UTC: the times shift by hours, their order and the ids made of them do not."""
    text = _SPACES.sub(" ", text.replace(",", " ").replace(" at ", " ")).strip()
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    g = match.groupdict()
    word = g["mon"] or g["mon2"]
    month = _MONTHS.get(word[:3].lower(), 0) if word else int(g["m3"] or g["m4"])
    day, year = int(g["d"] or g["d2"] or g["d3"] or g["d4"]), int(g["y"] or g["y2"] or g["y3"] or g["y4"])
    if g["m4"] and month > 12 >= day:
        month, day = day, month
    hour = int(g["H"])
    if (g["ap"] or g["pre"]) and hour <= 12:
        after_noon = (g["ap"] or "").lower().startswith("p") or g["pre"] in ("下午", "午後", "오후")
        hour = hour % 12 + (12 if after_noon else 0)
    offset = _ZONES.get(g["tz"] or "UTC")
    if offset is None and (found := _OFFSET.fullmatch(g["tz"])):
        offset = (int(found[2]) + int(found[3] or 0) / 60) * (1 if found[1] == "+" else -1)
    try:
        local = datetime(year, month, day, hour, int(g["M"]), int(g["S"] or 0))
        zone = timezone(timedelta(hours=offset or 0.0))
        utc = local.replace(tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):  # no such day; a zone past year 1 or 9999
        return None
    return to_datetime(utc.isoformat())
