"""Static file storage: hashed names for JavaScript modules too.

Factdesk's scripts are small ES modules that import shared ones (``offsets.js``,
``htmx-errors.js``). Django's manifest storage rewrites ``import`` paths only when asked
(``support_js_module_import_aggregation``); without it the importing script is hashed
while the modules it imports are served under plain, short-cached names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

    def url_converter(self, name: str, hashed_files: dict[str, Any], template: str | None = None) -> Callable:
        """Rewrite import paths to hashed names, leaving bare module specifiers as written.

        Third-party modules (django-htmx's extensions import ``"django_htmx/htmx"``) use
        names that only an import map resolves; they are not files to hash.
        """
        convert = super().url_converter(name, hashed_files, template)

        def converter(match: re.Match[str]) -> str:
            try:
                return convert(match)
            except ValueError:
                return match.group(0)

        return converter
