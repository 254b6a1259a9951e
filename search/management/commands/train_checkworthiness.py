"""``manage.py train_checkworthiness [FILE ...] [--from-desk]``: train a check-worthiness model.

Reads labelled sentences from JSON, JSONL or CSV files with ``text`` and ``label`` columns
(ClaimBuster's ``train.json`` and CLEF CheckThat!'s CSV among them) and/or the desk's own
decisions, holds out a fifth of them, trains on the rest and prints precision, recall, F1,
AP and MAP on the held-out part for the new model and for the current one. It then refits
on everything and either writes the model to ``--output`` (how the shipped default in
``search/data/`` is made; compared with the features alone, since the current model may
have been trained on the very same rows) or keeps it as the language's next version,
active only if it was better or ``--force`` is given. Bad files stop the command with the reason before
anything is trained or changed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.checkworthiness import FEATURE_SCORER
from annotations.checkworthiness_model import (
    Evaluation,
    LabelledSentence,
    TrainingDataError,
    describe,
    evaluate,
    read_labelled,
)
from search import training


class Command(BaseCommand):
    help = (
        "Train the check-worthiness model from labelled JSON/JSONL/CSV files (text, label) and/or the desk's "
        "decisions; print precision, recall, F1 and MAP on a held-out split; keep it as a new version (active "
        "if better, or with --force) or write it to --output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", metavar="FILE", help="Labelled .json, .jsonl or .csv files.")
        parser.add_argument(
            "--from-desk", action="store_true", help="Also learn from the desk's claims and dismissals."
        )
        parser.add_argument(
            "--on-top-of-default", action="store_true", help="Start from the shipped model instead of from nothing."
        )
        parser.add_argument("--language", default="en", help="Language of the model (default: en).")
        parser.add_argument("--force", action="store_true", help="Activate the new version even if it is not better.")
        parser.add_argument("--output", metavar="PATH", help="Write the model file here instead of keeping a version.")
        parser.add_argument(
            "--evaluate", action="append", default=[], metavar="FILE",
            help="Also report the final model on this labelled file (never used for training). Repeatable.",
        )
        parser.add_argument("--description", default="", help="Where the training data comes from (model card).")
        parser.add_argument("--user", metavar="USERNAME", help="Record this user as the one who trained it.")

    def handle(self, *args: Any, **options: Any) -> None:
        language = training.language_key(options["language"])
        if not language:
            raise CommandError("--language needs a language code such as “en”.")
        if not options["files"] and not options["from_desk"]:
            raise CommandError("Give labelled files to train on, --from-desk, or both.")
        user = self._user(options["user"])
        sentences = [sentence for path in options["files"] for sentence in self._read(path)]
        evaluations = {path: self._read(path) for path in options["evaluate"]}
        if options["from_desk"]:
            desk = training.desk_sentences(language)
            self.stdout.write(f"The desk's decisions on “{language}” articles: {describe(desk)}.")
            sentences += desk
        base = None
        if options["on_top_of_default"]:
            base = training.default_model(language)
            if base is None:
                raise CommandError(f"Factdesk ships no default model for “{language}” to train on top of.")
        sources = [Path(path).name for path in options["files"]]
        if options["from_desk"]:
            sources.append("the desk's decisions")
        description = options["description"] or f"{describe(sentences)} from {', '.join(sources)}"
        if base is not None:
            description += f", on top of {base.label}"

        self.stdout.write(f"Training on {describe(sentences)}; a fifth is held out for the comparison…")
        try:
            outcome = training.train_and_compare(
                sentences,
                language,
                base=base,
                description=description,
                compare_with=FEATURE_SCORER if options["output"] else None,
            )
        except TrainingDataError as error:
            raise CommandError(str(error)) from error
        self._table(
            f"Held out: {describe_evaluation(outcome.held_out)}",
            [("new model", outcome.held_out), (outcome.current_label, outcome.current)],
        )
        self.stdout.write(f"Decision threshold (chosen on the training part): {outcome.model.threshold:.3f}")
        for path, labelled in evaluations.items():
            texts = [sentence.text for sentence in labelled]
            result = evaluate(outcome.model.values(texts), labelled, outcome.model.threshold)
            self._table(f"{path}: {describe_evaluation(result)}", [("new model", result)])

        if options["output"]:
            self._write(Path(options["output"]), outcome.model.to_bytes())
            return
        version = training.store(outcome, user=user, force=options["force"])
        state = "active" if version.is_active else "kept, not active"
        self.stdout.write(self.style.SUCCESS(f"Saved as {version.label} ({state}). {version.note}"))

    def _read(self, path: str) -> list[LabelledSentence]:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"File not found: {path}")
        try:
            return read_labelled(file.read_bytes(), file.name)
        except TrainingDataError as error:
            raise CommandError(str(error)) from error

    def _table(self, title: str, rows: list[tuple[str, Evaluation]]) -> None:
        width = max(len(name) for name, _ in rows)
        self.stdout.write(title)
        self.stdout.write(f"  {'':{width}}  precision  recall     F1     AP    MAP")
        for name, result in rows:
            self.stdout.write(
                f"  {name:{width}}  {result.precision:9.3f}  {result.recall:6.3f}  {result.f1:5.3f}  "
                f"{result.average_precision:5.3f}  {result.mean_average_precision:5.3f}"
            )

    def _write(self, path: Path, data: bytes) -> None:
        """Write next to the target and rename, so a failure never leaves half a model file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would hide a file meant to be committed
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({len(data) / 1024:,.0f} KB)."))

    def _user(self, username: str | None) -> Any:
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No user named “{username}”.") from error


def describe_evaluation(result: Evaluation) -> str:
    groups = f" in {result.groups} groups" if result.groups > 1 else ""
    return f"{result.n:,} sentences, {result.positives:,} check-worthy{groups}"
