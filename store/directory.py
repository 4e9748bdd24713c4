"""The staff directory: neurologists and centres, loaded from a file, read to address reminders.

A file is either JSON, `{"centres": [...], "neurologists": [...]}`, or CSV with one
kind per file, told apart by its header (`neurologist_id,...` or `centre_id,...,
coordinator_email,...`). Every row is validated before anything is written; an error
names the file, the row and the field. Loading upserts by id.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import asyncpg
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from domain.events import StaffId
from domain.field_messages import user_message
from domain.plan import Recipient
from store import queries
from store.db import StoreError, connection, transaction

EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
URL_SHAPE = r"^https?://[^\s/]+\S*$"


class DirectoryError(StoreError):
    """A directory file that cannot be loaded; nothing of it was written."""


def _shaped(pattern: str, what: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


Email = Annotated[str, _shaped(EMAIL_SHAPE, "an e-mail address")]
WebhookUrl = Annotated[str, _shaped(URL_SHAPE, "an http(s) URL")]
DisplayName = Annotated[str, Field(min_length=1, max_length=200)]


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Neurologist(_Entry):
    neurologist_id: StaffId
    display_name: DisplayName
    email: Email
    webhook_url: WebhookUrl | None = None
    centre_id: StaffId


class Centre(_Entry):
    centre_id: StaffId
    display_name: DisplayName
    coordinator_email: Email
    default_queue_email: Email
    webhook_url: WebhookUrl | None = None


class Loaded(NamedTuple):
    neurologists: int
    centres: int


ROLES_BY_CENTRE = {"crc_coordinator": "coordinator_email", "default_queue": "default_queue_email"}


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(row)'}: {user_message(e)}"
        for e in error.errors()
    )


def _validate(model: type[_Entry], rows: Iterable[tuple[str, Any]], source: str, problems: list[str]) -> list[Any]:
    """`rows` are (where, data) pairs, `where` being e.g. `line 3` or `neurologists[2]`; errors go to `problems`."""
    entries: list[Any] = []
    seen: dict[str, str] = {}
    key = "neurologist_id" if model is Neurologist else "centre_id"
    for where, data in rows:
        if isinstance(data, dict) and isinstance(data.get(key), str):
            where = f"{where} ({key} {data[key]!r})"
        try:
            entry = model.model_validate(data)
        except ValidationError as error:
            problems.append(f"{source}, {where}: {_describe(error)}")
            continue
        ident = getattr(entry, key)
        if ident in seen:
            problems.append(f"{source}, {where}: {key}: {ident!r} repeats {seen[ident]}")
        seen[ident] = where
        entries.append(entry)
    return entries


def _refuse_if(problems: list[str]) -> None:
    if problems:
        raise DirectoryError("directory not loaded:\n  " + "\n  ".join(problems))


def _read_json(path: Path) -> tuple[list[Neurologist], list[Centre]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DirectoryError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, dict) or not set(data) <= {"centres", "neurologists"}:
        raise DirectoryError(f'{path}: expected an object {{"centres": [...], "neurologists": [...]}}')
    sections = {}
    for name in ("centres", "neurologists"):
        rows = data.get(name, [])
        if not isinstance(rows, list):
            raise DirectoryError(f"{path}: {name!r} must be a list")
        sections[name] = [(f"{name}[{i}]", row) for i, row in enumerate(rows)]
    problems: list[str] = []
    neurologists = _validate(Neurologist, sections["neurologists"], str(path), problems)
    centres = _validate(Centre, sections["centres"], str(path), problems)
    _refuse_if(problems)
    return neurologists, centres


def _cells(row: dict[str | None, Any]) -> dict[str, Any]:
    # Blank cells are absent values, so a missing required field is reported as such;
    # cells beyond the header (DictReader's None key) are refused as an unknown field.
    return {("(cells beyond the header)" if k is None else k): v for k, v in row.items() if v not in (None, "")}


def _read_csv(path: Path) -> tuple[list[Neurologist], list[Centre]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or ())
        rows = [(f"line {reader.line_num}", _cells(row)) for row in reader]
    problems: list[str] = []
    if "neurologist_id" in header:
        neurologists = _validate(Neurologist, rows, str(path), problems)
        _refuse_if(problems)
        return neurologists, []
    if {"centre_id", "coordinator_email"} <= header:
        centres = _validate(Centre, rows, str(path), problems)
        _refuse_if(problems)
        return [], centres
    raise DirectoryError(
        f"{path}: cannot tell the kind of rows from the header {sorted(header)}; expected a "
        "neurologist_id column (neurologists) or centre_id and coordinator_email columns (centres)"
    )


def read_directory(path: Path) -> tuple[list[Neurologist], list[Centre]]:
    """Parse and validate a directory file without touching the database."""
    if not path.is_file():
        raise DirectoryError(f"{path}: no such file")
    return _read_json(path) if path.suffix.lower() == ".json" else _read_csv(path)


def _columns(entries: Sequence[BaseModel], fields: Sequence[str]) -> list[list[Any]]:
    return [[getattr(e, f) for e in entries] for f in fields]


class Directory:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def load(self, path: Path) -> Loaded:
        """Upsert the file's neurologists and centres in one transaction; return the counts."""
        neurologists, centres = read_directory(Path(path))
        async with transaction(self._pool) as conn:
            if centres:
                await conn.execute(queries.CENTRES_UPSERT, *_columns(centres, list(Centre.model_fields)))
            if neurologists:
                fields = ("neurologist_id", "display_name", "email", "webhook_url", "centre_id")
                await conn.execute(queries.NEUROLOGISTS_UPSERT, *_columns(neurologists, fields))
        return Loaded(len(neurologists), len(centres))

    async def addresses(self, recipients: Sequence[Recipient]) -> list[dict[str, Any]]:
        """One `{"role", "id", "address", "webhook_url", "display_name"}` per recipient, in order.

        `neurologist` -> the neurologist's e-mail; `crc_coordinator` and `default_queue`
        -> the centre's coordinator or default-queue e-mail; `display_name` is the person's
        (`Dr A. Martin`) or the centre's. An unknown id (or role) gives `address: None` and
        `display_name: None`: the caller decides what to do.
        """
        neurologist_ids = [r.id for r in recipients if r.role == "neurologist"]
        centre_ids = [r.id for r in recipients if r.role in ROLES_BY_CENTRE]
        async with connection(self._pool) as conn:
            neurologists = {r["neurologist_id"]: r for r in await conn.fetch(queries.NEUROLOGISTS_BY_ID, neurologist_ids)}
            centres = {r["centre_id"]: r for r in await conn.fetch(queries.CENTRES_BY_ID, centre_ids)}
        return [_address(r, neurologists, centres) for r in recipients]

    async def centre_name(self, centre_id: str) -> str:
        """The centre's display name (`CRC SEP Marseille`); its id when the directory lacks it."""
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.CENTRES_BY_ID, [centre_id])
        return rows[0]["display_name"] if rows else centre_id


def _address(recipient: Recipient, neurologists: dict[str, Any], centres: dict[str, Any]) -> dict[str, Any]:
    address = webhook_url = name = None
    if recipient.role == "neurologist" and (row := neurologists.get(recipient.id)):
        address, webhook_url, name = row["email"], row["webhook_url"], row["display_name"]
    elif recipient.role in ROLES_BY_CENTRE and (row := centres.get(recipient.id)):
        address, webhook_url, name = row[ROLES_BY_CENTRE[recipient.role]], row["webhook_url"], row["display_name"]
    return {"role": recipient.role, "id": recipient.id, "address": address, "webhook_url": webhook_url,
            "display_name": name}
