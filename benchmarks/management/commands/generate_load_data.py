"""``manage.py generate_load_data``: a large, realistic, reproducible desk for benchmarks.

A newsroom desk holds years of articles and hundreds of thousands of claims; the pages and
queues must stay fast at that size, so ``benchmarks/run.py`` needs a data set of that size
that looks like the real thing: articles of varied length made of paragraphs, claims
anchored on real sentence spans, claims in every review state with the fields that state
implies (a published claim has a verdict, who set it, who published it and when), sources,
history entries and comments, and fact-checkers and editors to own them.

Everything is derived from one ``random.Random(seed)``, so the same seed gives the same
titles, bodies and anchors on any database. Rows go in with ``bulk_create`` (batches inside
one transaction per chunk of articles): ``Article.save`` is bypassed, so bodies are built
canonical and ``content_hash`` is set here, and the ``auto_now`` timestamps are switched
off while inserting so that articles spread over five years instead of one second.

Generated rows are marked so they can be found and removed again: article URLs start with
:data:`LOAD_URL_PREFIX` and usernames with :data:`USERNAME_PREFIX` (``--clear``).
"""

from __future__ import annotations

import contextlib
import datetime
import random
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction

from annotations.anchoring import describe
from annotations.models import Claim, ClaimEvent, ClaimStatus, Comment, Notification, RatingLabel, Source
from articles.models import Article
from articles.text import content_hash
from factcheck import permissions as roles

#: Every generated article's URL starts with this; ``--clear`` deletes exactly those articles.
LOAD_URL_PREFIX = "https://load.example.org/"
#: Every generated user's username starts with this.
USERNAME_PREFIX = "load-"
#: Generated users' e-mail domain (example.org: never a real mailbox).
EMAIL_DOMAIN = "load.example.org"
#: "Now" for the generated desk; fixed so that a seed gives the same timestamps every time.
BASE_TIME = datetime.datetime(2025, 6, 30, 12, 0, tzinfo=datetime.UTC)
#: The desk's archive spans this many days before BASE_TIME.
ARCHIVE_DAYS = 5 * 365

BATCH_SIZE = 2000
ARTICLES_PER_CHUNK = 250

#: Share of claims per review state; every state is represented.
STATUS_WEIGHTS = {
    ClaimStatus.NEW: 25,
    ClaimStatus.RESEARCHING: 25,
    ClaimStatus.IN_REVIEW: 15,
    ClaimStatus.PUBLISHED: 25,
    ClaimStatus.DISMISSED: 10,
}

# --------------------------------------------------------------------------- vocabulary
# Invented names and places (a few non-ASCII, so anchors are exercised on code points).

