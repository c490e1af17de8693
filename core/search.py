"""Chinese search: any substring of two or more characters, on SQLite and PostgreSQL.

Word segmentation alone cannot find 为技 in 华为技术, so each indexed object gets a
document of overlapping character bigrams (华为 为技 技术) plus its Latin words and
digit runs. Latin words and digits are indexed with their prefixes (hwjs finds the
initials hwjsyxgs) and long digit runs also with their tails (5678 finds the phone
13812345678). A query is the AND of its tokens, then re-checked exactly against the
document's normalised text, so a hit always contains what was typed.

Storage, one table per index (a concrete ``SearchDocument`` whose primary key is
the indexed object):
- SQLite: a contentless FTS5 table (``unicode61``, ``detail=none``) over the token
  text, kept in step with the document table by triggers (FTS5's ``'delete'``
  command with the old tokens on update and delete), so bulk loads, deletes and
  flushes cannot leave it behind.
- PostgreSQL: a ``text[]`` of sorted distinct tokens with a GIN index and raised
  statistics (rare tokens are otherwise over-estimated and the planner walks the
  primary key backwards). Django opens PostgreSQL connections with psycopg's
  ``prepare_threshold=None`` and binds parameters client-side, so every search is
  planned with its own values (no generic plans).

Another app registers its index in a few lines::

    class TicketSearchDocument(SearchDocument):
        object = models.OneToOneField(Ticket, primary_key=True,
                                      on_delete=models.CASCADE, related_name="+")

    ticket_index = SearchIndex(TicketSearchDocument,
                               parts=lambda t: [t.number, t.subject, t.description])

and adds ``SearchIndexSetup("tickets_ticketsearchdocument")`` to the migration that
creates the document table. Its services call ``ticket_index.refresh([...])`` on
every change; its selectors call ``ticket_index.page(queryset, q, cursor=…,
limit=…)`` (newest first, at most four queries whatever the term and the
queryset).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models
from django.db.migrations.operations.base import Operation
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.pagination import Page, cursor_decode, cursor_encode, limit_validate

# Han (with extensions and compatibility ideographs), kana and hangul: scripts
# written without spaces, indexed by character bigrams.
_CJK = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_RUNS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
PREFIX_MAX = 24  # Latin words and digits match by prefixes up to this length
TAIL_MIN_RUN = 7  # digit runs this long (phones) also match by their tails
TAIL_MIN = 4  # ... of at least this many digits (the last four of a phone)
QUERY_MAX_LENGTH = 100
NEWEST_WINDOW = 5000  # ids searched first, newest first (see SearchIndex.page)
WINDOW_GROWTH = 8  # each next range of ids searched is this many times larger
NARROW_VIEW = 10000  # querysets up to this many rows are searched row by row (ditto)


def normalize(text: str) -> str:
    """Full-width to half-width, compatibility forms folded, case folded, control
    characters turned into spaces."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFKC", text or "").casefold())


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def document_tokens(text: str) -> set[str]:
    """The tokens under which a normalised text is found (a lone character or
    letter is not indexed: queries need two)."""
    tokens: set[str] = set()
    for match in _RUNS.finditer(text):
        run = match.group()
        if match.lastgroup == "cjk":
            tokens.update(_bigrams(run))
            continue
        tokens.update(run[:n] for n in range(2, min(len(run), PREFIX_MAX) + 1))
        if run.isdigit() and len(run) >= TAIL_MIN_RUN:
            tokens.update(run[-n:] for n in range(TAIL_MIN, len(run)))
    return tokens


def query_terms(q: str) -> list[str]:
    """The terms of a query (split at spaces), normalised; each must be found."""
    return [term for term in normalize(q).split() if term]


def _term_tokens(term: str) -> list[str]:
    tokens = []
    for match in _RUNS.finditer(term):
        run = match.group()
        if match.lastgroup == "cjk":
            # A lone character may sit inside a longer run in the document, where
            # only bigrams are indexed: the exact re-check covers it.
            tokens.extend(_bigrams(run))
        elif len(run) > 1:
            tokens.append(run[:PREFIX_MAX])
    return tokens


def query_parse(q: str) -> tuple[list[str], list[str]]:
    """(terms, tokens) of a query, or a DomainError on field ``q`` for one that the
    index cannot answer (too short or too long)."""
    if len(q or "") > QUERY_MAX_LENGTH:
        raise DomainError(
            _("搜索词不能超过 %(max)s 个字符。") % {"max": QUERY_MAX_LENGTH},
            field="q",
            code="too_long",
        )
    terms = query_terms(q)
    tokens = sorted({t for term in terms for t in _term_tokens(term)})
    if not tokens:
        raise DomainError(
            _("请至少输入两个连续的汉字、字母或数字。"), field="q", code="too_short"
        )
    return terms, tokens


