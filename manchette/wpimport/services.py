"""Import of a WordPress export (WXR): authors, categories, tags, media, posts, pages,
comments and old permalinks, safe to run again.

The file is read twice, streaming: a first pass checks that it is whole and well
formed (nothing is written before that), counts what it holds and notes the
attachments; the second pass imports. Each post is written in its own transaction
(never half an article); its comments follow in another one."""

from __future__ import annotations

import hashlib
import html
import ipaddress
import json
import logging
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from django.core.validators import EmailValidator, URLValidator
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Revision, Site

from manchette.core.pagecache import tags_invalidate, tags_invalidation_deferred
from manchette.discussions.importing import ImportedComment, comments_import_bulk
from manchette.newsroom.cache import FEED_URLS, frontend_purge, page_changed
from manchette.newsroom.models import (
    ArticlePage,
    Author,
    HomePage,
    SectionPage,
    StaticPage,
)
from manchette.topics.models import Topic
from manchette.wpimport import content, wxr
from manchette.wpimport.models import WordPressItem, WordPressKind
from manchette.wpimport.php import unserialize_or_none
from manchette.wpimport.progress import Progress
from manchette.wpimport.report import ImportReport

logger = logging.getLogger("manchette.wpimport")

# Bumped when the conversion changes, so that a new run rewrites what it made before.
CONVERTER_VERSION = "1"
# WordPress stamps post_modified on any save; only a later edit is a visible update.
VISIBLE_UPDATE_AFTER = timedelta(minutes=30)
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp", "avif", "heic"}
SIZE_SUFFIX = re.compile(r"-(?:\d+x\d+|scaled|rotated)(?=\.\w+$)")
UPLOADS = "/wp-content/uploads/"
COMMENT_STATUSES = {
    "1": "approved",
    "approve": "approved",
    "0": "pending",
    "hold": "pending",
    "spam": "spam",
    "trash": "removed",
    "post-trashed": "removed",
}
YOAST_SEPARATOR = "-"  # Yoast's default (sc-dash)
ZERO_DATE = "0000-00-00"
# Posts (with their comments) written per transaction; each has its own savepoint.
ITEMS_PER_TRANSACTION = 20


class ImportRefused(Exception):
    """The import cannot start; the message says why and what to do."""


@dataclass
class Attachment:
    id: int
    title: str
    file: str  # relative to wp-content/uploads
    url: str
    link: str
    alt: str
    caption: str
    description: str
    parent: int
    sizes: list[str] = field(default_factory=list)

    @property
    def extension(self) -> str:
        return self.file.rsplit(".", 1)[-1].lower() if "." in self.file else ""


@dataclass
class Inventory:
    """What the first pass found."""

    channel: wxr.WxrChannel
    items: int = 0
    comments: int = 0
    attachments: list[Attachment] = field(default_factory=list)
    category_posts: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)


def _dry_run_rollback() -> None:
    raise _DryRunDone


class _DryRunDone(Exception):
    pass


