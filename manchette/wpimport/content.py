"""WordPress post content (classic HTML, shortcodes, Gutenberg block markup) turned
into the article body's StreamField blocks, cleaned: no inline style, no script.

What cannot be kept as it was is listed in `Findings`, for the import report."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import nh3
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

BLOCK_TAGS = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|"
    "form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|"
    "article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary"
)
ALL_BLOCKS = f"(?:{BLOCK_TAGS})"
INLINE_RICH_TAGS = {"a", "b", "strong", "i", "em", "sup", "br"}
LIST_RICH_TAGS = INLINE_RICH_TAGS | {"ul", "ol", "li"}
PAGE_RICH_TAGS = LIST_RICH_TAGS | {"p", "h2", "h3", "h4", "blockquote"}
URL_SCHEMES = {"http", "https", "mailto"}
DROPPED_TAGS = {
    "script",
    "style",
    "noscript",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "object",
    "embed",
    "svg",
    "canvas",
    "template",
    "link",
    "meta",
    "audio",
    "video",
}
CONTAINER_TAGS = {
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "aside",
    "center",
    "nav",
    "details",
    "dl",
    "dd",
    "dt",
    "address",
    "fieldset",
}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Gutenberg blocks whose saved HTML says everything (dynamic ones have no HTML).
STATIC_BLOCKS = {
    "paragraph",
    "heading",
    "list",
    "list-item",
    "quote",
    "pullquote",
    "image",
    "gallery",
    "embed",
    "separator",
    "spacer",
    "html",
    "shortcode",
    "freeform",
    "group",
    "columns",
    "column",
    "table",
    "preformatted",
    "code",
    "verse",
    "media-text",
    "cover",
    "more",
    "nextpage",
    "buttons",
    "button",
}
BLOCK_COMMENT = re.compile(
    r"<!--\s*(/)?wp:([a-z][a-z0-9_-]*/)?([a-z][a-z0-9_-]*)(\s+\{.*?\})?\s*(/)?-->",
    re.S,
)
SHORTCODE = re.compile(r"\[([a-z][a-z0-9_-]*)((?:\s+[^\]]*)?)\]")
SHORTCODE_ATTR = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"|([\w-]+)\s*=\s*'([^']*)'|([\w-]+)\s*=\s*([^\s'"]+)"""
)
ENCLOSING_SHORTCODES = {"caption", "wp_caption", "embed"}
# Where WordPress turns a bare URL on its own line into an embed (oEmbed providers).
OEMBED_HOSTS = re.compile(
    r"^https?://(?:[a-z0-9-]+\.)*(?:youtube\.com|youtu\.be|vimeo\.com|dailymotion\.com|"
    r"dai\.ly|twitter\.com|x\.com|instagram\.com|facebook\.com|soundcloud\.com|"
    r"spotify\.com|tiktok\.com|flickr\.com|slideshare\.net|ted\.com|mixcloud\.com|"
    r"reddit\.com|tumblr\.com|imgur\.com|scribd\.com|issuu\.com|bsky\.app)/",
    re.I,
)
BARE_URL_LINE = re.compile(r"^[ \t]*(https?://[^\s<>\"]+)[ \t]*$", re.M)
IFRAME_EMBEDS = (
    (
        re.compile(r"youtube(?:-nocookie)?\.com/embed/([\w-]+)"),
        "https://www.youtube.com/watch?v={}",
    ),
    (re.compile(r"player\.vimeo\.com/video/(\d+)"), "https://vimeo.com/{}"),
    (
        re.compile(r"dailymotion\.com/embed/video/(\w+)"),
        "https://www.dailymotion.com/video/{}",
    ),
)
CREDIT = re.compile(
    r"^(?P<caption>.*?)[\s.,;–—-]*\b(?P<label>Crédit|Credit|Crédits|Photo|Photos|"
    r"Infographie|Illustration|Image|Source)\s*:\s*(?P<credit>[^:]+?)\s*\.?$|"
    r"^(?P<caption2>.*?)\s*©\s*(?P<credit2>.+?)\s*$",
    re.S | re.I,
)
WP_IMAGE_CLASS = re.compile(r"\bwp-image-(\d+)\b")
# WordPress shows l'Arménie as l’Arménie (wptexturize): the stored text gets it too.
APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
SPACES = re.compile(r"[ \t\r\n]+")  # not \s: a non-breaking space is typography


