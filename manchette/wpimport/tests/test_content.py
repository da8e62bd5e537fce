"""WordPress markup → article blocks, without a database: paragraphs as WordPress
shows them, captions and credits, shortcodes, scripts dropped; PHP values; progress."""

from __future__ import annotations

import io

from manchette.wpimport import content
from manchette.wpimport.php import unserialize, unserialize_or_none
from manchette.wpimport.progress import Progress


class Media:
    """The lookups the converter needs, over a fixed set of attachments."""

    images = {30: 300, 31: 310}

    def image_id(self, *, attachment_id, src):
        if attachment_id in self.images:
            return self.images[attachment_id]
        return 310 if "stepanakert-abri" in src else None

    def attachment_caption(self, attachment_id):
        return f"Légende {attachment_id}. Crédit : AFP"

    def attachments_of(self, post_id):
        return [31, 30]

    def rewrite_href(self, href):
        return href.replace("https://old.example", "")


def blocks(raw: str) -> tuple[list[dict], content.Findings]:
    findings = content.Findings()
    return content.article_blocks(
        raw, media=Media(), findings=findings, post_id=1
    ), findings


def test_classic_text_gets_paragraphs_and_line_breaks_like_wpautop():
    result, _ = blocks("Premier paragraphe,\nsur deux lignes.\n\nSecond paragraphe.")
    assert result == [
        {
            "type": "paragraph",
            "value": "<p>Premier paragraphe,<br>sur deux lignes.</p>",
        },
        {"type": "paragraph", "value": "<p>Second paragraphe.</p>"},
    ]


def test_styles_scripts_and_unknown_iframes_are_dropped_but_the_words_stay():
    result, findings = blocks(
        '<p style="color:red" onclick="x()">Texte <span style="font-size:40px">gras</span>'
        "<script>alert(1)</script></p><style>p{}</style>"
        '<iframe src="https://tracker.example/x"></iframe>'
        '<iframe src="https://www.youtube.com/embed/abc_123"></iframe>'
    )
    assert result == [
        {"type": "paragraph", "value": "<p>Texte gras</p>"},
        {"type": "embed", "value": "https://www.youtube.com/watch?v=abc_123"},
    ]
    assert {"style", "iframe"} <= findings.dropped


def test_links_to_the_old_site_become_local_and_javascript_links_go():
    result, _ = blocks(
        '<p><a href="https://old.example/2020/10/09/article/">lien</a> '
        "<a href=\"javascript:alert('x')\">piège</a></p>"
    )
    assert (
        result[0]["value"]
        == '<p><a href="/2020/10/09/article/">lien</a> <a>piège</a></p>'
    )


def test_caption_gallery_embed_and_unknown_shortcodes():
    result, findings = blocks(
        '[caption id="attachment_30" align="alignnone" width="300"]<img class="wp-image-30" src="x.png" /> '
        "Une carte. © Le Courrier[/caption]\n\n"
        '[gallery ids="31"]\n\n'
        "https://vimeo.com/12345\n\n"
        "[embed]https://www.youtube.com/watch?v=zz[/embed]\n\n"
        '[sondage id="3"] et [À compléter]'
    )
    assert result == [
        {
            "type": "image",
            "value": {"image": 300, "caption": "Une carte.", "credit": "© Le Courrier"},
        },
        {
            "type": "image",
            "value": {"image": 310, "caption": "Légende 31.", "credit": "AFP"},
        },
        {"type": "embed", "value": "https://vimeo.com/12345"},
        {"type": "embed", "value": "https://www.youtube.com/watch?v=zz"},
        {"type": "paragraph", "value": '<p>[sondage id="3"] et [À compléter]</p>'},
    ]
    assert findings.unknown_shortcodes == {"sondage"}


def test_gutenberg_blocks_and_dynamic_ones_listed():
    result, findings = blocks(
        '<!-- wp:heading {"level":3} --><h3>Titre</h3><!-- /wp:heading -->'
        '<!-- wp:image {"id":99} --><figure class="wp-block-image"><img src="https://old.example/wp-content/uploads/2020/10/stepanakert-abri-300x200.jpg" class="wp-image-99"/>'
        '<figcaption class="wp-element-caption">Un abri. Photo : AFP</figcaption></figure><!-- /wp:image -->'
        "<!-- wp:latest-posts /-->"
    )
    assert result == [
        {"type": "heading", "value": {"text": "Titre", "level": "h3"}},
        {
            "type": "image",
            "value": {"image": 310, "caption": "Un abri.", "credit": "Photo : AFP"},
        },
    ]
    assert findings.unknown_blocks == {"core/latest-posts"}


def test_a_missing_image_keeps_its_caption_as_text():
    result, findings = blocks(
        '<figure><img src="https://ailleurs.example/a.jpg"><figcaption>Vue du col</figcaption></figure>'
    )
    assert result == [{"type": "paragraph", "value": "<p><i>Vue du col</i></p>"}]
    assert findings.missing_images == ["https://ailleurs.example/a.jpg"]


def test_php_serialized_values_with_multibyte_strings():
    assert unserialize('a:2:{s:4:"like";i:12;s:7:"dislike";i:3;}') == {
        "like": 12,
        "dislike": 3,
    }
    assert unserialize('a:1:{s:5:"titre";s:7:"Crédit";}') == {"titre": "Crédit"}
    assert unserialize_or_none('O:8:"stdClass":0:{}') is None  # objects refused
    assert unserialize_or_none('a:1:{s:4:"like"') is None


def test_progress_line_counts_and_estimates_from_the_measured_pace():
    stream = io.StringIO()
    progress = Progress(stream, every_seconds=0)
    progress.set_totals(items=10, comments=100, media=0)
    progress.advance("items", 5, 5.0)
    assert "reste : estimation" in stream.getvalue()  # no comment pace measured yet
    progress.advance("comments", 50, 5.0)
    line = stream.getvalue().splitlines()[-1]
    assert line.startswith("Import : 5/10 contenus · 50/100 commentaires")
    assert line.endswith("reste ≈ 0:10")  # 5 items × 1 s + 50 comments × 0.1 s