FIRST_NAMES = (
    "Alex", "Ana", "Ben", "Carla", "Dario", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca",
    "Maya", "Nils", "Olga", "Pavel", "Rosa", "Sami", "Tara", "Ugo", "Vera", "Wim", "Yara", "Zoë", "José",
    "Søren", "Mila", "Ravi", "Noor",
)
LAST_NAMES = (
    "Adler", "Brandt", "Castell", "Dumont", "Ekberg", "Ferreira", "Gallo", "Hartmann", "Ivanova", "Jansen",
    "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Schulz", "Tanaka",
    "Ueda", "Varga", "Weber", "Young", "Zielinski", "Álvarez", "Nørgaard", "Öztürk",
)
ROLES = (
    "mayor",
    "finance minister",
    "health minister",
    "transport minister",
    "opposition leader",
    "council spokesperson",
    "police commissioner",
    "union representative",
    "chief executive of the port authority",
    "head of the statistics office",
    "school board chair",
    "housing minister",
)
PLACES = (
    "Ellisford", "Northbridge", "Port Alden", "Marrow Vale", "Kestrel Bay", "Dunmore", "Halstead", "Linwick",
    "Oakhurst", "Redcliffe", "Saltmere", "Thornby", "Upton Ferrers", "Westmarch", "Bramblecote", "Carrow",
    "Fenwick", "Greyhaven", "Ashby Cross", "Säterby",
)
ORGANISATIONS = (
    "the statistics office",
    "the Ministry of Health",
    "the regional council",
    "the central bank",
    "the transport authority",
    "the teachers' union",
    "the chamber of commerce",
    "an independent audit",
    "the housing association",
    "the environment agency",
    "the fire service",
    "the university hospital",
    "the port authority",
    "the energy regulator",
)
TOPICS = (
    "unemployment",
    "inflation",
    "the crime rate",
    "the hospital waiting time",
    "the average house price",
    "the budget deficit",
    "school enrolment",
    "bus ridership",
    "the price of energy",
    "the average rent",
    "the carbon footprint",
    "the number of nurses",
    "youth unemployment",
    "the number of road deaths",
    "the cost of childcare",
    "the number of tourist arrivals",
    "public debt",
    "the recycling rate",
    "broadband coverage",
    "the homicide rate",
)
RISES = ("rose", "increased", "climbed", "jumped", "grew")
FALLS = ("fell", "dropped", "declined", "decreased", "shrank")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
ADJECTIVES = ("new", "planned", "controversial", "long-delayed", "proposed", "revised", "emergency", "regional")
PROJECTS = (
    "bypass",
    "hospital wing",
    "tram line",
    "sea wall",
    "housing scheme",
    "school building programme",
    "wind farm",
    "bridge repair",
    "water treatment plant",
    "library",
)
QUOTES = (
    "We have delivered on every promise we made",
    "These figures speak for themselves",
    "Nobody has done more for this region",
    "The numbers simply do not add up",
    "This is the lowest level in a generation",
    "Families are paying twice as much as they did",
    "We inherited a mess and we fixed it",
    "Not a single school has closed on our watch",
)
OUTLETS = (
    "The Ellisford Gazette",
    "Northbridge Evening Post",
    "Coastal Courier",
    "The Marrow Vale Herald",
    "Regional Broadcasting News",
    "The Dunmore Ledger",
    "Kestrel Bay Chronicle",
    "The Westmarch Times",
    "Linwick Daily",
    "The Observer of Halstead",
)
SOURCE_SITES = (
    ("stats.example.org", "Statistics Office", "Quarterly bulletin"),
    ("health.example.gov", "Ministry of Health", "Waiting list data"),
    ("council.example.org", "Regional Council", "Budget documents"),
    ("bank.example.net", "Central Bank", "Financial stability report"),
    ("archive.example.com", "Newspaper archive", "Earlier report"),
    ("audit.example.org", "Audit Office", "Audit findings"),
    ("research.example.edu", "University research group", "Working paper"),
)
COMMENTS = (
    "Checked the spreadsheet; the figure is for the second quarter only.",
    "The ministry press office has not answered yet. Will chase tomorrow.",
    "Two sources disagree on the baseline year — which one did the speaker mean?",
    "The 2019 figure was revised later; use the revised series.",
    "Agree with the verdict, but the rationale should mention the seasonal adjustment.",
    "Found the original interview transcript, the quote is accurate.",
    "Could we get a second opinion from the data desk?",
    "Rating looks right. Please add the archive link before publishing.",
)
STANCES = tuple(Source.Stance.values)
DISMISSAL_REASONS = (
    "Opinion, not a checkable claim.",
    "Duplicate of a claim already checked this week.",
    "Prediction about the future; nothing to verify yet.",
    "Too vague to check.",
)


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


def _number(rng: random.Random) -> str:
    return f"{rng.randint(2, 950):,}"


def _percent(rng: random.Random) -> str:
    return f"{rng.randint(1, 48)}.{rng.randint(0, 9)} percent"


def _amount(rng: random.Random) -> str:
    unit = rng.choice(("million", "million", "billion"))
    currency = rng.choice(("euros", "pounds", "dollars"))
    return f"{rng.randint(2, 900)}.{rng.randint(1, 9)} {unit} {currency}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _year(rng: random.Random) -> str:
    return str(rng.randint(2009, 2024))


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {_year(rng)}"


#: How each ``{field}`` of a sentence template is filled.
FIELD_MAKERS: dict[str, Callable[[random.Random], str]] = {
    "person": _person,
    "role": lambda rng: rng.choice(ROLES),
    "place": lambda rng: rng.choice(PLACES),
    "org": lambda rng: rng.choice(ORGANISATIONS),
    "Org": lambda rng: _capitalised(rng.choice(ORGANISATIONS)),
    "topic": lambda rng: rng.choice(TOPICS),
    "Topic": lambda rng: rng.choice(TOPICS).capitalize(),
    "rise": lambda rng: rng.choice(RISES),
    "fall": lambda rng: rng.choice(FALLS),
    "change": lambda rng: rng.choice(RISES + FALLS),
    "number": _number,
    "percent": _percent,
    "amount": _amount,
    "year": _year,
    "month": lambda rng: rng.choice(MONTHS),
    "weekday": lambda rng: rng.choice(WEEKDAYS),
    "date": _date,
    "adjective": lambda rng: rng.choice(ADJECTIVES),
    "project": lambda rng: rng.choice(PROJECTS),
    "quote": lambda rng: rng.choice(QUOTES),
    "years": lambda rng: str(rng.randint(2, 15)),
}