class MediaLookup(Protocol):
    def image_id(self, *, attachment_id: int | None, src: str) -> int | None: ...

    def attachment_caption(self, attachment_id: int) -> str: ...

    def attachments_of(self, post_id: int) -> list[int]: ...

    def rewrite_href(self, href: str) -> str: ...


@dataclass
class Findings:
    unknown_shortcodes: set[str] = field(default_factory=set)
    unknown_blocks: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)
    missing_images: list[str] = field(default_factory=list)
    embeds: list[str] = field(default_factory=list)


def text_of(fragment: str) -> str:
    """Plain text of a bit of HTML (titles, excerpts, captions)."""
    if "<" not in fragment and "&" not in fragment:
        return SPACES.sub(" ", fragment).strip()
    soup = BeautifulSoup(fragment, "html.parser")
    for tag in soup.find_all(list(DROPPED_TAGS)):
        tag.decompose()
    return SPACES.sub(" ", soup.get_text(" ")).strip()


def split_credit(text: str) -> tuple[str, str]:
    """ "Des habitants dans un abri. Crédit : AFP" → ("Des habitants dans un abri.", "AFP")."""
    text = SPACES.sub(" ", text).strip()
    match = CREDIT.match(text)
    if not match:
        return text, ""
    if match.group("credit") is not None:
        caption, credit = match.group("caption"), match.group("credit")
        label = match.group("label")
        if label.lower() not in ("crédit", "credit", "crédits"):
            credit = f"{label} : {credit}"
    else:
        caption, credit = match.group("caption2"), "© " + match.group("credit2")
    caption = caption.strip()
    if caption and caption[-1] not in ".!?…":
        caption += "."
    return caption, credit.strip()


def shortcode_attributes(raw: str) -> dict[str, str]:
    found = {}
    for match in SHORTCODE_ATTR.finditer(raw):
        key = match.group(1) or match.group(3) or match.group(5)
        value = (
            match.group(2)
            if match.group(1)
            else match.group(4)
            if match.group(3)
            else match.group(6)
        )
        found[key.lower()] = value or ""
    return found


def expand_shortcodes(text: str, findings: Findings) -> str:
    """[caption], [gallery] and [embed] become the HTML the block converter reads;
    any other shortcode stays as it was written, and is listed."""
    out: list[str] = []
    position = 0
    for match in SHORTCODE.finditer(text):
        if match.start() < position:
            continue
        name, raw_attributes = match.group(1), match.group(2)
        closing = f"[/{name}]"
        end = text.find(closing, match.end()) if name in ENCLOSING_SHORTCODES else -1
        attributes = shortcode_attributes(raw_attributes)
        out.append(text[position : match.start()])
        if name in ("caption", "wp_caption") and end >= 0:
            inner = text[match.end() : end]
            caption_text = attributes.get("caption", "")
            image_html = inner
            image_match = re.search(r"(<a[^>]*>\s*)?<img[^>]*>(\s*</a>)?", inner, re.S)
            if image_match:
                image_html = image_match.group(0)
                caption_text = caption_text or inner[image_match.end() :]
            attachment = re.sub(r"\D", "", attributes.get("id", ""))
            out.append(
                f'<figure class="wp-caption" data-attachment="{attachment}">{image_html}'
                f"<figcaption>{caption_text.strip()}</figcaption></figure>"
            )
            position = end + len(closing)
        elif name == "embed" and end >= 0:
            url = text[match.end() : end].strip()
            out.append(_embed_figure(url))
            position = end + len(closing)
        elif name == "gallery":
            ids = attributes.get("ids") or attributes.get("include", "")
            out.append(
                f'<figure class="wp-block-gallery" data-ids="{html.escape(ids)}"></figure>'
            )
            position = match.end()
        else:
            looks_like_shortcode = (
                "=" in raw_attributes
                or f"[/{name}]" in text
                or not raw_attributes.strip()
            )
            if looks_like_shortcode:
                findings.unknown_shortcodes.add(name)
            out.append(match.group(0))
            position = match.end()
    out.append(text[position:])
    return "".join(out)


def _embed_figure(url: str) -> str:
    return (
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
        f"{html.escape(url)}</div></figure>"
    )


