"""Streaming reader of WordPress eXtended RSS (WXR 1.0 to 1.2), the file written by
WordPress's Tools → Export. Items are read one at a time with `iterparse` and freed
after use, so memory stays flat whatever the size of the export."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
WP_NS = re.compile(r"^http://wordpress\.org/export/1\.\d+/$")

# expat's messages, said in French with what they usually mean for an export.
EXPAT_MESSAGES = {
    "no element found": "le fichier s’arrête avant la fin",
    "unclosed token": "une balise n’est pas terminée",
    "mismatched tag": "une balise fermante ne correspond pas à la balise ouverte",
    "not well-formed (invalid token)": "caractère ou balise invalide",
    "undefined entity": "entité inconnue",
    "junk after document element": "du contenu suit la fin du document",
    "syntax error": "ce n’est pas du XML",
    "unclosed CDATA section": "une section CDATA n’est pas terminée",
}
EXPORT_AGAIN = (
    "Exportez à nouveau depuis WordPress (Outils → Exporter → Tout le contenu) "
    "et relancez la commande. Rien n’a été importé."
)


class WxrError(Exception):
    """A file that cannot be imported, with a French message that says what to do."""


@dataclass
class WxrAuthor:
    id: int
    login: str
    email: str
    display_name: str
    first_name: str
    last_name: str


@dataclass
class WxrTerm:
    id: int
    taxonomy: str  # category, post_tag, or another (author for Co-Authors Plus…)
    slug: str
    name: str
    parent_slug: str = ""
    description: str = ""


@dataclass
class WxrComment:
    id: int
    author: str
    author_email: str
    author_url: str
    author_ip: str
    date: str
    date_gmt: str
    content: str
    approved: str
    type: str
    parent: int
    user_id: int
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class WxrItem:
    id: int
    type: str
    status: str
    title: str
    link: str
    guid: str
    creator: str
    content: str
    excerpt: str
    date: str
    date_gmt: str
    modified: str
    modified_gmt: str
    comment_status: str
    slug: str
    parent: int
    menu_order: int
    password: str
    sticky: bool
    attachment_url: str
    # (domain, nicename, name): category, post_tag, author (Co-Authors Plus)…
    terms: list[tuple[str, str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[WxrComment] = field(default_factory=list)


@dataclass
class WxrChannel:
    title: str = ""
    link: str = ""
    description: str = ""
    language: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""
    authors: list[WxrAuthor] = field(default_factory=list)
    terms: list[WxrTerm] = field(default_factory=list)

    @property
    def source(self) -> str:
        return (self.base_site_url or self.base_blog_url or self.link).rstrip("/")


def _int(text: str | None) -> int:
    try:
        return int((text or "0").strip())
    except ValueError:
        return 0


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.wp = ""
        self.excerpt = ""

    def text(self, element: ET.Element, tag: str) -> str:
        return element.findtext(tag) or ""

    def wp_text(self, element: ET.Element, name: str) -> str:
        return element.findtext(f"{{{self.wp}}}{name}") or ""

    def meta(self, element: ET.Element, tag: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for meta in element.findall(f"{{{self.wp}}}{tag}"):
            key = self.wp_text(meta, "meta_key")
            if key:
                found[key] = self.wp_text(meta, "meta_value")
        return found

    def author(self, element: ET.Element) -> WxrAuthor:
        w = self.wp_text
        return WxrAuthor(
            id=_int(w(element, "author_id")),
            login=w(element, "author_login"),
            email=w(element, "author_email"),
            display_name=w(element, "author_display_name"),
            first_name=w(element, "author_first_name"),
            last_name=w(element, "author_last_name"),
        )

    def term(self, element: ET.Element) -> WxrTerm:
        w = self.wp_text
        local = element.tag.rsplit("}", 1)[-1]
        if local == "category":
            return WxrTerm(
                id=_int(w(element, "term_id")),
                taxonomy="category",
                slug=w(element, "category_nicename"),
                name=w(element, "cat_name"),
                parent_slug=w(element, "category_parent"),
                description=w(element, "category_description"),
            )
        if local == "tag":
            return WxrTerm(
                id=_int(w(element, "term_id")),
                taxonomy="post_tag",
                slug=w(element, "tag_slug"),
                name=w(element, "tag_name"),
                description=w(element, "tag_description"),
            )
        return WxrTerm(
            id=_int(w(element, "term_id")),
            taxonomy=w(element, "term_taxonomy"),
            slug=w(element, "term_slug"),
            name=w(element, "term_name"),
            parent_slug=w(element, "term_parent"),
            description=w(element, "term_description"),
        )

    def comment(self, element: ET.Element) -> WxrComment:
        w = self.wp_text
        return WxrComment(
            id=_int(w(element, "comment_id")),
            author=w(element, "comment_author"),
            author_email=w(element, "comment_author_email"),
            author_url=w(element, "comment_author_url"),
            author_ip=w(element, "comment_author_IP"),
            date=w(element, "comment_date"),
            date_gmt=w(element, "comment_date_gmt"),
            content=w(element, "comment_content"),
            approved=w(element, "comment_approved"),
            type=w(element, "comment_type") or "comment",
            parent=_int(w(element, "comment_parent")),
            user_id=_int(w(element, "comment_user_id")),
            meta=self.meta(element, "commentmeta"),
        )

    def item(self, element: ET.Element, *, with_comments: bool) -> WxrItem:
        w = self.wp_text
        return WxrItem(
            id=_int(w(element, "post_id")),
            type=w(element, "post_type"),
            status=w(element, "status"),
            title=self.text(element, "title"),
            link=self.text(element, "link"),
            guid=self.text(element, "guid"),
            creator=self.text(element, f"{{{DC_NS}}}creator"),
            content=self.text(element, f"{{{CONTENT_NS}}}encoded"),
            excerpt=self.text(element, f"{{{self.excerpt}}}encoded")
            if self.excerpt
            else "",
            date=w(element, "post_date"),
            date_gmt=w(element, "post_date_gmt"),
            modified=w(element, "post_modified"),
            modified_gmt=w(element, "post_modified_gmt"),
            comment_status=w(element, "comment_status"),
            slug=w(element, "post_name"),
            parent=_int(w(element, "post_parent")),
            menu_order=_int(w(element, "menu_order")),
            password=w(element, "post_password"),
            sticky=w(element, "is_sticky").strip() == "1",
            attachment_url=w(element, "attachment_url"),
            terms=[
                (c.get("domain", ""), c.get("nicename", ""), c.text or "")
                for c in element.findall("category")
            ],
            meta=self.meta(element, "postmeta"),
            comments=[self.comment(c) for c in element.findall(f"{{{self.wp}}}comment")]
            if with_comments
            else [],
        )

    def events(self, *, with_comments: bool = True) -> Iterator[WxrChannel | WxrItem]:
        """The channel (once, before the first item, and again complete at the end),
        then each item as soon as it is read."""
        channel = WxrChannel()
        channel_element: ET.Element | None = None
        depth = 0
        seen_root = False
        channel_sent = False
        try:
            with self.path.open("rb") as stream:
                for event, payload in ET.iterparse(  # noqa: S314
                    stream, events=("start-ns", "start", "end")
                ):
                    if event == "start-ns":
                        prefix, uri = cast(tuple[str, str], payload)
                        if WP_NS.match(uri) and not self.wp:
                            self.wp = uri
                        elif prefix == "excerpt":
                            self.excerpt = uri
                        continue
                    element = payload
                    if event == "start":
                        depth += 1
                        if not seen_root:
                            seen_root = True
                            self._check_root(element)
                        elif depth == 2 and element.tag == "channel":
                            channel_element = element
                        continue
                    depth -= 1
                    if depth != 2 or channel_element is None:
                        continue
                    tag = element.tag
                    if tag == "item":
                        if not channel_sent:
                            channel_sent = True
                            yield channel
                        yield self.item(element, with_comments=with_comments)
                        # Free what was read: the channel keeps no item behind.
                        channel_element.clear()
                    elif tag == f"{{{self.wp}}}author":
                        channel.authors.append(self.author(element))
                    elif tag in (
                        f"{{{self.wp}}}category",
                        f"{{{self.wp}}}tag",
                        f"{{{self.wp}}}term",
                    ):
                        channel.terms.append(self.term(element))
                    elif tag in ("title", "link", "description", "language"):
                        setattr(channel, tag, element.text or "")
                    elif tag.startswith(f"{{{self.wp}}}"):
                        name = tag.rsplit("}", 1)[-1]
                        if name in ("base_site_url", "base_blog_url", "wxr_version"):
                            setattr(channel, name, element.text or "")
        except ET.ParseError as error:
            raise self._parse_error(error, seen_root=seen_root) from None
        except OSError as error:
            raise WxrError(
                f"Impossible de lire « {self.path} » : {error.strerror or error}."
            ) from None
        if channel_element is None or not self.wp:
            raise WxrError(
                f"« {self.path.name} » est un fichier XML, mais pas un export WordPress "
                "(WXR) : il lui manque le canal et l’espace de noms wp. " + EXPORT_AGAIN
            )
        yield channel

    def _check_root(self, element: ET.Element) -> None:
        if element.tag != "rss":
            raise WxrError(
                f"« {self.path.name} » n’est pas un export WordPress : son élément racine "
                f"est <{element.tag.rsplit('}', 1)[-1]}> au lieu de <rss>. "
                + EXPORT_AGAIN
            )
        if not self.wp:
            raise WxrError(
                f"« {self.path.name} » est un flux RSS ordinaire, pas un export WordPress "
                "(WXR) : il n’a pas l’espace de noms http://wordpress.org/export/. "
                + EXPORT_AGAIN
            )

    def _parse_error(self, error: ET.ParseError, *, seen_root: bool) -> WxrError:
        line, column = getattr(error, "position", (0, 0))
        raw = str(error).split(":", 1)[0].strip()
        said = EXPAT_MESSAGES.get(raw, raw)
        if not seen_root:
            if self.path.stat().st_size == 0:
                return WxrError(f"« {self.path.name} » est vide. " + EXPORT_AGAIN)
            return WxrError(
                f"« {self.path.name} » n’est pas un fichier XML (ligne {line}, colonne "
                f"{column} : {said}). Est-ce bien le fichier .xml exporté par WordPress ? "
                + EXPORT_AGAIN
            )
        if raw in ("no element found", "unclosed token", "unclosed CDATA section"):
            return WxrError(
                f"L’export « {self.path.name} » est tronqué : {said} (ligne {line}, "
                f"colonne {column}). Le téléchargement s’est sans doute interrompu. "
                + EXPORT_AGAIN
            )
        return WxrError(
            f"L’export « {self.path.name} » est mal formé à la ligne {line}, colonne "
            f"{column} : {said}. Ouvrez le fichier à cette ligne pour voir ce qui ne va "
            "pas, ou " + EXPORT_AGAIN[0].lower() + EXPORT_AGAIN[1:]
        )


def read(path: Path, *, with_comments: bool = True) -> Iterator[WxrChannel | WxrItem]:
    """Yield the channel (before the first item, with the authors and terms, which
    WordPress writes first) and each item; the complete channel comes again last."""
    if not path.exists():
        raise WxrError(f"Le fichier « {path} » n’existe pas. Vérifiez le chemin.")
    if path.is_dir():
        raise WxrError(
            f"« {path} » est un dossier : indiquez le fichier .xml exporté par WordPress "
            "(et le dossier des médias avec --media)."
        )
    return _Reader(path).events(with_comments=with_comments)