SENTENCES = (
    "{person}, the {role}, said on {weekday} that {topic} had {fall} by {percent} since {year}.",
    "According to {org}, {topic} {rise} to {percent} in {month} {year}, the highest level in {years} years.",
    "The {adjective} {project} in {place} will cost {amount}, almost twice the original estimate.",
    "“{quote},” {person} told reporters outside the town hall in {place}.",
    "{Org} published figures on {date} showing that {topic} {change} by {percent}.",
    "Critics argue that the {project} has already cost taxpayers {amount}.",
    "In {place}, {number} households were affected, {org} said in a statement.",
    "{person} claimed that {topic} in {place} is now lower than anywhere else in the country.",
    "The government says it has hired {number} extra staff since {year}.",
    "{Topic} has {change} every year since {year}, according to data from {org}.",
    "Speaking on local radio, {person} said the {project} would create {number} jobs.",
    "A spokesperson for {org} declined to comment on the figures.",
    "The opposition disputed the claim, pointing out that {topic} {rise} by {percent} over the same period.",
    "Residents of {place} have waited {years} years for the {project} to open.",
    "Last {month}, {org} warned that {topic} could double within {years} years.",
    "{person} said {number} people attended the meeting, though police estimated fewer.",
    "The council spent {amount} on consultants in {year}, records obtained by this newspaper show.",
    "Officials insist that no money was diverted from the {project} budget.",
    "{Topic} in {place} {change} to {percent} last year, {person} wrote in a newsletter.",
    "The {role} promised on {date} that the {project} would be finished by {year}.",
    "Figures from {org} suggest that {topic} has barely changed since {year}.",
    "At least {number} complaints were filed with {org} in {month}.",
)
TITLES = (
    "{Topic} {change} to {percent}, {org} says",
    "{place} {project} to cost {amount}",
    "{person} defends record on {topic}",
    "Row over {topic} figures in {place}",
    "{Org} warns on {topic}",
    "Fact check: did {topic} really fall in {place}?",
    "{place} residents wait {years} years for {project}",
    "Council approves {adjective} {project} in {place}",
)

_FORMATTER = string.Formatter()


def _template_fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in _FORMATTER.parse(template) if name)


_SENTENCE_TEMPLATES = [(template, _template_fields(template)) for template in SENTENCES]
_TITLE_TEMPLATES = [(template, _template_fields(template)) for template in TITLES]