def _parse_date(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value or value.startswith(ZERO_DATE):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 - zone added by caller
    except ValueError:
        return None


def clean_title(raw: str) -> str:
    return content.text_of(html.unescape(raw)) if raw else ""


def _fingerprint(*parts: Any) -> str:
    raw = json.dumps([CONVERTER_VERSION, *parts], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _stable_id(*parts: Any) -> str:
    """Block ids that do not change from one run to the next (nothing changes)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(p) for p in parts)))


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def scan(path: Path) -> Inventory:
    """First pass: the whole file is read (and so checked) before anything is written."""
    inventory: Inventory | None = None
    for event in wxr.read(path, with_comments=True):
        if isinstance(event, wxr.WxrChannel):
            if inventory is None:
                inventory = Inventory(channel=event)
            else:
                inventory.channel = event
            continue
        assert inventory is not None
        inventory.types[event.type] += 1
        if event.type == "attachment":
            inventory.attachments.append(_attachment(event))
            continue
        inventory.items += 1
        inventory.comments += len(event.comments)
        if event.type == "post" and event.status not in (
            "trash",
            "auto-draft",
            "inherit",
        ):
            for domain, nicename, _name in event.terms:
                if domain == "category":
                    inventory.category_posts[nicename] += 1
    if inventory is None:
        raise wxr.WxrError(f"« {path.name} » ne contient aucun canal WordPress.")
    return inventory


def _attachment(item: wxr.WxrItem) -> Attachment:
    file = item.meta.get("_wp_attached_file", "")
    url = item.attachment_url or item.guid
    if not file and UPLOADS in url:
        file = unquote(url.split(UPLOADS, 1)[1])
    sizes: list[str] = []
    metadata = unserialize_or_none(item.meta.get("_wp_attachment_metadata", ""))
    if isinstance(metadata, dict):
        folder = file.rsplit("/", 1)[0] + "/" if "/" in file else ""
        for size in (metadata.get("sizes") or {}).values():
            if isinstance(size, dict) and size.get("file"):
                sizes.append(folder + str(size["file"]))
        if metadata.get("original_image"):
            sizes.append(folder + str(metadata["original_image"]))
    return Attachment(
        id=item.id,
        title=clean_title(item.title) or file.rsplit("/", 1)[-1],
        file=file,
        url=url,
        link=item.link,
        alt=item.meta.get("_wp_attachment_image_alt", ""),
        caption=content.text_of(item.excerpt),
        description=content.text_of(item.content),
        parent=item.parent,
        sizes=sizes,
    )


class WordPressImport:
    def __init__(
        self,
        *,
        path: Path,
        media_dir: Path | None,
        dry_run: bool,
        progress: Progress | None,
    ) -> None:
        self.path = path
        self.media_dir = media_dir
        self.dry_run = dry_run
        self.progress = progress or Progress(None)
        self.report = ImportReport(dry_run=dry_run)
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.created_files: list[str] = []
        self.authors_by_login: dict[str, Author] = {}
        self.sections_by_slug: dict[str, SectionPage] = {}
        self.topics_by_slug: dict[str, Topic] = {}
        self.category_by_id: dict[int, wxr.WxrTerm] = {}
        self.category_by_slug: dict[str, wxr.WxrTerm] = {}
        self.attachments: dict[int, Attachment] = {}
        self.attachments_by_parent: dict[int, list[int]] = defaultdict(list)
        self.attachment_by_file: dict[str, int] = {}
        self.image_ids: dict[int, int] = {}  # WordPress attachment id → Wagtail image
        self.document_ids: dict[int, int] = {}
        self.file_urls: dict[int, str] = {}
        self.content_types: dict[type[models.Model], ContentType] = {}
        self.zone_mismatch = False
        self.new_live_parents: dict[int, Page] = {}
        self.comments_created = False

    # -- entry point ------------------------------------------------------------------
    def run(self) -> ImportReport:
        inventory = scan(self.path)
        if self.media_dir is not None and not self.media_dir.is_dir():
            raise ImportRefused(
                f"Le dossier de médias « {self.media_dir} » n’existe pas. Indiquez avec "
                "--media une copie du dossier wp-content/uploads du site WordPress (celui "
                "qui contient les dossiers 2020/, 2021/…), ou lancez sans --media pour "
                "importer le texte seul. Rien n’a été importé."
            )
        self.channel = inventory.channel
        if not self.channel.source:
            raise ImportRefused(
                "L’export n’indique pas l’adresse du site WordPress (wp:base_site_url) : "
                "impossible de reconnaître ses liens. " + wxr.EXPORT_AGAIN
            )
        self.source = self.channel.source
        self.source_key = hashlib.sha1(
            self.source.encode(), usedforsecurity=False
        ).hexdigest()[:8]
        self.site, self.home = self._target()
        self.progress.set_totals(
            items=inventory.items,
            comments=inventory.comments,
            media=len(inventory.attachments),
        )
        try:
            with self._maybe_dry_run():
                self._import(inventory)
        finally:
            if self.dry_run:
                for name in self.created_files:
                    default_storage.delete(name)
        self.progress.finish()
        return self.report

    @contextmanager
    def _maybe_dry_run(self) -> Iterator[None]:
        if not self.dry_run:
            yield
            return
        try:
            with transaction.atomic():
                yield
                _dry_run_rollback()
        except _DryRunDone:
            pass

    def _target(self) -> tuple[Site, HomePage]:
        site = (
            Site.objects.filter(is_default_site=True)
            .select_related("root_page")
            .first()
        )
        home = site.root_page.specific if site else None
        if site is None or not isinstance(home, HomePage):
            raise ImportRefused(
                "Ce site n’a pas encore de page d’accueil (la Une) : lancez d’abord "
                "`manage.py migrate` puis créez la Une dans l’administration (ou "
                "`make run`), et relancez l’import."
            )
        return site, home

    def _import(self, inventory: Inventory) -> None:
        # WXR writes each term twice (wp:category or wp:tag, then wp:term): once is enough.
        unique = {(t.taxonomy, t.id): t for t in inventory.channel.terms}
        inventory.channel.terms = list(unique.values())
        for term in inventory.channel.terms:
            if term.taxonomy == "category":
                self.category_by_id[term.id] = term
                self.category_by_slug[term.slug] = term
        self._authors(inventory.channel.authors)
        self._sections(inventory)
        self._topics([t for t in inventory.channel.terms if t.taxonomy == "post_tag"])
        self._media(inventory.attachments)
        sticky: list[ArticlePage] = []
        items = (
            event
            for event in wxr.read(self.path)
            if isinstance(event, wxr.WxrItem) and event.type != "attachment"
        )
        while batch := list(islice(items, ITEMS_PER_TRANSACTION)):
            # A few items per transaction (each one in a savepoint of its own, so
            # that a bad one is still skipped whole): fewer commits.
            with transaction.atomic():
                for event in batch:
                    page = self._item_with_comments(event)
                    if event.sticky and isinstance(page, ArticlePage) and page.live:
                        sticky.append(page)
        self._lead_article(sticky)
        self._refresh_caches()
        for kind, count in inventory.types.items():
            if kind not in ("post", "page", "attachment"):
                self.report.note(
                    f"{count} élément(s) de type « {kind} » ignoré(s) : Manchette n’a pas "
                    "d’équivalent (menus, blocs réutilisables, formulaires, types propres "
                    "à une extension)."
                )
        if self.zone_mismatch:
            self.report.note(
                f"Les heures locales de l’export ne suivent pas le fuseau du site "
                f"({settings.TIME_ZONE}) : les dates ont été prises en temps universel "
                "(post_date_gmt), qui fait foi."
            )

    def _item_with_comments(self, event: wxr.WxrItem) -> Page | None:
        started = time.monotonic()
        page = self._item(event)
        self.progress.advance("items", 1, time.monotonic() - started)
        if page is not None and event.comments:
            started = time.monotonic()
            self._comments(event, page)
            self.progress.advance(
                "comments", len(event.comments), time.monotonic() - started
            )
        return page

    def _refresh_caches(self) -> None:
        """Pages created live by _create_published sent no page_published signal, and
        comments imported in bulk did not refresh their article: what shows them is
        refreshed once (every cached page of the site carries the "site" tag, so this
        reaches articles, la Une, sections, topics, authors, feeds and sitemaps), and
        so is the reverse proxy in front, when there is one."""
        if self.comments_created:
            # (each article's own tag would do, but thousands of them, for nothing)
            tags_invalidate(["site"])
        if not self.new_live_parents:
            return
        for parent in self.new_live_parents.values():
            page_changed(parent)
        frontend_purge(
            urls=[
                *FEED_URLS,
                *(topic.get_absolute_url() for topic in self.topics_by_slug.values()),
                *(a.get_absolute_url() for a in self.authors_by_login.values()),
            ]
        )

    # -- mapping records ------------------------------------------------------------
    def _content_type(self, model: type[models.Model]) -> ContentType:
        if model not in self.content_types:
            self.content_types[model] = ContentType.objects.get_for_model(model)
        return self.content_types[model]

    def _mapping(self, kind: str, wp_id: int) -> WordPressItem | None:
        return WordPressItem.objects.filter(
            source=self.source, kind=kind, wp_id=wp_id
        ).first()

    def _mapped(self, kind: str, wp_id: int, model: type[models.Model]) -> Any:
        mapping = self._mapping(kind, wp_id)
        if mapping is None:
            return None
        return model._default_manager.filter(pk=mapping.object_id).first()

    def _remember(
        self,
        kind: str,
        wp_id: int,
        obj: models.Model,
        *,
        guid: str = "",
        fingerprint: str = "",
        data: dict[str, Any] | None = None,
        new: bool = False,
    ) -> None:
        """Record what this WordPress item became; `new`: the caller has just seen
        that no record exists yet."""
        values = {
            "guid": guid[:500],
            "content_type": self._content_type(type(obj)),
            "object_id": obj.pk,
            "fingerprint": fingerprint,
            "data": data or {},
        }
        if new:
            WordPressItem.objects.create(
                source=self.source, kind=kind, wp_id=wp_id, **values
            )
            return
        WordPressItem.objects.update_or_create(
            source=self.source, kind=kind, wp_id=wp_id, defaults=values
        )

    # -- authors, sections, topics ----------------------------------------------------
    def _authors(self, authors: list[wxr.WxrAuthor]) -> None:
        for wp_author in authors:
            name = (
                wp_author.display_name
                or f"{wp_author.first_name} {wp_author.last_name}".strip()
                or wp_author.login
            )
            self.authors_by_login[wp_author.login] = self._author(
                key=wp_author.id, name=name, login=wp_author.login
            )

    def _author(self, *, key: int, name: str, login: str) -> Author:
        with transaction.atomic():
            author = self._mapped(WordPressKind.AUTHOR, key, Author)
            if author is not None:
                self.report.count("author", "unchanged")
            else:
                slug = slugify(name)[:140] or slugify(login)[:140] or f"auteur-{key}"
                author = Author.objects.filter(slug=slug).first()
                if author is not None:
                    self.report.count("author", "unchanged")
                    self.report.note(
                        f"L’auteur WordPress « {login} » a été rattaché à l’auteur existant "
                        f"« {author.name} » (même adresse /{slug}/)."
                    )
                else:
                    author = Author.objects.create(name=name[:120], slug=slug)
                    self.report.count("author", "created")
                self._remember(WordPressKind.AUTHOR, key, author, data={"login": login})
            self._redirect(f"/author/{login}/", link=author.get_absolute_url())
        return author

    def _sections(self, inventory: Inventory) -> None:
        categories = [t for t in inventory.channel.terms if t.taxonomy == "category"]
        for term in categories:
            if not inventory.category_posts.get(term.slug):
                self.report.skip(
                    "section",
                    f"catégorie « {term.name} »",
                    "aucun article ne l’utilise (non créée)",
                )
                continue
            with transaction.atomic():
                section = self._section(term)
            self.sections_by_slug[term.slug] = section
            if term.parent_slug:
                parent = self.category_by_slug.get(term.parent_slug)
                self.report.note(
                    f"La catégorie « {term.name} » était rangée sous « "
                    f"{parent.name if parent else term.parent_slug} » : Manchette n’a "
                    "qu’un niveau de rubriques, elle devient une rubrique à part entière "
                    "(ses anciennes adresses y mènent)."
                )

    def _category_path(self, term: wxr.WxrTerm) -> str:
        slugs = [term.slug]
        parent = self.category_by_slug.get(term.parent_slug)
        while parent is not None and parent.slug not in slugs:
            slugs.insert(0, parent.slug)
            parent = self.category_by_slug.get(parent.parent_slug)
        return "/".join(slugs)

    def _section(self, term: wxr.WxrTerm) -> SectionPage:
        section = self._mapped(WordPressKind.CATEGORY, term.id, SectionPage)
        if section is not None:
            self.report.count("section", "unchanged")
        else:
            slug = unquote(term.slug)
            section = (
                SectionPage.objects.child_of(self.home)
                .filter(slug=slug)
                .specific()
                .first()
            )
            if section is not None:
                self.report.count("section", "unchanged")
            else:
                section = SectionPage(
                    title=clean_title(term.name)[:255],
                    slug=slug,
                    intro=_truncate(content.text_of(term.description), 300),
                    live=False,
                )
                self.home.add_child(instance=section)
                section.save_revision().publish()
                self.report.count("section", "created")
            self._remember(
                WordPressKind.CATEGORY, term.id, section, data={"slug": term.slug}
            )
        self._redirect(f"/category/{self._category_path(term)}/", page=section)
        if term.parent_slug:
            self._redirect(f"/category/{term.slug}/", page=section)
        return section

    def _topics(self, tags: list[wxr.WxrTerm]) -> None:
        for term in tags:
            with transaction.atomic():
                topic = self._mapped(WordPressKind.TAG, term.id, Topic)
                if topic is not None:
                    self.report.count("topic", "unchanged")
                else:
                    slug = slugify(unquote(term.slug))[:140] or slugify(term.name)[:140]
                    topic = Topic.objects.filter(slug=slug).first()
                    if topic is not None:
                        self.report.count("topic", "unchanged")
                    else:
                        topic = Topic.objects.create(
                            name=clean_title(term.name)[:120],
                            slug=slug,
                            description=content.text_of(term.description)[:1000],
                        )
                        self.report.count("topic", "created")
                    self._remember(
                        WordPressKind.TAG, term.id, topic, data={"slug": term.slug}
                    )
                self._redirect(f"/tag/{term.slug}/", link=topic.get_absolute_url())
            self.topics_by_slug[term.slug] = topic

    # -- redirects --------------------------------------------------------------------
    def _redirect(
        self,
        old: str,
        *,
        page: Page | None = None,
        link: str = "",
        page_url: str | None = None,
        found: dict[str, Redirect] | None = None,
    ) -> None:
        old_path = Redirect.normalise_path(old)
        if page is not None and page.url_path:
            new_url = page_url if page_url is not None else (page.get_url() or "")
            if new_url and Redirect.normalise_path(new_url) == old_path:
                return  # the new address is the old one
        existing = (
            found.get(old_path)
            if found is not None
            else Redirect.objects.filter(site=self.site, old_path=old_path).first()
        )
        if existing is None:
            Redirect.objects.create(
                site=self.site,
                old_path=old_path,
                is_permanent=True,
                redirect_page=page,
                redirect_link=link if page is None else "",
            )
            self.report.count("redirect", "created")
            return
        same = (
            existing.redirect_page_id == (page.pk if page else None)
            and (existing.redirect_link or "") == (link if page is None else "")
            and existing.is_permanent
        )
        if same:
            self.report.count("redirect", "unchanged")
            return
        existing.redirect_page = page
        existing.redirect_link = link if page is None else ""
        existing.is_permanent = True
        existing.save()
        self.report.count("redirect", "updated")

    def _old_path(self, url: str) -> str | None:
        """The path and query of a URL of the old site; None for another site's."""
        parts = urlsplit(url)
        if parts.netloc and self._host(parts.netloc) != self._host(
            urlsplit(self.source).netloc
        ):
            return None
        path = parts.path or "/"
        return path + (f"?{parts.query}" if parts.query else "")

    @staticmethod
    def _host(netloc: str) -> str:
        return netloc.lower().removeprefix("www.")

    # -- media ------------------------------------------------------------------------
    def _media(self, attachments: list[Attachment]) -> None:
        for attachment in attachments:
            self.attachments[attachment.id] = attachment
            if attachment.parent:
                self.attachments_by_parent[attachment.parent].append(attachment.id)
            for name in [attachment.file, *attachment.sizes]:
                if name:
                    self.attachment_by_file[name] = attachment.id
        if attachments and self.media_dir is None:
            self.report.note(
                f"{len(attachments)} médias non importés : indiquez --media (une copie de "
                "wp-content/uploads) pour les importer avec leurs légendes."
            )
            self.report.tallies["image"].skipped += len(attachments)
            self.progress.advance("media", len(attachments), 0.0)
            return
        for attachment in attachments:
            started = time.monotonic()
            try:
                with transaction.atomic():
                    self._attachment(attachment)
            except Exception as error:  # one bad file must not stop the import
                logger.debug("attachment %s", attachment.id, exc_info=True)
                self.report.skip(
                    "image", f"média {attachment.id} « {attachment.title} »", str(error)
                )
            self.progress.advance("media", 1, time.monotonic() - started)

    def _attachment(self, attachment: Attachment) -> None:
        is_image = attachment.extension in IMAGE_EXTENSIONS
        kind = "image" if is_image else "document"
        model = get_image_model() if is_image else get_document_model()
        what = f"média {attachment.id} « {attachment.title} »"
        if not is_image and attachment.extension not in settings.WAGTAILDOCS_EXTENSIONS:
            self.report.skip(
                "document", what, f"type de fichier .{attachment.extension} non accepté"
            )
            return
        fingerprint = _fingerprint(asdict(attachment))
        mapping = self._mapping(WordPressKind.ATTACHMENT, attachment.id)
        existing = (
            model.objects.filter(pk=mapping.object_id).first()
            if mapping is not None
            else None
        )
        data = {
            "caption": attachment.caption,
            "description": attachment.description,
            "file": attachment.file,
        }
        if existing is not None:
            if mapping is not None and mapping.fingerprint != fingerprint:
                existing.title = attachment.title[:255]
                if is_image:
                    existing.description = attachment.alt[:255]
                existing.save()
                self._remember(
                    WordPressKind.ATTACHMENT,
                    attachment.id,
                    existing,
                    guid=attachment.url,
                    fingerprint=fingerprint,
                    data=data,
                )
                self.report.count(kind, "updated")
            else:
                self.report.count(kind, "unchanged")
            obj = existing
        else:
            assert self.media_dir is not None
            source = (self.media_dir / attachment.file).resolve()
            if not attachment.file or not source.is_relative_to(
                self.media_dir.resolve()
            ):
                self.report.skip(kind, what, "chemin de fichier invalide dans l’export")
                return
            if not source.is_file():
                self.report.skip(
                    kind,
                    what,
                    f"fichier absent du dossier de médias : {attachment.file}",
                )
                return
            with source.open("rb") as stream:
                if is_image:
                    obj = model(
                        title=attachment.title[:255],
                        description=attachment.alt[:255],
                        file=ImageFile(stream, name=source.name),
                    )
                else:
                    obj = model(
                        title=attachment.title[:255],
                        file=File(stream, name=source.name),
                    )
                obj.save()
            self.created_files.append(obj.file.name)
            self._remember(
                WordPressKind.ATTACHMENT,
                attachment.id,
                obj,
                guid=attachment.url,
                fingerprint=fingerprint,
                data=data,
            )
            self.report.count(kind, "created")
        (self.image_ids if is_image else self.document_ids)[attachment.id] = obj.pk
        self.file_urls[attachment.id] = obj.file.url
        for name in [attachment.file, *attachment.sizes]:
            self._redirect(UPLOADS + name, link=obj.file.url)
        old = self._old_path(attachment.link)
        if old and old != "/":
            self._redirect(old, link=obj.file.url)
        self._redirect(f"/?attachment_id={attachment.id}", link=obj.file.url)

    # MediaLookup, for the content converter
    def image_id(self, *, attachment_id: int | None, src: str) -> int | None:
        if attachment_id and attachment_id in self.image_ids:
            return self.image_ids[attachment_id]
        found = self._attachment_for_url(src)
        return self.image_ids.get(found) if found else None

    def _attachment_for_url(self, url: str) -> int | None:
        if UPLOADS not in url:
            return None
        name = unquote(url.split(UPLOADS, 1)[1].split("?", 1)[0])
        return self.attachment_by_file.get(name) or self.attachment_by_file.get(
            SIZE_SUFFIX.sub("", name)
        )

    def attachment_caption(self, attachment_id: int) -> str:
        attachment = self.attachments.get(attachment_id)
        return attachment.caption if attachment else ""

    def attachments_of(self, post_id: int) -> list[int]:
        return [
            a
            for a in self.attachments_by_parent.get(post_id, [])
            if a in self.image_ids
        ]

    def rewrite_href(self, href: str) -> str:
        old = (
            self._old_path(href)
            if href.startswith(("http://", "https://", "/"))
            else None
        )
        if old is None:
            return href
        if UPLOADS in old:
            found = self._attachment_for_url(old)
            return self.file_urls.get(found, old) if found else old
        return old  # an old permalink: its redirect leads to the new page

    def _embed_register(self, url: str) -> None:
        """Store the embed as a plain link, so that showing the article never asks the
        provider (no network call from the server, no third-party request from the
        reader's browser)."""
        embed_hash = get_embed_hash(url, None, None)
        if Embed.objects.filter(hash=embed_hash).exists():
            return
        host = self._host(urlsplit(url).netloc)
        provider = {"youtu.be": "YouTube", "youtube.com": "YouTube"}.get(host, host)
        escaped = html.escape(url)
        Embed.objects.create(
            hash=embed_hash,
            url=url,
            type="link",
            provider_name=provider,
            html=f'<a class="embed-link" href="{escaped}" rel="noopener">Voir sur {html.escape(provider)} : {escaped}</a>',
        )

    # -- dates ------------------------------------------------------------------------
    def _when(self, local: str, gmt: str) -> datetime | None:
        at_gmt, at_local = _parse_date(gmt), _parse_date(local)
        if at_gmt is not None:
            at = at_gmt.replace(tzinfo=UTC)
            if (
                at_local is not None
                and at.astimezone(self.zone).replace(tzinfo=None) != at_local
            ):
                self.zone_mismatch = True
            return at
        if at_local is not None:
            return timezone.make_aware(at_local, self.zone)
        return None

    # -- posts and pages --------------------------------------------------------------
    def _item(self, item: wxr.WxrItem) -> Page | None:
        kind = {"post": "post", "page": "page"}.get(item.type)
        title = clean_title(item.title) or "(sans titre)"
        what = (
            f"{'article' if item.type == 'post' else item.type} {item.id} « {title} »"
        )
        if kind is None:
            return None
        if item.status in ("trash", "auto-draft", "inherit"):
            self.report.skip(kind, what, f"statut WordPress « {item.status} »")
            return None
        try:
            with transaction.atomic():
                if kind == "post":
                    return self._post(item, title, what)
                return self._static_page(item, title, what)
        except Exception as error:  # reported and skipped; the transaction left nothing
            logger.debug("item %s", item.id, exc_info=True)
            self.report.skip(kind, what, f"erreur : {error}")
            return None

    def _unique_slug(self, parent: Page, slug: str, page: Page | None) -> str:
        slug = slug[:240] or "article"
        candidate, n = slug, 2
        siblings = Page.objects.child_of(parent)
        if page is not None and page.pk:
            siblings = siblings.exclude(pk=page.pk)
        while siblings.filter(slug=candidate).exists():
            candidate, n = f"{slug}-{n}", n + 1
        return candidate

    def _section_for(self, item: wxr.WxrItem, what: str) -> SectionPage:
        categories = [
            n
            for d, n, _ in item.terms
            if d == "category" and n in self.sections_by_slug
        ]
        primary_id = item.meta.get("_yoast_wpseo_primary_category", "")
        primary = (
            self.category_by_id.get(int(primary_id)) if primary_id.isdigit() else None
        )
        if primary is not None and primary.slug in categories:
            chosen = primary.slug
        elif categories:
            parents = {
                self.category_by_slug[c].parent_slug
                for c in categories
                if c in self.category_by_slug
            }
            specific = [c for c in categories if c not in parents] or categories
            chosen = min(
                specific,
                key=lambda c: (
                    self.category_by_slug[c].id if c in self.category_by_slug else 0
                ),
            )
        else:
            section = SectionPage.objects.child_of(self.home).specific().first()
            if section is None:
                raise ImportRefused("aucune rubrique où le ranger")
            self.report.note(
                f"{what} n’avait pas de catégorie : rangé dans « {section.title} »."
            )
            return section
        if len(categories) > 1:
            self.report.note(
                "Les articles classés dans plusieurs catégories sont rangés dans la "
                "principale (celle de Yoast, sinon la plus précise) ; les autres restent "
                "notées dans la correspondance WordPress de l’article."
            )
        return self.sections_by_slug[chosen]

    def _authors_of(self, item: wxr.WxrItem) -> list[Author]:
        authors: list[Author] = []
        coauthors = [(n, name) for d, n, name in item.terms if d == "author"]
        for nicename, name in coauthors:  # Co-Authors Plus
            login = nicename.removeprefix("cap-")
            author = self.authors_by_login.get(login)
            if author is None:
                term_key = -int(
                    hashlib.sha1(nicename.encode(), usedforsecurity=False).hexdigest()[
                        :12
                    ],
                    16,
                )
                # guest authors have no WordPress user id: a negative key keeps them apart
                author = self._author(
                    key=term_key, name=clean_title(name) or login, login=login
                )
                self.authors_by_login[login] = author
            authors.append(author)
        if not authors and item.creator in self.authors_by_login:
            authors.append(self.authors_by_login[item.creator])
        return list(dict.fromkeys(authors))

    def _yoast(
        self, item: wxr.WxrItem, title: str, section: SectionPage | None
    ) -> tuple[str, str]:
        def expand(template: str) -> str:
            values = {
                "title": title,
                "sitename": clean_title(self.channel.title),
                "sitedesc": clean_title(self.channel.description),
                "sep": YOAST_SEPARATOR,
                "excerpt": content.text_of(item.excerpt),
                "excerpt_only": content.text_of(item.excerpt),
                "category": section.title if section else "",
                "primary_category": section.title if section else "",
                "page": "",
                "pagenumber": "",
                "pagetotal": "",
            }

            def one(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in values:
                    self.report.note(
                        f"Variable Yoast %%{name}%% inconnue : retirée des titres SEO."
                    )
                return values.get(name, "")

            return re.sub(r"\s+", " ", re.sub(r"%%([a-z_]+)%%", one, template)).strip()

        seo_title = expand(item.meta.get("_yoast_wpseo_title", ""))
        description = expand(item.meta.get("_yoast_wpseo_metadesc", ""))
        return seo_title[:255], description

    def _body(self, item: wxr.WxrItem) -> list[dict[str, Any]]:
        findings = content.Findings()
        blocks = content.article_blocks(
            item.content, media=self, findings=findings, post_id=item.id
        )
        for name in findings.unknown_shortcodes:
            self.report.unknown_shortcodes[name].append(item.id)
        for name in findings.unknown_blocks:
            self.report.unknown_blocks[name].append(item.id)
        for name in findings.dropped:
            self.report.dropped[name].append(item.id)
        self.report.missing_images += [
            f"élément {item.id} : {src}" for src in findings.missing_images
        ]
        for url in findings.embeds:
            self._embed_register(url)
        for index, block in enumerate(blocks):
            block["id"] = _stable_id(self.source, item.id, index)
        return blocks

    def _editor_changed(self, page: Page) -> bool:
        """Saved by someone in Manchette since the import: theirs is kept."""
        revision = page.latest_revision
        return revision is not None and revision.user_id is not None

    def _previous_import(
        self,
        *,
        kind: str,
        model: type[Page],
        item: wxr.WxrItem,
        label: str,
        what: str,
        kept: str,
    ) -> tuple[Any, str, bool, bool]:
        """The page an earlier run made from this item, its new fingerprint, whether
        to leave the page as it is (unchanged since, or edited in Manchette since), and
        whether this item has no record of an earlier run."""
        mapping = self._mapping(kind, item.id)
        page = (
            model.objects.filter(pk=mapping.object_id).first()
            if mapping is not None
            else None
        )
        # (the comments are not part of it: they are imported on their own)
        fingerprint = _fingerprint(
            asdict(replace(item, comments=[])) | {"comments": None}
        )
        new = mapping is None
        if (
            page is not None
            and mapping is not None
            and mapping.fingerprint == fingerprint
        ):
            self.report.count(label, "unchanged")
            return page, fingerprint, True, new
        if page is not None and self._editor_changed(page):
            self.report.skip(label, what, kept)
            return page, fingerprint, True, new
        return page, fingerprint, False, new

    def _post(self, item: wxr.WxrItem, title: str, what: str) -> ArticlePage | None:
        page, fingerprint, keep, new = self._previous_import(
            kind=WordPressKind.POST,
            model=ArticlePage,
            item=item,
            label="post",
            what=what,
            kept="modifié dans Manchette depuis l’import : non écrasé",
        )
        if keep:
            return page
        section = self._section_for(item, what)
        published = self._when(item.date, item.date_gmt)
        modified = self._when(item.modified, item.modified_gmt)
        thumbnail = item.meta.get("_thumbnail_id", "")
        hero_id = self.image_ids.get(int(thumbnail)) if thumbnail.isdigit() else None
        if thumbnail.isdigit() and hero_id is None:
            self.report.missing_images.append(
                f"élément {item.id} : image à la une {thumbnail}"
            )
        hero_caption, hero_credit = (
            content.split_credit(self.attachment_caption(int(thumbnail)))
            if hero_id
            else ("", "")
        )
        seo_title, search_description = self._yoast(item, title, section)
        standfirst = content.text_of(item.excerpt)
        if len(standfirst) > 600:
            self.report.note(
                f"{what} : extrait de plus de 600 caractères, raccourci pour le chapô."
            )
        fields = {
            "title": title[:255],
            "standfirst": _truncate(standfirst, 600),
            "body": self._body(item),
            "hero_image_id": hero_id,
            "hero_caption": hero_caption[:400],
            "hero_credit": hero_credit[:200],
            "seo_title": seo_title,
            "search_description": search_description,
            "updated_at": modified
            if published and modified and modified - published > VISIBLE_UPDATE_AFTER
            else None,
        }
        created = page is None
        if page is None:
            page = ArticlePage(live=False, **fields)
            page.slug = self._unique_slug(
                section, unquote(item.slug) or slugify(title), None
            )
        else:
            for name, value in fields.items():
                setattr(page, name, value)
            if page.get_parent().pk != section.pk:
                page.move(section, pos="last-child")
                page.refresh_from_db()
                for name, value in fields.items():
                    setattr(page, name, value)
        page.authors.set(self._authors_of(item))
        page.topics.set(
            [
                self.topics_by_slug[n]
                for d, n, _ in item.terms
                if d == "post_tag" and n in self.topics_by_slug
            ]
        )
        self._publish(item, page, published, modified, what, parent=section)
        if item.comment_status == "closed" or not created:
            from manchette.discussions.services import article_comments_close

            article_comments_close(article=page, closed=item.comment_status == "closed")
        extra = {
            "categories": [n for d, n, _ in item.terms if d == "category"],
            "link": item.link,
            "status": item.status,
        }
        if item.meta.get("_yoast_wpseo_canonical"):
            extra["canonical"] = item.meta["_yoast_wpseo_canonical"]
            self.report.note(
                f"{what} : URL canonique Yoast {item.meta['_yoast_wpseo_canonical']} gardée "
                "dans la correspondance WordPress (les articles n’ont pas encore de champ "
                "« URL canonique »)."
            )
        self._subscriptions(item, what)
        self._remember(
            WordPressKind.POST,
            item.id,
            page,
            guid=item.guid,
            fingerprint=fingerprint,
            data=extra,
            new=new,
        )
        self._permalinks(item, page)
        self.report.count("post", "created" if created else "updated")
        return page

    def _publish(
        self,
        item: wxr.WxrItem,
        page: ArticlePage | StaticPage,
        published: datetime | None,
        modified: datetime | None,
        what: str,
        *,
        parent: Page,
    ) -> None:
        status = item.status
        now = timezone.now()
        if status == "future" and published is not None and published <= now:
            status = "publish"  # its time has come: WordPress would have published it
        if page.pk is None and status == "publish":
            self._create_published(parent, page, published or now, modified)
        else:
            if page.pk is None:
                parent.add_child(instance=page)
            self._publish_with_wagtail(page, status, published, modified, now)
        if status == "future":
            self.report.note(
                f"{what} : programmé, paraîtra le {timezone.localtime(published, self.zone):%d/%m/%Y à %H:%M}."
            )
        elif status == "private":
            self.report.note(
                f"{what} : privé dans WordPress, importé en brouillon non publié "
                "(jamais visible des lecteurs)."
            )
        elif status == "pending":
            self.report.note(f"{what} : en attente de relecture, importé en brouillon.")
        elif status not in ("publish", "draft"):
            self.report.note(
                f"{what} : statut « {status} » inconnu, importé en brouillon."
            )
        if item.password and status == "publish":
            PageViewRestriction.objects.get_or_create(
                page=page,
                restriction_type=PageViewRestriction.PASSWORD,
                defaults={"password": item.password},
            )
            self.report.note(
                f"{what} : protégé par mot de passe, la même protection est posée."
            )

    def _publish_with_wagtail(
        self,
        page: ArticlePage | StaticPage,
        status: str,
        published: datetime | None,
        modified: datetime | None,
        now: datetime,
    ) -> None:
        """Drafts, scheduled pages and updates of earlier imports: Wagtail's own
        publication, with its signals (the page's caches refreshed at once)."""
        page.go_live_at = published if status == "future" else None
        if status not in ("publish", "future") or page.live:
            # Publishing saves the page (and its authors and topics) from the revision;
            # a draft keeps them on the page itself.
            page.save()
        revision = page.save_revision(log_action=False)
        if status in ("publish", "future"):
            revision.publish(log_action=False)
        elif page.live:
            page.unpublish(log_action=False)
        dates: dict[str, Any] = {
            "latest_revision_created_at": modified or published or now
        }
        if status == "publish" and published is not None:
            dates |= {
                "first_published_at": published,
                "last_published_at": modified or published,
            }
        type(page).objects.filter(pk=page.pk).update(**dates)
        revision_model = type(revision)
        revision_model.objects.filter(pk=revision.pk).update(
            created_at=modified or published or now
        )
        page.refresh_from_db()

    def _create_published(
        self,
        parent: Page,
        page: ArticlePage | StaticPage,
        published: datetime,
        modified: datetime | None,
    ) -> None:
        """A new page, live from the start, written once with its one revision: the
        state Wagtail's publication leaves (live revision, publication dates, search
        and reference index tasks), without what an import of thousands of pages does
        not need: a log entry per page, a page_published signal per page (what lists
        the new pages is refreshed once, by _refresh_caches), saving the page three
        times. Validated like a live page (fields, slug among its siblings)."""
        when = modified or published
        page.live, page.has_unpublished_changes, page.go_live_at = True, False, None
        page.first_published_at, page.last_published_at = published, when
        page.latest_revision_created_at = when
        page.locale_id = parent.locale_id
        page.depth = parent.depth + 1
        # Place it as treebeard's add_child does (the parent's row locked first).
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + 1)
        last = (
            # (a range on the path, not a LIKE, so that the index serves it)
            Page.objects.filter(
                depth=page.depth,
                path__range=(
                    parent.path,
                    parent.path + Page.alphabet[-1] * Page.steplen,
                ),
            )
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        page.path = (
            Page(path=last)._inc_path()
            if last
            else Page._get_path(parent.path, page.depth, 1)
        )
        page._cached_parent_obj = parent
        page._is_site_root = False  # (Wagtail would ask the database at each save)
        page.draft_title = page.title
        page.set_url_path(parent)
        # The fields' own validation; the slug is unique among its siblings by
        # _unique_slug, and the related rows come from this import's own lookups.
        page.clean_fields(
            exclude=[f.name for f in page._meta.concrete_fields if f.is_relation]
        )
        # What the revision keeps, read before saving: the authors, topics and (no)
        # comments still in memory, instead of three queries after.
        content = page.serializable_data()
        page.save(clean=False, log_action=None)
        content["pk"] = page.pk
        revision = Revision.objects.create(
            content_object=page,
            base_content_type=page.get_base_content_type(),
            content=content,
            object_str=str(page),
            created_at=when,
        )
        Page.objects.filter(pk=page.pk).update(
            latest_revision=revision, live_revision=revision
        )
        page.latest_revision = page.live_revision = revision
        self.new_live_parents[parent.pk] = parent

    def _permalinks(self, item: wxr.WxrItem, page: Page) -> None:
        if item.status in ("private", "draft", "pending"):
            return  # no public address in WordPress either
        query = "page_id" if item.type == "page" else "p"
        olds = [f"/?{query}={item.id}"]
        old = self._old_path(item.link)
        if old and old != "/" and "?" not in old:
            olds.append(old)
        found = {
            r.old_path: r
            for r in Redirect.objects.filter(
                site=self.site,
                old_path__in=[Redirect.normalise_path(o) for o in olds],
            )
        }
        page_url = page.get_url() or ""
        for old in olds:
            self._redirect(old, page=page, page_url=page_url, found=found)

    def _static_page(
        self, item: wxr.WxrItem, title: str, what: str
    ) -> StaticPage | None:
        page, fingerprint, keep, new = self._previous_import(
            kind=WordPressKind.PAGE,
            model=StaticPage,
            item=item,
            label="page",
            what=what,
            kept="modifiée dans Manchette depuis l’import : non écrasée",
        )
        if keep:
            return page
        if item.parent:
            self.report.note(
                f"{what} : page enfant dans WordPress, placée directement sous la Une."
            )
        body = content.blocks_as_rich_text(self._body(item))
        seo_title, search_description = self._yoast(item, title, None)
        created = page is None
        if page is None:
            page = StaticPage(
                title=title[:255],
                body=body,
                live=False,
                seo_title=seo_title,
                search_description=search_description,
            )
            page.slug = self._unique_slug(
                self.home, unquote(item.slug) or slugify(title), None
            )
        else:
            page.title, page.body = title[:255], body
            page.seo_title, page.search_description = seo_title, search_description
        self._publish(
            item,
            page,
            self._when(item.date, item.date_gmt),
            self._when(item.modified, item.modified_gmt),
            what,
            parent=self.home,
        )
        self._remember(
            WordPressKind.PAGE,
            item.id,
            page,
            guid=item.guid,
            fingerprint=fingerprint,
            data={"link": item.link},
            new=new,
        )
        self._permalinks(item, page)
        self.report.count("page", "created" if created else "updated")
        if item.comments:
            self.report.note(
                f"{what} : {len(item.comments)} commentaire(s) sur une page fixe, non importés."
            )
        return page

    def _lead_article(self, sticky: list[ArticlePage]) -> None:
        if not sticky:
            return
        home = HomePage.objects.get(pk=self.home.pk)
        if home.lead_article_id is not None:
            if home.lead_article_id not in {a.pk for a in sticky}:
                self.report.note(
                    f"Article épinglé dans WordPress (« {sticky[0].title} ») : la Une a déjà "
                    "son article à la une, inchangé."
                )
            return
        home.lead_article = sticky[0]
        home.save_revision(log_action=False).publish(log_action=False)
        self.report.note(
            f"Article épinglé dans WordPress : « {sticky[0].title} » devient l’article à la une."
        )

    def _subscriptions(self, item: wxr.WxrItem, what: str) -> None:
        # Subscribe to Comments Reloaded keeps one post meta per address: _stcr@_<email>.
        for key in item.meta:
            if key.startswith("_stcr@_"):
                self.report.subscriptions.append(
                    f"{what} : {key.removeprefix('_stcr@_')}"
                )
        for comment in item.comments:
            for key, value in comment.meta.items():
                if "subscri" in key.lower():
                    self.report.subscriptions.append(
                        f"{what}, commentaire {comment.id} ({comment.author_email}) : {key} = {value}"
                    )

    # -- comments ---------------------------------------------------------------------
    def _comments(self, item: wxr.WxrItem, page: Page) -> None:
        if not isinstance(page, ArticlePage):
            return
        ids = {c.id for c in item.comments}
        ordered: list[wxr.WxrComment] = []
        placed: set[int] = set()
        waiting = [c for c in item.comments if c.type in ("comment", "", "review")]
        for comment in item.comments:
            if comment not in waiting:
                self.report.skip(
                    "comment",
                    f"commentaire {comment.id}",
                    f"{comment.type} (rétrolien) non importé",
                )
        while waiting:  # parents before their replies, whatever the file's order
            ready = [
                c
                for c in waiting
                if not c.parent or c.parent in placed or c.parent not in ids
            ]
            if not ready:
                ready = waiting  # a loop of parents: break it
            for comment in ready:
                ordered.append(comment)
                placed.add(comment.id)
            waiting = [c for c in waiting if c.id not in placed]
        prepared = [self._prepared_comment(c, ids) for c in ordered]
        try:  # (in a savepoint of its own: nothing of it is left if it fails)
            thread = comments_import_bulk(
                article=page, comments=prepared, cache_refresh=False
            )
        except Exception:  # find the one that fails, keep the others
            logger.debug("comments of %s in bulk", item.id, exc_info=True)
        else:
            created = len(thread.created)
            self.comments_created = self.comments_created or created > 0
            self.report.count("comment", "created", created)
            self.report.count("comment", "unchanged", len(prepared) - created)
            return
        known: dict[int, Any] = {}
        for one in prepared:
            try:
                with transaction.atomic():
                    self._comment(one, page, known)
            except Exception as error:
                logger.debug("comment %s", one.key, exc_info=True)
                self.report.skip(
                    "comment",
                    f"commentaire {one.key} de « {one.author_name} »",
                    f"erreur : {error}",
                )

    def _prepared_comment(
        self, comment: wxr.WxrComment, ids: set[int]
    ) -> ImportedComment:
        if comment.parent and comment.parent not in ids:
            self.report.note(
                "Des réponses à des commentaires absents de l’export (indésirables, que "
                "WordPress n’exporte pas) sont placées au premier niveau."
            )
        status = COMMENT_STATUSES.get(comment.approved)
        if status is None:
            status = "pending"
            self.report.note(
                f"Commentaire {comment.id} : état « {comment.approved} » inconnu, mis en attente."
            )
        likes, dislikes = self._votes(comment)
        return ImportedComment(
            key=comment.id,
            parent_key=comment.parent or None,
            external_id=f"wp:{self.source_key}:{comment.id}",
            author_name=comment.author,
            author_email=self._email(comment.author_email),
            author_url=self._url(comment.author_url),
            ip=self._ip(comment.author_ip),
            created_at=self._when(comment.date, comment.date_gmt) or timezone.now(),
            status=status,
            body_raw=comment.content,
            likes=likes,
            dislikes=dislikes,
        )

    def _comment(
        self, comment: ImportedComment, page: ArticlePage, known: dict[Any, Any]
    ) -> None:
        """One comment at a time: the way round a thread that fails in bulk."""
        from manchette.discussions.models import Comment
        from manchette.discussions.services import comment_import

        existed = Comment.objects.filter(external_id=comment.external_id).exists()
        known[comment.key] = comment_import(
            article=page,
            parent=known.get(comment.parent_key),
            author_name=comment.author_name,
            author_email=comment.author_email,
            author_url=comment.author_url,
            ip=comment.ip,
            created_at=comment.created_at,
            status=comment.status,
            body_raw=comment.body_raw,
            likes=comment.likes,
            dislikes=comment.dislikes,
            external_id=comment.external_id,
        )
        self.report.count("comment", "unchanged" if existed else "created")

    def _votes(self, comment: wxr.WxrComment) -> tuple[int, int]:
        """wpDiscuz: wpdiscuz_votes_seperate = {like, dislike}; wpdiscuz_votes = the net."""
        separate = unserialize_or_none(comment.meta.get("wpdiscuz_votes_seperate", ""))
        if isinstance(separate, dict):
            try:
                return max(0, int(separate.get("like", 0))), max(
                    0, int(separate.get("dislike", 0))
                )
            except (TypeError, ValueError):
                pass
        try:
            net = int(comment.meta.get("wpdiscuz_votes", "0") or 0)
        except ValueError:
            net = 0
        return max(net, 0), max(-net, 0)

    @staticmethod
    def _ip(value: str) -> str | None:
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError:
            return None

    @staticmethod
    def _email(value: str) -> str:
        value = value.strip()
        try:
            EmailValidator()(value)
        except Exception:
            return ""
        return value[:254]

    @staticmethod
    def _url(value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")) or len(value) > 200:
            return ""
        try:
            URLValidator(schemes=["http", "https"])(value)
        except Exception:
            return ""
        return value


def wordpress_import(
    *,
    path: Path,
    media_dir: Path | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a WordPress export; raises WxrError or ImportRefused (French messages)
    before writing anything when the file or the folder cannot be used."""
    with tags_invalidation_deferred():  # one cache invalidation, not one per comment
        return WordPressImport(
            path=path, media_dir=media_dir, dry_run=dry_run, progress=progress
        ).run()