def autoembed(text: str) -> str:
    """A known provider's URL alone on its line is an embed, as WordPress shows it."""
    return BARE_URL_LINE.sub(
        lambda m: (
            "\n" + _embed_figure(m.group(1)) + "\n"
            if OEMBED_HOSTS.match(m.group(1))
            else m.group(0)
        ),
        text,
    )


def wpautop(text: str) -> str:
    """WordPress's wpautop(): blank lines become paragraphs, single line breaks <br>
    (a port of wp-includes/formatting.php, without its rarely used options)."""
    if not text.strip():
        return ""
    preserved: dict[str, str] = {}

    def keep(match: re.Match[str]) -> str:
        key = f"<pre wp-pre-tag-{len(preserved)}></pre>"
        preserved[key] = match.group(0)
        return key

    text = re.sub(r"<pre[\s>].*?</pre>", keep, text + "\n", flags=re.S | re.I)
    # A caption's lines belong to its image, not to separate paragraphs.
    text = re.sub(
        r"\[caption.*?\[/caption\]",
        lambda m: SPACES.sub(" ", m.group(0)),
        text,
        flags=re.S,
    )
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    text = re.sub(rf"(<{ALL_BLOCKS}[\s/>])", r"\n\n\1", text)
    text = re.sub(rf"(</{ALL_BLOCKS}>)", r"\1\n\n", text)
    text = re.sub(r"<hr\s*?/?>", "<hr />\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # A line break inside a tag is not a line break of the text.
    text = re.sub(r"<[^>]*>", lambda m: m.group(0).replace("\n", " "), text)
    text = re.sub(r"\n\n+", "\n\n", text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    text = "".join(f"<p>{p.strip(chr(10))}</p>\n" for p in paragraphs)
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = re.sub(rf"<p>\s*(</?{ALL_BLOCKS}[^>]*>)\s*</p>", r"\1", text)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.I)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(rf"<p>\s*(</?{ALL_BLOCKS}[^>]*>)", r"\1", text)
    text = re.sub(rf"(</?{ALL_BLOCKS}[^>]*>)\s*</p>", r"\1", text)
    text = re.sub(r"(?<!<br />)\s*\n(?!$)", "<br />\n", text)
    text = re.sub(rf"(</?{ALL_BLOCKS}[^>]*>)\s*<br />", r"\1", text)
    text = re.sub(
        r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text
    )
    text = re.sub(r"\n</p>$", "</p>", text)
    for key, value in preserved.items():
        text = text.replace(key, value)
    return text


def strip_block_comments(text: str, findings: Findings) -> str:
    """Gutenberg keeps each block's HTML between comments: the HTML is what counts.
    Blocks drawn by PHP at display time (no saved HTML) cannot come along."""

    def drop(match: re.Match[str]) -> str:
        namespace = (match.group(2) or "core/").rstrip("/")
        name = match.group(3)
        known = namespace == "core" and name in STATIC_BLOCKS
        if not known and namespace == "core-embed":
            known = True
        if not known and not match.group(1):
            findings.unknown_blocks.add(f"{namespace}/{name}")
        return ""

    return BLOCK_COMMENT.sub(drop, text)


def prepare(content: str, findings: Findings) -> str:
    """Raw post_content → plain HTML, as WordPress would display it."""
    content = content.replace("\r\n", "\n")
    if "<!-- wp:" in content:
        content = strip_block_comments(content, findings)
        return expand_shortcodes(content, findings)
    # WordPress's order: paragraphs first (wpautop), shortcodes after.
    return expand_shortcodes(wpautop(autoembed(content)), findings)


def _clean_rich(fragment: str, tags: set[str]) -> str:
    cleaned = nh3.clean(
        fragment,
        tags=tags,
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    cleaned = re.sub(r"<(/?)strong>", r"<\1b>", cleaned)
    cleaned = re.sub(r"<(/?)em>", r"<\1i>", cleaned)
    cleaned = SPACES.sub(" ", cleaned)
    return re.sub(r"\s*<br>\s*", "<br>", cleaned).strip()


def _has_text(fragment: str) -> bool:
    return bool(re.sub(r"<[^>]+>|&nbsp;|\s", "", fragment))


class BodyConverter:
    """HTML → list of raw StreamField blocks (dicts with type and value)."""

    def __init__(self, media: MediaLookup, findings: Findings, *, post_id: int) -> None:
        self.media = media
        self.findings = findings
        self.post_id = post_id
        self.blocks: list[dict[str, Any]] = []

    def convert(self, prepared_html: str) -> list[dict[str, Any]]:
        soup = BeautifulSoup(prepared_html, "html.parser")
        for link in soup.find_all("a", href=True):
            link["href"] = self.media.rewrite_href(str(link["href"]))
        for text in soup.find_all(string=APOSTROPHE):
            if isinstance(text, NavigableString) and not text.find_parent(
                ["pre", "code"]
            ):
                text.replace_with(APOSTROPHE.sub("’", str(text)))
        self._walk(soup)
        return self.blocks

    # -- blocks ---------------------------------------------------------------------
    def _add(self, kind: str, value: Any) -> None:
        self.blocks.append({"type": kind, "value": value})

    def _paragraph(self, fragment: str) -> None:
        cleaned = _clean_rich(fragment, INLINE_RICH_TAGS)
        cleaned = re.sub(r"^(<br>)+|(<br>)+$", "", cleaned)
        if _has_text(cleaned):
            self._add("paragraph", f"<p>{cleaned}</p>")

    def _image(self, img: Tag, caption_html: str = "", attachment: str = "") -> None:
        src = str(img.get("src") or "")
        match = WP_IMAGE_CLASS.search(" ".join(img.get_attribute_list("class") or []))
        attachment_id = int(attachment or (match.group(1) if match else 0)) or None
        image_id = self.media.image_id(attachment_id=attachment_id, src=src)
        caption, credit = (
            split_credit(text_of(caption_html)) if caption_html else ("", "")
        )
        if image_id is None:
            self.findings.missing_images.append(src or f"attachment {attachment_id}")
            if caption:  # the words stay, even when the picture is gone
                self._paragraph(f"<i>{html.escape(caption)}</i>")
            return
        self._add(
            "image",
            {"image": image_id, "caption": caption[:400], "credit": credit[:200]},
        )

    def _gallery(self, ids: list[int]) -> None:
        for attachment_id in ids or self.media.attachments_of(self.post_id):
            image_id = self.media.image_id(attachment_id=attachment_id, src="")
            if image_id is None:
                self.findings.missing_images.append(f"attachment {attachment_id}")
                continue
            caption, credit = split_credit(self.media.attachment_caption(attachment_id))
            self._add(
                "image",
                {"image": image_id, "caption": caption[:400], "credit": credit[:200]},
            )

    def _embed(self, url: str) -> None:
        url = url.strip()
        if url.startswith(("http://", "https://")):
            self.findings.embeds.append(url)
            self._add("embed", url)

    def _figure(self, figure: Tag) -> None:
        classes: list[str] = [str(c) for c in figure.get_attribute_list("class") or []]
        if "wp-block-embed" in classes or any(
            c.startswith("wp-block-embed") for c in classes
        ):
            found = re.search(r"https?://\S+", figure.get_text(" "))
            if found:
                self._embed(found.group(0))
            return
        if figure.has_attr("data-ids"):
            ids = [int(i) for i in re.findall(r"\d+", str(figure["data-ids"]))]
            self._gallery(ids)
            return
        if "wp-block-gallery" in classes:
            self._walk(figure)
            return
        img = figure.find("img")
        caption = figure.find("figcaption")
        if isinstance(img, Tag):
            self._image(
                img,
                caption_html=caption.decode_contents()
                if isinstance(caption, Tag)
                else "",
                attachment=str(figure.get("data-attachment") or ""),
            )
        elif isinstance(caption, Tag):
            self._paragraph(caption.decode_contents())

    def _iframe(self, iframe: Tag) -> None:
        src = str(iframe.get("src") or "")
        for pattern, url in IFRAME_EMBEDS:
            match = pattern.search(src)
            if match:
                self._embed(url.format(match.group(1)))
                return
        self.findings.dropped.add("iframe")

    def _heading(self, tag: Tag) -> None:
        text = SPACES.sub(" ", tag.get_text(" ")).strip()
        if not text:
            return
        if len(text) > 200:
            self._paragraph(f"<b>{html.escape(text)}</b>")
            return
        self._add(
            "heading",
            {"text": text, "level": "h2" if tag.name in ("h1", "h2") else "h3"},
        )

    def _quote(self, tag: Tag) -> None:
        attribution = ""
        for cite in tag.find_all(["cite", "footer"]):
            attribution = attribution or SPACES.sub(" ", cite.get_text(" ")).strip()
            cite.decompose()
        paragraphs = tag.find_all("p") or [tag]
        text = "\n\n".join(
            SPACES.sub(" ", p.get_text(" ")).strip() for p in paragraphs
        ).strip()
        if text:
            self._add("quote", {"text": text, "attribution": attribution[:200]})

    def _list(self, tag: Tag) -> None:
        cleaned = _clean_rich(str(tag), LIST_RICH_TAGS)
        if _has_text(cleaned):
            self._add("paragraph", cleaned)

    def _table(self, tag: Tag) -> None:
        self.findings.dropped.add("table (convertie en texte)")
        for row in tag.find_all("tr"):
            cells = [
                SPACES.sub(" ", c.get_text(" ")).strip()
                for c in row.find_all(["td", "th"])
            ]
            if any(cells):
                self._paragraph(html.escape(" · ".join(c for c in cells if c)))

    def _walk(self, parent: Tag) -> None:
        inline: list[str] = []

        def flush() -> None:
            if inline:
                self._paragraph("".join(inline))
                inline.clear()

        handlers: dict[str, Callable[[Tag], None]] = {
            "figure": self._figure,
            "iframe": self._iframe,
            "img": self._image,
            "blockquote": self._quote,
            "ul": self._list,
            "ol": self._list,
            "table": self._table,
        }
        for node in list(parent.children):
            if isinstance(node, Comment):
                continue
            if isinstance(node, NavigableString):
                inline.append(html.escape(str(node), quote=False))
                continue
            if not isinstance(node, Tag):
                continue
            name = node.name
            if name in DROPPED_TAGS:
                self.findings.dropped.add(name)
                continue
            if name in handlers:
                flush()
                handlers[name](node)
            elif name in HEADINGS:
                flush()
                self._heading(node)
            elif name == "p" or name in CONTAINER_TAGS or name in ("li", "figcaption"):
                flush()
                if name == "p" and not node.find(
                    [
                        "figure",
                        "img",
                        "iframe",
                        "div",
                        "blockquote",
                        "ul",
                        "ol",
                        "table",
                        *HEADINGS,
                    ]
                ):
                    self._paragraph(node.decode_contents())
                else:
                    self._walk(node)
                    flush()
            elif name == "a" and node.find("img") and not node.get_text(strip=True):
                flush()
                img = node.find("img")
                if isinstance(img, Tag):
                    self._image(img)
            elif name == "pre":
                flush()
                self._paragraph(html.escape(node.get_text()).replace("\n", "<br>"))
            elif name == "hr":
                flush()
            else:
                inline.append(str(node))
        flush()


def article_blocks(
    content: str, *, media: MediaLookup, findings: Findings, post_id: int
) -> list[dict[str, Any]]:
    return BodyConverter(media, findings, post_id=post_id).convert(
        prepare(content, findings)
    )


def blocks_as_rich_text(blocks: list[dict[str, Any]]) -> str:
    """The same blocks as one rich text (static pages have a RichTextField)."""
    parts = []
    for block in blocks:
        kind, value = block["type"], block["value"]
        if kind == "paragraph":
            parts.append(value)
        elif kind == "heading":
            parts.append(
                f"<{value['level']}>{html.escape(value['text'])}</{value['level']}>"
            )
        elif kind == "quote":
            text = "<br>".join(
                html.escape(line) for line in value["text"].split("\n") if line
            )
            attribution = (
                f" — {html.escape(value['attribution'])}"
                if value["attribution"]
                else ""
            )
            parts.append(f"<blockquote>{text}{attribution}</blockquote>")
        elif kind == "image":
            parts.append(
                f'<embed embedtype="image" format="fullwidth" id="{value["image"]}" alt=""/>'
            )
            caption = " ".join(filter(None, [value["caption"], value["credit"]]))
            if caption:
                parts.append(f"<p><i>{html.escape(caption)}</i></p>")
        elif kind == "embed":
            url = html.escape(value)
            parts.append(f'<p><a href="{url}">{url}</a></p>')
    return "".join(parts)