class TextGenerator:
    """News-like sentences, paragraphs and titles from a fixed vocabulary (no real text)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _fill(self, templates: list[tuple[str, tuple[str, ...]]]) -> str:
        template, names = self.rng.choice(templates)
        return template.format(**{name: FIELD_MAKERS[name](self.rng) for name in names})

    def sentence(self) -> str:
        return self._fill(_SENTENCE_TEMPLATES)

    def title(self) -> str:
        title = self._fill(_TITLE_TEMPLATES)
        return title[0].upper() + title[1:]

    def body(self, *, min_sentences: int = 0, min_chars: int = 0) -> tuple[str, list[tuple[int, int]]]:
        """A canonical body and the ``(start, end)`` offsets of every sentence in it.

        Lengths vary like a desk's archive: mostly short news items, some long reads.
        """
        rng = self.rng
        kind = rng.random()
        paragraphs_wanted = rng.randint(3, 5) if kind < 0.4 else rng.randint(6, 12) if kind < 0.85 else rng.randint(
            13, 30
        )
        paragraphs: list[str] = []
        spans: list[tuple[int, int]] = []
        position = 0
        while len(paragraphs) < paragraphs_wanted or len(spans) < min_sentences or position < min_chars:
            if paragraphs:
                position += 2  # the blank line between paragraphs
            parts: list[str] = []
            for index in range(rng.randint(1, 5)):
                if index:
                    position += 1  # the space between sentences
                sentence = self.sentence()
                spans.append((position, position + len(sentence)))
                position += len(sentence)
                parts.append(sentence)
            paragraphs.append(" ".join(parts))
        return "\n\n".join(paragraphs), spans


def claim_span(rng: random.Random, body: str, sentence: tuple[int, int]) -> tuple[int, int]:
    """Pick what a fact-checker would select in a sentence: all of it, or a clause of it."""
    start, end = sentence
    text = body[start:end]
    if rng.random() < 0.6:
        trimmed = text.rstrip(".!?”\"")
        return start, start + len(trimmed)
    words: list[tuple[int, int]] = []
    offset = 0
    for word in text.split(" "):
        words.append((offset, offset + len(word)))
        offset += len(word) + 1
    if len(words) < 6:
        return start, start + len(text.rstrip(".!?”\""))
    first = rng.randint(0, len(words) - 5)
    last = rng.randint(first + 3, len(words) - 1)
    span = text[words[first][0] : words[last][1]].strip(",.;:!?”“\"")
    if not span.strip():
        return start, end
    local = text.index(span, words[first][0])
    return start + local, start + local + len(span)


# --------------------------------------------------------------------------- users


@dataclass
class DeskUsers:
    """The generated fact-checkers and editors that own, research and review claims."""

    checkers: list[User]
    editors: list[User]

    @property
    def everyone(self) -> list[User]:
        return self.checkers + self.editors


def ensure_users(checkers: int = 24, editors: int = 6, password: str | None = None) -> DeskUsers:
    """Create (or reuse) ``load-checker-NNN`` and ``load-editor-NN`` users in their role groups.

    Passwords are unusable unless ``password`` is given (hashed once and shared, because
    hashing is deliberately slow): these accounts exist for load tests only.
    """
    encoded = make_password(password)

    def get_users(names: list[str], group_name: str) -> list[User]:
        existing = {user.username: user for user in User.objects.filter(username__in=names)}
        missing = [
            User(username=name, email=f"{name}@{EMAIL_DOMAIN}", password=encoded, first_name=name.split("-")[-1])
            for name in names
            if name not in existing
        ]
        if missing:
            User.objects.bulk_create(missing)
            group = Group.objects.get(name=group_name)
            group.user_set.add(*User.objects.filter(username__in=[user.username for user in missing]))
        if password is not None and existing:
            User.objects.filter(username__in=list(existing)).update(password=encoded)
        by_name = {user.username: user for user in User.objects.filter(username__in=names)}
        return [by_name[name] for name in names]

    return DeskUsers(
        checkers=get_users([f"{USERNAME_PREFIX}checker-{n:03d}" for n in range(1, checkers + 1)], roles.FACT_CHECKER),
        editors=get_users([f"{USERNAME_PREFIX}editor-{n:02d}" for n in range(1, editors + 1)], roles.EDITOR),
    )


# --------------------------------------------------------------------------- building rows


@dataclass
class LoadDataStats:
    """How many rows a run inserted, and how long it took."""

    articles: int = 0
    claims: int = 0
    sources: int = 0
    events: int = 0
    comments: int = 0
    notifications: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process only: on SQLite that includes the database's work

    def add(self, other: LoadDataStats) -> None:
        for name in ("articles", "claims", "sources", "events", "comments", "notifications"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        return (
            f"{self.articles:,} articles, {self.claims:,} claims, {self.sources:,} sources, "
            f"{self.events:,} history entries, {self.comments:,} comments, {self.notifications:,} notifications "
            f"in {self.seconds:.1f} s (CPU {self.cpu_seconds:.1f} s)"
        )


class RowWriter:
    """Batched insert of plain tuples into one model's table.

    ``bulk_create`` builds a model instance and runs every field through the SQL compiler
    for each row; for the ~700,000 history, source, comment and notification rows of a
    full desk that alone takes longer than the two minutes the generator is allowed. The
    rows here are already clean, so they go straight to the driver: ``executemany`` on
    SQLite, ``COPY`` on PostgreSQL (psycopg's client-side parameter quoting would otherwise
    dominate). Columns the caller does not provide get the field's default, so a field
    added to the model later (with a default) does not break the generator.
    """

    def __init__(self, model: type[models.Model], field_names: tuple[str, ...]) -> None:
        meta = model._meta
        given = [meta.get_field(name) for name in field_names]
        rest = [
            model_field
            for model_field in meta.concrete_fields
            if not model_field.primary_key and model_field.name not in field_names
        ]
        self.defaults = tuple(
            model_field.get_db_prep_save(model_field.get_default(), connection) for model_field in rest
        )
        self.table = meta.db_table
        self.columns = [model_field.column for model_field in given + rest]
        self.converters: list[tuple[int, Callable[[Any], Any]]] = []
        for index, model_field in enumerate(given):
            if isinstance(model_field, models.DateTimeField):
                self.converters.append((index, _datetime_adapter()))
            elif isinstance(model_field, models.DateField):
                self.converters.append((index, connection.ops.adapt_datefield_value))

    def write(self, rows: list[tuple[Any, ...]]) -> int:
        if not rows:
            return 0
        converters, defaults = self.converters, self.defaults
        prepared: list[tuple[Any, ...]] = []
        for row in rows:
            if converters:
                values = list(row)
                for index, convert in converters:
                    values[index] = convert(values[index])
                row = tuple(values)
            prepared.append(row + defaults)
        insert_rows(self.table, self.columns, prepared)
        return len(prepared)


def insert_rows(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert database-ready tuples: ``COPY`` on PostgreSQL, batched ``executemany`` elsewhere."""
    quote = connection.ops.quote_name
    column_list = ", ".join(quote(column) for column in columns)
    # Table and column names come from models' _meta, quoted; values travel separately.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(table)} ({column_list}) VALUES ({placeholders})"  # noqa: S608
        for first in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[first : first + BATCH_SIZE])


