"""Rendering of what staff read: Jinja2 templates in files, Babel for dates, labels as data.

An adapter beside `delivery/` (the domain never imports it). The small public API:

- `environment(locale="fr", search_path=())` -> a `jinja2.Environment` (cached per arguments)
  loading templates from `search_path` first (each directory's `<locale>/` subdirectory, then
  the directory itself), then this package's `templates/<locale>/` and `templates/common/`.
  `.html`/`.htm`/`.xml` templates are autoescaped; undefined variables raise. Raises
  `UnknownLocale` for a locale other than `fr` (default) and `en`.
- Filters in every environment: `date` (`{{ d | date }}` -> `01/12/2025`), `datetime`
  (`{{ at | datetime("Europe/Paris") }}` -> `01/12/2025 08:00`), `days` (`{{ 35 | days }}` ->
  `35 jours`), `label` (`{{ "mri" | label("kind") }}` -> `IRM`; groups in `labels.toml`).
  Global `locale`.
- The same as plain functions: `format_date`, `format_datetime`, `format_days`, `label`.
"""

from __future__ import annotations

from rendering.environment import environment
from rendering.formatting import format_date, format_datetime, format_days
from rendering.labels import DEFAULT_LOCALE, LOCALES, UnknownLocale, label

__all__ = [
    "DEFAULT_LOCALE", "LOCALES", "UnknownLocale", "environment", "format_date", "format_datetime",
    "format_days", "label",
]