class TokenListField(models.Field):
    """Sorted distinct tokens: ``text[]`` on PostgreSQL (GIN-indexed), a
    space-separated ``text`` on SQLite (fed to FTS5 by triggers)."""

    description = "A list of search tokens"

    def db_type(self, connection) -> str:
        return "text[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        value = sorted(set(value))
        return value if connection.vendor == "postgresql" else " ".join(value)

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, list):
            return value
        return value.split()

    def to_python(self, value):
        if value is None or isinstance(value, list):
            return value
        return str(value).split()


class SearchDocument(models.Model):
    """One indexed object: its normalised text (for the exact re-check) and its
    tokens. A concrete subclass adds ``object = OneToOneField(..., primary_key=True)``."""

    text = models.TextField(default="")
    tokens = TokenListField(default=list)

    class Meta:
        abstract = True


class SearchIndexSetup(Operation):
    """Migration operation creating the database side of one index: on SQLite the
    FTS5 table and its triggers, on PostgreSQL the GIN index and statistics."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, table: str) -> None:
        self.table = table

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table], {})

    def state_forwards(self, app_label, state) -> None:
        pass

    def _statements(self, vendor: str) -> tuple[list[str], list[str]]:
        t = self.table
        if vendor == "sqlite":
            fts = f"{t}_fts"
            return (
                [
                    f"CREATE VIRTUAL TABLE {fts} USING fts5(tokens, content='', "
                    "columnsize=0, detail=none, tokenize='unicode61')",
                    f"CREATE TRIGGER {t}_ai AFTER INSERT ON {t} BEGIN "
                    f"INSERT INTO {fts}(rowid, tokens) VALUES (new.object_id, new.tokens); "
                    "END",
                    f"CREATE TRIGGER {t}_ad AFTER DELETE ON {t} BEGIN "
                    f"INSERT INTO {fts}({fts}, rowid, tokens) "
                    "VALUES ('delete', old.object_id, old.tokens); END",
                    f"CREATE TRIGGER {t}_au AFTER UPDATE OF tokens ON {t} BEGIN "
                    f"INSERT INTO {fts}({fts}, rowid, tokens) "
                    "VALUES ('delete', old.object_id, old.tokens); "
                    f"INSERT INTO {fts}(rowid, tokens) VALUES (new.object_id, new.tokens); "
                    "END",
                ],
                [
                    f"DROP TRIGGER IF EXISTS {t}_au",
                    f"DROP TRIGGER IF EXISTS {t}_ad",
                    f"DROP TRIGGER IF EXISTS {t}_ai",
                    f"DROP TABLE IF EXISTS {fts}",
                ],
            )
        if vendor == "postgresql":
            return (
                [
                    f"CREATE INDEX {t}_tokens_gin ON {t} USING gin (tokens)",
                    f"ALTER TABLE {t} ALTER COLUMN tokens SET STATISTICS 10000",
                ],
                [f"DROP INDEX IF EXISTS {t}_tokens_gin"],
            )
        raise NotImplementedError(f"Chinese search does not support {vendor}")

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for sql in self._statements(schema_editor.connection.vendor)[0]:
            schema_editor.execute(sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for sql in self._statements(schema_editor.connection.vendor)[1]:
            schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Set up the Chinese search index on {self.table}"


class SearchIndex:
    """One searchable kind of object: how its document is built, kept and queried.

    ``parts(obj)`` returns the texts under which ``obj`` is found (never private
    fields: a search must not reveal what a viewer may not read)."""

    def __init__(
        self,
        document_model: type[SearchDocument],
        *,
        parts: Callable[[Any], Iterable[str | None]],
    ) -> None:
        self.document_model = document_model
        self.parts = parts

    @property
    def table(self) -> str:
        return self.document_model._meta.db_table

    def document(self, obj: Any) -> tuple[str, list[str]]:
        """(normalised text, sorted tokens) of one object."""
        lines = [normalize(p).strip() for p in self.parts(obj) if p]
        text = "\n".join(line for line in lines if line)
        return text, sorted(document_tokens(text))

    def document_rows(
        self, objects: Iterable[Any]
    ) -> Iterator[tuple[Any, str, list[str]]]:
        """(pk, text, tokens) of each object: the rows ``refresh`` writes, for a
        bulk load that writes them itself (COPY, executemany)."""
        for obj in objects:
            yield (obj.pk, *self.document(obj))

    def refresh(self, objects: Iterable[Any]) -> None:
        """Write the documents of these objects (call on every change)."""
        for obj in objects:
            text, tokens = self.document(obj)
            self.document_model.objects.update_or_create(
                object_id=obj.pk, defaults={"text": text, "tokens": tokens}
            )

    def remove(self, ids: Iterable[int]) -> None:
        """Take objects out of the index (soft-deleted ones are not found)."""
        self.document_model.objects.filter(object_id__in=list(ids)).delete()

    def rebuild(self, objects: Iterable[Any], *, batch_size: int = 1000) -> int:
        """Replace the whole index with the documents of ``objects``."""
        self.document_model.objects.all().delete()
        batch, count = [], 0
        for pk, text, tokens in self.document_rows(objects):
            batch.append(self.document_model(object_id=pk, text=text, tokens=tokens))
            if len(batch) >= batch_size:
                self.document_model.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        if batch:
            self.document_model.objects.bulk_create(batch)
            count += len(batch)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {self.table}")
        return count

    def _matching_sql(
        self,
        terms: Sequence[str],
        tokens: Sequence[str],
        *,
        above: int | None = None,
        at_most: int | None = None,
    ) -> RawSQL:
        """Ids of the documents holding every token and every term, optionally
        within the id range (above, at_most]."""
        t = self.table
        if connection.vendor == "sqlite":
            fts = f"{t}_fts"
            inner = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"
            params: list[Any] = [" ".join(f'"{token}"' for token in tokens)]
            if above is not None:
                inner += " AND rowid > %s"
                params.append(above)
            if at_most is not None:
                inner += " AND rowid <= %s"
                params.append(at_most)
            sql = f"SELECT d.object_id FROM {t} d WHERE d.object_id IN ({inner})"
            check = " AND instr(d.text, %s) > 0"
        else:
            sql = f"SELECT d.object_id FROM {t} d WHERE d.tokens @> %s::text[]"
            params = [list(tokens)]
            if above is not None:
                sql += " AND d.object_id > %s"
                params.append(above)
            if at_most is not None:
                sql += " AND d.object_id <= %s"
                params.append(at_most)
            check = " AND strpos(d.text, %s) > 0"
        for term in terms:
            sql += check
            params.append(term)
        return RawSQL(sql, params)

    def _row_matching_sql(
        self, terms: Sequence[str], tokens: Sequence[str], *, row: str
    ) -> RawSQL:
        """The id of the document of one row (``row``: a column of the outer
        query) when it holds every term and every token, else nothing: read by
        primary key, nothing else is looked at. On SQLite the tokens are sought
        in the document's own token text: FTS5 answers a MATCH for one rowid
        only by walking the tokens' whole lists (about a millisecond a row for
        a common token)."""
        sqlite = connection.vendor == "sqlite"
        sql = f"SELECT d.object_id FROM {self.table} d WHERE d.object_id = {row}"
        check = (
            " AND instr(d.text, %s) > 0" if sqlite else " AND strpos(d.text, %s) > 0"
        )
        params: list[Any] = []
        for term in terms:
            sql += check
            params.append(term)
        if sqlite:
            for token in tokens:
                sql += " AND instr(' ' || d.tokens || ' ', %s) > 0"
                params.append(f" {token} ")
        else:
            sql += " AND d.tokens @> %s::text[]"
            params.append(list(tokens))
        return RawSQL(sql, params)

    def _matching(self, queryset: models.QuerySet, **window: Any) -> models.QuerySet:
        """``queryset`` narrowed to the matching ids (see ``_matching_sql``): the
        documents holding the tokens are gathered first, then their objects."""
        matching = self._matching_sql(**window)
        if connection.vendor != "postgresql":
            return queryset.filter(pk__in=matching)
        # The ids are gathered once and then looked up by primary key, whatever
        # the planner believes of the tables' sizes: right after a bulk load it
        # has no statistics and may otherwise re-scan the documents per row.
        meta = queryset.model._meta
        column = f'"{meta.db_table}"."{meta.pk.column}"'
        sql, params = matching.sql, matching.params
        return queryset.filter(
            RawSQL(f"{column} = ANY(ARRAY({sql}))", params, output_field=BooleanField())
        )

    def _rows_first(
        self,
        queryset: models.QuerySet,
        terms: Sequence[str],
        tokens: Sequence[str],
        *,
        limit: int,
    ) -> list[int]:
        """Ids of the newest ``limit`` rows of a small queryset whose own document
        matches: its ids, newest first, each one's document read by primary key
        (a correlated scalar subquery, which neither database turns into a
        join), until enough are found. Nothing else is looked at, whatever the
        term's frequency. Each database gets the shape it walks in order
        without a sort: SQLite reads an IN list's ids in order for the ORDER BY,
        PostgreSQL keeps the order of a subquery in FROM."""
        meta = queryset.model._meta
        table, pk = (
            connection.ops.quote_name(n) for n in (meta.db_table, meta.pk.column)
        )
        if connection.vendor == "sqlite":
            ids, params = queryset.order_by().values("pk").query.sql_with_params()
            check = self._row_matching_sql(terms, tokens, row=f"x.{pk}")
            sql = (
                f"SELECT x.{pk} FROM {table} x "
                f"WHERE x.{pk} IN ({ids}) AND ({check.sql}) IS NOT NULL "
                f"ORDER BY x.{pk} DESC LIMIT %s"
            )
        else:
            ids, params = queryset.order_by("-pk").values("pk").query.sql_with_params()
            check = self._row_matching_sql(terms, tokens, row="c.pk")
            sql = (
                f"SELECT c.pk FROM ({ids}) AS c (pk) "
                f"WHERE ({check.sql}) IS NOT NULL ORDER BY c.pk DESC LIMIT %s"
            )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *check.params, limit])
            return [row[0] for row in cursor.fetchall()]

    def filter(self, queryset: models.QuerySet, q: str) -> models.QuerySet:
        """``queryset`` narrowed to the objects whose document contains every term
        of ``q`` (the AND of the query's tokens through the index, re-checked).
        Fine for counting a few or ordering a small result; lists use ``page``."""
        terms, tokens = query_parse(q)
        return self._matching(queryset, terms=terms, tokens=tokens)

    def page(
        self,
        queryset: models.QuerySet,
        q: str,
        *,
        cursor: str | None,
        limit: int | None,
        window: int = NEWEST_WINDOW,
        narrow: int | None = None,
    ) -> Page:
        """One page of the objects of ``queryset`` matching ``q``, newest first
        (by id), with an opaque cursor.

        Whatever the term and the queryset, the cost stays small. First the rows
        of ``queryset`` left to page through are counted from its index, up to
        ``narrow`` + 1 (``NARROW_VIEW`` unless given). When there are no more (a
        view such as an agent's own tickets), the rows lead: their ids, newest
        first, each one's document checked by primary key until the page is
        full, so a common term stops early and a rare one costs at most
        ``narrow`` lookups; the documents holding the term are never gathered.
        Otherwise the documents lead: the newest ``window`` ids are searched
        first, which fills the page at once for a term found almost everywhere
        (公司); when that is not enough, the ids below, in ranges each
        WINDOW_GROWTH times larger, until the page is full. A search costs about
        as many documents as hold the term in the ranges it reads: a term common
        last year but absent from the newest tickets reads a few thousand, not
        every document holding it (at a million tickets: 40 ms, not 400). What
        stays slow: a term common overall but seldom inside a queryset of more
        than ``narrow`` rows. Either way the hits are the same; a query per range
        read (four at a million ids), two more for the count and the window."""
        limit = limit_validate(limit)
        terms, tokens = query_parse(q)
        narrow = NARROW_VIEW if narrow is None else narrow
        top = cursor_decode(cursor, 1)[0] - 1 if cursor else None
        queryset = queryset.order_by("-pk")
        left = queryset if top is None else queryset.filter(pk__lte=top)
        # narrow=0: the documents lead without counting (a caller that runs
        # several searches over one large queryset).
        size = left.order_by().values("pk")[: narrow + 1].count() if narrow else 1
        if size <= narrow:
            # The ids first, the rows after: only the page's rows are joined.
            ids = self._rows_first(left, terms, tokens, limit=limit + 1) if size else []
            rows = list(queryset.filter(pk__in=ids)) if ids else []
        else:
            rows = self._documents_first(
                queryset, terms, tokens, top=top, limit=limit, window=window
            )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = cursor_encode([rows[-1].pk])
        return Page(items=rows, next_cursor=next_cursor)

    def _documents_first(
        self,
        queryset: models.QuerySet,
        terms: Sequence[str],
        tokens: Sequence[str],
        *,
        top: int | None,
        limit: int,
        window: int,
    ) -> list[Any]:
        """Up to ``limit`` + 1 matching objects at or below ``top``, newest
        first, found from the documents: the newest ``window`` documents, then
        growing ranges of ids below them (see ``page``). The first window is
        counted in documents, not ids, so that a gap in the ids (a sequence moved
        on by rolled-back inserts) never leaves it empty; a gap in a later range
        only moves the search on to the next."""
        below, params = ("", []) if top is None else (" WHERE object_id <= %s", [top])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT MAX(object_id) FROM {self.table}{below}),"
                f" (SELECT object_id FROM {self.table}{below}"
                " ORDER BY object_id DESC LIMIT 1 OFFSET %s)",
                [*params, *params, window],
            )
            top, floor = cursor.fetchone()
        if top is None:
            return []
        floor = floor or 0
        rows = list(
            self._matching(
                queryset, terms=terms, tokens=tokens, above=floor, at_most=top
            )[: limit + 1]
        )
        span = window
        while len(rows) <= limit and floor > 0:
            span *= WINDOW_GROWTH
            lower = max(floor - span, 0)
            rows += list(
                self._matching(
                    queryset,
                    terms=terms,
                    tokens=tokens,
                    above=lower or None,
                    at_most=floor,
                )[: limit + 1 - len(rows)]
            )
            floor = lower
        return rows