def insert_instances(model: type[models.Model], objects: list[Any]) -> None:
    """``bulk_create`` that sets primary keys, with a fast path for PostgreSQL.

    On PostgreSQL the ids are drawn from the table's sequence first and the rows then go in
    with ``COPY``: a multi-row ``INSERT ... RETURNING`` of 100,000 claims spends most of its
    time quoting parameters in Python.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    fields = list(meta.concrete_fields)
    rows = []
    for instance, pk in zip(objects, ids, strict=True):
        instance.pk = pk
        instance._state.adding = False
        rows.append(tuple(field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields))
    insert_rows(meta.db_table, [field.column for field in fields], rows)


def _datetime_adapter() -> Callable[[datetime.datetime | None], Any]:
    """The database's datetime adapter, with a shortcut for the UTC values generated here.

    Django's SQLite adapter converts to the connection's time zone and formats the naive
    result; when that zone is UTC, dropping ``tzinfo`` from a UTC value is the same thing.
    """
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or connection.timezone_name != "UTC":
        return adapt

    def fast(value: datetime.datetime | None) -> Any:
        if value is not None and value.tzinfo is datetime.UTC:
            return str(value.replace(tzinfo=None))
        return adapt(value)

    return fast


# The columns of the generated child rows; each pending row holds every column after the first.
SOURCE_FIELDS = (
    "claim", "url", "title", "publisher", "excerpt", "stance", "accessed_on", "archive_url", "added_by", "created_at"
)
EVENT_FIELDS = (
    "claim", "article", "claim_ref", "actor", "kind", "field", "old_value", "new_value",
    "from_status", "to_status", "note", "is_public", "created_at",
)
COMMENT_FIELDS = ("claim", "author", "body", "created_at")
NOTIFICATION_FIELDS = ("claim", "recipient", "kind", "message", "created_at", "read_at")


@dataclass
class _PendingClaim:
    """A claim and its child rows; the children get the claim's id once it is inserted."""

    claim: Claim
    sources: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)  # from "actor" on
    comments: list[tuple[Any, ...]] = field(default_factory=list)
    notifications: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class _Chunk:
    """Rows waiting for one transaction; children point at parents not yet saved."""

    articles: list[Article] = field(default_factory=list)
    claims: list[_PendingClaim] = field(default_factory=list)

    def save(self) -> LoadDataStats:
        stats = LoadDataStats(articles=len(self.articles), claims=len(self.claims))
        with transaction.atomic():
            insert_instances(Article, self.articles)
            for pending in self.claims:  # the articles have ids now
                pending.claim.article_id = pending.claim.article.pk
            insert_instances(Claim, [pending.claim for pending in self.claims])
            sources: list[tuple[Any, ...]] = []
            events: list[tuple[Any, ...]] = []
            comments: list[tuple[Any, ...]] = []
            notifications: list[tuple[Any, ...]] = []
            for pending in self.claims:
                claim_id = pending.claim.pk
                head = (claim_id,)
                sources += [head + row for row in pending.sources]
                event_head = (claim_id, pending.claim.article_id, claim_id)
                events += [event_head + row for row in pending.events]
                comments += [head + row for row in pending.comments]
                notifications += [head + row for row in pending.notifications]
            stats.sources = RowWriter(Source, SOURCE_FIELDS).write(sources)
            stats.events = RowWriter(ClaimEvent, EVENT_FIELDS).write(events)
            stats.comments = RowWriter(Comment, COMMENT_FIELDS).write(comments)
            stats.notifications = RowWriter(Notification, NOTIFICATION_FIELDS).write(notifications)
        return stats


