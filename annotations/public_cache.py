"""Caching of the public pages, and purging it when a fact-check is published or corrected.

The public pages are made for a CDN: every answer carries ``Cache-Control: public,
max-age=FACTDESK_PUBLIC_MAX_AGE``, an ``ETag`` and a ``Last-Modified`` (see
:mod:`annotations.public_views`). Three things keep what readers see current:

* **Fingerprints.** Each ETag hashes what the page shows (the claim's and article's
  versions, the number and latest change of published claims...), read in one cheap query,
  so a changed page never revalidates as unchanged, whatever process answers.
* **A version, bumped on publish and correct.** :data:`annotations.signals.claim_published`
  and :data:`~annotations.signals.claim_corrected` bump :func:`public_version` (kept in the
  default cache: shared by every app server when that is Redis). It is part of every ETag
  and of the keys of the cached public fragments (the highlighted article text), so after a
  publication nothing cached before it is served again; old fragments age out of the
  byte-bounded ``fragments`` cache. Deleting a published claim, correcting an article
  that has published claims (``articles.signals.article_body_changed``) and changing a
  verdict label do the same.
* **A purge hook for a real CDN.** With ``FACTDESK_CDN_PURGE_URL`` set, the public addresses
  the change affects are POSTed there as JSON (``{"urls": [...]}``, with
  ``Authorization: Bearer FACTDESK_CDN_PURGE_TOKEN`` when a token is set) by a background
  task after the transaction commits: a slow CDN never slows down the editor who publishes.
  Unset (the default, and in the test suite), nothing leaves the machine.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django_tasks import task

from annotations.models import Claim, RatingLabel
from annotations.public_links import (
    PUBLIC_STATUS,
    public_article_path,
    public_claim_path,
    public_embed_path,
    public_pages_enabled,
    site_url,
)
from annotations.signals import claim_corrected, claim_published
from articles.signals import article_body_changed

logger = logging.getLogger("annotations.public_cache")

#: The default cache's key holding the public pages' version.
VERSION_KEY = "public-pages:version"


def _cache() -> Any:
    return caches["default"]


def public_version() -> int:
    """The public pages' current version (0 when the cache cannot be read: pages still work)."""
    try:
        cache = _cache()
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, 1, None)
            version = cache.get(VERSION_KEY, 1)
        return int(version)
    except Exception:  # a cache outage must not take the public pages down
        logger.warning("Public page version unreadable; using 0", exc_info=True)
        return 0


def bump_public_version() -> int:
    """Make every ETag and cached public fragment from before now stale; returns the new version."""
    try:
        cache = _cache()
        try:
            return int(cache.incr(VERSION_KEY))
        except ValueError:  # not set yet (or evicted)
            cache.set(VERSION_KEY, public_version() + 1, None)
            return int(cache.get(VERSION_KEY, 0))
    except Exception:
        logger.warning("Public page version could not be bumped", exc_info=True)
        return 0


def _listing_paths() -> list[str]:
    """The index, the feed and the sitemap (its first files: the ones a new or changed fact-check lands in)."""
    sections = [reverse("public:sitemap_section", kwargs={"section": name}) for name in ("fact-checks", "articles")]
    return [reverse("public:index"), reverse("public:feed"), reverse("public:sitemap"), *sections]


def affected_urls(claim: Any) -> list[str]:
    """The public addresses whose content changes when ``claim`` is published, corrected or deleted."""
    paths = [public_claim_path(claim), public_embed_path(claim), public_article_path(claim.article), *_listing_paths()]
    return [site_url(path) for path in paths]


def article_urls(article: Any) -> list[str]:
    """The public addresses showing ``article`` (its page, its published claims' pages); none if it has none."""
    claims = list(Claim.objects.filter(article=article, status=PUBLIC_STATUS).only("pk", "statement", "exact"))
    if not claims:
        return []
    paths = [public_article_path(article), *_listing_paths()]
    for claim in claims:
        paths += [public_claim_path(claim), public_embed_path(claim)]
    return [site_url(path) for path in paths]


def purge_after_commit(urls: list[str]) -> None:
    """Once the transaction commits: bump the version, and ask the CDN to purge ``urls`` (if one is set).

    The addresses are computed by the caller now, while the rows still exist (a deleted
    claim's article may be gone after the commit).
    """

    def run() -> None:
        bump_public_version()
        if urls and public_pages_enabled() and getattr(settings, "FACTDESK_CDN_PURGE_URL", ""):
            purge_public_urls.enqueue(urls=urls)

    transaction.on_commit(run)


@receiver(claim_published, dispatch_uid="public_cache.published")
@receiver(claim_corrected, dispatch_uid="public_cache.corrected")
def _on_public_change(sender: Any, claim: Any, **kwargs: Any) -> None:
    purge_after_commit(affected_urls(claim))


@receiver(pre_delete, sender=Claim, dispatch_uid="public_cache.claim_deleted")
def _on_claim_deleted(sender: Any, instance: Claim, **kwargs: Any) -> None:
    """A deleted published claim must leave the CDN too (its pages are 404 from now on)."""
    if instance.status == PUBLIC_STATUS:
        purge_after_commit(affected_urls(instance))


@receiver(article_body_changed, dispatch_uid="public_cache.article_changed")
def _on_article_changed(sender: Any, article: Any, **kwargs: Any) -> None:
    """A corrected (or outlet-changed) article text changes its public page and its fact-checks' quotes."""
    urls = article_urls(article)
    if urls:
        purge_after_commit(urls)


@receiver(post_save, sender=RatingLabel, dispatch_uid="public_cache.label_saved")
@receiver(post_delete, sender=RatingLabel, dispatch_uid="public_cache.label_deleted")
def _on_label_change(sender: Any, **kwargs: Any) -> None:
    """A renamed or recoloured verdict changes every page that shows it: bump the version (no purge: rare)."""
    transaction.on_commit(bump_public_version)


@task()
def purge_public_urls(urls: list[str]) -> bool:
    """POST ``{"urls": [...]}`` to ``FACTDESK_CDN_PURGE_URL``; True when the CDN accepted it (2xx).

    Failures are logged, not raised: a purge that did not happen only means readers see
    the old page until ``max-age`` runs out.
    """
    endpoint = getattr(settings, "FACTDESK_CDN_PURGE_URL", "")
    if not endpoint:
        return False
    if not endpoint.startswith(("http://", "https://")):
        logger.error("FACTDESK_CDN_PURGE_URL is not an http(s) URL; not purging")
        return False
    headers = {"Content-Type": "application/json", "User-Agent": "Factdesk CDN purge"}
    token = getattr(settings, "FACTDESK_CDN_PURGE_TOKEN", "")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        endpoint, data=json.dumps({"urls": urls}).encode(), headers=headers, method="POST"
    )
    timeout = float(getattr(settings, "FACTDESK_CDN_PURGE_TIMEOUT", 5))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            ok = 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError) as error:
        logger.warning("CDN purge of %d URLs failed: %s", len(urls), error)
        return False
    if not ok:
        logger.warning("CDN purge of %d URLs answered %s", len(urls), response.status)
    return ok