class DeskBuilder:
    """Builds articles with claims in every state, all from one seeded random generator."""

    def __init__(self, seed: int, users: DeskUsers, labels: list[RatingLabel]) -> None:
        if not users.checkers or not users.editors:
            raise ValueError("The generated desk needs at least one fact-checker and one editor.")
        if not labels:
            raise ValueError("No active verdict labels: run the migrations first.")
        self.rng = random.Random(seed)
        self.text = TextGenerator(self.rng)
        self.users = users
        self.labels = labels
        self._statuses = list(STATUS_WEIGHTS)
        self._status_weights = list(STATUS_WEIGHTS.values())

    def article(
        self, chunk: _Chunk, *, url: str, claims: int, created_at: datetime.datetime, min_chars: int = 0
    ) -> Article:
        """Add one article with exactly ``claims`` claims (on distinct sentences) to ``chunk``."""
        rng = self.rng
        body, sentences = self.text.body(min_sentences=claims + 2, min_chars=min_chars)
        published_on = (created_at - datetime.timedelta(days=rng.choice((0, 0, 0, 1, 2)))).date()
        article = Article(
            title=self.text.title(),
            body=body,
            outlet=rng.choice(OUTLETS),
            byline=_person(rng),
            url=url,
            published_on=published_on,
            language="en",
            content_hash=content_hash(body),
            added_by_id=rng.choice(self.users.editors).pk,
            created_at=created_at,
            updated_at=created_at,
        )
        chunk.articles.append(article)
        for index in sorted(rng.sample(range(len(sentences)), claims)):
            start, end = claim_span(rng, body, sentences[index])
            chunk.claims.append(self._claim(article, body, start, end, created_at))
        return article

    def _claim(
        self, article: Article, body: str, start: int, end: int, article_created: datetime.datetime
    ) -> _PendingClaim:
        rng = self.rng
        anchor = describe(body, start, end)
        status = rng.choices(self._statuses, self._status_weights)[0]
        creator = rng.choice(self.users.checkers)
        clock = article_created + datetime.timedelta(minutes=rng.randint(5, 600))

        def later(max_minutes: int = 2880) -> datetime.datetime:
            nonlocal clock
            clock += datetime.timedelta(minutes=rng.randint(1, max_minutes))
            return clock

        claimant = _person(rng) if rng.random() < 0.8 else _capitalised(rng.choice(ORGANISATIONS))
        statement = _capitalised(anchor.exact)
        if rng.random() < 0.3:
            statement = f"{claimant} says {anchor.exact[0].lower() + anchor.exact[1:]}"
        claim = Claim(
            article=article,
            start=anchor.start,
            end=anchor.end,
            exact=anchor.exact,
            prefix=anchor.prefix,
            suffix=anchor.suffix,
            statement=statement,
            claimant=claimant,
            status=status,
            created_by_id=creator.pk,
            created_at=clock,
        )
        pending = _PendingClaim(claim)
        history = pending.events

        def event(
            kind: str, actor: User, at: datetime.datetime, *, field: str = "", old_value: str = "",
            new_value: str = "", from_status: str = "", to_status: str = "", note: str = "",
        ) -> None:
            history.append((actor.pk, kind, field, old_value, new_value, from_status, to_status, note, False, at))

        event(ClaimEvent.Kind.CREATED, creator, clock, new_value=anchor.exact)
        assignee: User | None = None
        if status not in (ClaimStatus.NEW, ClaimStatus.DISMISSED) or rng.random() < 0.4:
            assignee = rng.choice(self.users.checkers)
            claim.assignee_id = assignee.pk
            editor = rng.choice(self.users.editors)
            at = later(600)
            event(ClaimEvent.Kind.ASSIGNED, editor, at, field="assignee", new_value=assignee.username)
            if rng.random() < 0.3:
                read_at = None if rng.random() < 0.5 else at + datetime.timedelta(hours=3)
                message = f"{editor.username} assigned you a claim: {statement[:200]}"
                pending.notifications.append((assignee.pk, Notification.Kind.ASSIGNED, message, at, read_at))
        worker = assignee or creator
        researched = status in (ClaimStatus.RESEARCHING, ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED)
        if researched:
            event(
                ClaimEvent.Kind.TRANSITION, worker, later(),
                from_status=ClaimStatus.NEW, to_status=ClaimStatus.RESEARCHING,
            )
        source_count = rng.choice((0, 1, 1, 2, 2, 3)) if researched else rng.choice((0, 0, 0, 1))
        for _ in range(source_count):
            domain, publisher, title = rng.choice(SOURCE_SITES)
            at = later(1440)
            url = f"https://{domain}/{rng.choice(('reports', 'data', 'news', 'documents'))}/{rng.randint(1000, 999999)}"
            excerpt = self.text.sentence() if rng.random() < 0.5 else ""
            archive_url = (
                f"https://archive.example.net/web/{rng.randint(10**9, 10**10)}" if rng.random() < 0.3 else ""
            )
            stance = rng.choice(STANCES)
            pending.sources.append(
                (url, f"{title} {rng.randint(2009, 2024)}", publisher, excerpt, stance, at.date(), archive_url,
                 worker.pk, at)
            )
            event(ClaimEvent.Kind.SOURCE_ADDED, worker, at, field="source", new_value=url)
        if status in (ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED) or (
            status == ClaimStatus.RESEARCHING and rng.random() < 0.3
        ):
            verdict = rng.choice(self.labels)
            claim.verdict_id = verdict.pk
            claim.verdict_by_id = worker.pk
            claim.rationale = " ".join(self.text.sentence() for _ in range(rng.randint(1, 3)))
            event(ClaimEvent.Kind.EDITED, worker, later(), field="verdict", new_value=verdict.name)
        if status in (ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED):
            claim.submitted_at = later()
            event(
                ClaimEvent.Kind.TRANSITION, worker, claim.submitted_at,
                from_status=ClaimStatus.RESEARCHING, to_status=ClaimStatus.IN_REVIEW,
            )
        if status == ClaimStatus.PUBLISHED:
            reviewer = rng.choice(self.users.editors)
            claim.reviewed_by_id = reviewer.pk
            claim.published_at = later()
            event(
                ClaimEvent.Kind.TRANSITION, reviewer, claim.published_at,
                from_status=ClaimStatus.IN_REVIEW, to_status=ClaimStatus.PUBLISHED,
            )
        if status == ClaimStatus.DISMISSED:
            reviewer = rng.choice(self.users.editors)
            claim.reviewed_by_id = reviewer.pk
            claim.dismissal_reason = rng.choice(DISMISSAL_REASONS)
            event(
                ClaimEvent.Kind.TRANSITION, reviewer, later(),
                from_status=ClaimStatus.NEW, to_status=ClaimStatus.DISMISSED, note=claim.dismissal_reason,
            )
        for _ in range(rng.choice((0, 0, 0, 0, 1, 1, 2))):
            author = rng.choice(self.users.everyone)
            text = rng.choice(COMMENTS)
            at = later(720)
            pending.comments.append((author.pk, text, at))
            event(ClaimEvent.Kind.COMMENTED, author, at, new_value=text)
        claim.version = len(history)
        claim.updated_at = clock
        return pending


@contextlib.contextmanager
def explicit_timestamps() -> Iterator[None]:
    """Let ``bulk_create`` store the generated ``created_at``/``updated_at`` values.

    ``auto_now``/``auto_now_add`` fields overwrite any value with "now" on insert; a desk
    whose five years of articles were all created in the same second would make the list
    pages and queues unrealistically cheap to sort. The flags are restored afterwards.
    """
    saved: list[tuple[models.DateTimeField, bool, bool]] = []
    for model in (Article, Claim, Source, ClaimEvent, Comment, Notification):
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.DateTimeField) and (model_field.auto_now or model_field.auto_now_add):
                saved.append((model_field, model_field.auto_now, model_field.auto_now_add))
                model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in saved:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


@contextlib.contextmanager
def fast_sqlite_writes() -> Iterator[None]:
    """On SQLite, skip fsync while bulk loading (throw-away data); restore the setting after."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous=OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={int(previous)}")


def claim_counts(rng: random.Random, articles: int, claims_per_article: int) -> list[int]:
    """Claims per article: varied (0 to twice the mean) but summing to exactly articles × mean."""
    counts = [claims_per_article] * articles
    for left in range(0, articles - 1, 2):
        delta = rng.randint(0, claims_per_article)
        counts[left] += delta
        counts[left + 1] -= delta
    rng.shuffle(counts)
    return counts


def active_labels() -> list[RatingLabel]:
    return list(RatingLabel.objects.filter(is_active=True).order_by("order", "pk"))


def generate_load_data(
    *,
    articles: int,
    claims_per_article: int,
    seed: int = 1,
    password: str | None = None,
    progress: Callable[[LoadDataStats], None] | None = None,
) -> LoadDataStats:
    """Insert ``articles`` articles with ``articles × claims_per_article`` claims (see module docstring)."""
    started, started_cpu = time.perf_counter(), time.process_time()
    users = ensure_users(password=password)
    builder = DeskBuilder(seed, users, active_labels())
    counts = claim_counts(builder.rng, articles, claims_per_article)
    span = datetime.timedelta(days=ARCHIVE_DAYS)
    total = LoadDataStats()
    with explicit_timestamps(), fast_sqlite_writes():
        for first in range(0, articles, ARTICLES_PER_CHUNK):
            chunk = _Chunk()
            for number in range(first, min(articles, first + ARTICLES_PER_CHUNK)):
                created_at = BASE_TIME - span * (1 - number / max(1, articles)) + datetime.timedelta(
                    minutes=builder.rng.randint(0, 600)
                )
                builder.article(
                    chunk, url=f"{LOAD_URL_PREFIX}s{seed}/{number + 1}", claims=counts[number], created_at=created_at
                )
            total.add(chunk.save())
            total.seconds = time.perf_counter() - started
            total.cpu_seconds = time.process_time() - started_cpu
            if progress is not None:
                progress(total)
    total.seconds = time.perf_counter() - started
    total.cpu_seconds = time.process_time() - started_cpu
    return total


def create_article_with_claims(
    *, url: str, claims: int, seed: int = 1, min_chars: int = 0, created_at: datetime.datetime | None = None
) -> Article:
    """One generated article with exactly ``claims`` claims (benchmark fixtures: 0/50/200/500 claims).

    ``min_chars`` makes long articles (the 100 KB re-anchoring case).
    """
    if not url.startswith(LOAD_URL_PREFIX):
        raise ValueError(f"Generated articles must live under {LOAD_URL_PREFIX} so --clear finds them.")
    builder = DeskBuilder(seed, ensure_users(), active_labels())
    chunk = _Chunk()
    with explicit_timestamps(), fast_sqlite_writes():
        article = builder.article(
            chunk, url=url, claims=claims, created_at=created_at or BASE_TIME, min_chars=min_chars
        )
        chunk.save()
    return article


def generated_articles() -> models.QuerySet[Article]:
    return Article.objects.filter(url__startswith=LOAD_URL_PREFIX)


def clear_load_data() -> tuple[int, int]:
    """Delete every generated article (with its claims, sources, history...) and generated user.

    History rows are append-only for the application, but generated history is test data:
    it is removed with its article. Returns ``(articles, users)`` deleted.
    """
    article_ids = generated_articles().values("pk")
    with transaction.atomic(), fast_sqlite_writes():
        articles = generated_articles().count()
        ClaimEvent.objects.filter(article__in=article_ids).delete()
        claims = Claim.objects.filter(article__in=article_ids)
        Notification.objects.filter(claim__in=claims.values("pk")).delete()
        Comment.objects.filter(claim__in=claims.values("pk")).delete()
        Source.objects.filter(claim__in=claims.values("pk")).delete()
        claims.only("pk").delete()
        generated_articles().only("pk").delete()
        generated_users = User.objects.filter(username__startswith=USERNAME_PREFIX, email__endswith=f"@{EMAIL_DOMAIN}")
        users = generated_users.count()
        generated_users.delete()
    return articles, users


class Command(BaseCommand):
    help = (
        "Generate a large, realistic, reproducible desk for benchmarks: articles, claims in every state, "
        "sources, history, comments and users. Generated rows are marked (URLs under "
        f"{LOAD_URL_PREFIX}, usernames starting with '{USERNAME_PREFIX}')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", type=int, default=10_000, help="Number of articles (default 10,000).")
        parser.add_argument(
            "--claims-per-article", type=int, default=10, help="Mean claims per article (default 10; total is exact)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same desk.")
        parser.add_argument("--clear", action="store_true", help="Delete previously generated data first.")
        parser.add_argument("--password", help="Password for the generated users (default: unusable).")

    def handle(self, *args: Any, **options: Any) -> None:
        articles, per_article = options["articles"], options["claims_per_article"]
        if articles < 0 or per_article < 0:
            raise CommandError("--articles and --claims-per-article must not be negative.")
        if options["clear"]:
            started = time.perf_counter()
            deleted, users = clear_load_data()
            self.stdout.write(
                f"Deleted {deleted:,} generated articles and {users:,} users in {time.perf_counter() - started:.1f} s."
            )
        prefix = f"{LOAD_URL_PREFIX}s{options['seed']}/"
        existing = Article.objects.filter(url__startswith=prefix).count()
        if existing:
            if existing == articles:
                self.stdout.write(f"{existing:,} generated articles for seed {options['seed']} already exist: reused.")
                return
            raise CommandError(
                f"{existing:,} generated articles for seed {options['seed']} exist (asked for {articles:,}); "
                "run again with --clear to replace them."
            )

        def progress(stats: LoadDataStats) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {stats.articles:,}/{articles:,} articles, {stats.claims:,} claims...")

        stats = generate_load_data(
            articles=articles,
            claims_per_article=per_article,
            seed=options["seed"],
            password=options["password"],
            progress=progress,
        )
        self.stdout.write(self.style.SUCCESS(f"Generated {stats.summary()}."))
