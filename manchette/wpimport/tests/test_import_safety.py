"""Running the import again changes nothing; --dry-run writes nothing; a truncated,
wrong or malformed file and a missing media folder are refused with a clear French
message, before anything is written; one bad item is skipped whole."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from manchette.discussions.models import Comment
from manchette.newsroom.models import ArticlePage, Author, SectionPage
from manchette.topics.models import Topic
from manchette.wpimport.models import WordPressItem
from manchette.wpimport.services import wordpress_import

from .conftest import EXPORT, UPLOADS

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, object]:
    return {
        "pages": sorted(
            Page.objects.values_list(
                "pk",
                "title",
                "slug",
                "live",
                "first_published_at",
                "last_published_at",
                "go_live_at",
            )
        ),
        "bodies": sorted(
            ArticlePage.objects.values_list("pk", "body", "hero_image_id", "seo_title")
        ),
        "revisions": Revision.objects.count(),
        "comments": sorted(
            Comment.objects.values_list(
                "external_id", "status", "parent_id", "upvotes", "downvotes"
            )
        ),
        "images": sorted(get_image_model().objects.values_list("pk", "title", "file")),
        "redirects": sorted(
            Redirect.objects.values_list(
                "old_path", "redirect_page_id", "redirect_link"
            )
        ),
        "topics": Topic.objects.count(),
        "authors": Author.objects.count(),
        "mappings": WordPressItem.objects.count(),
    }


def imported_files() -> set[Path]:
    """Files in the media folder named after the export's originals (other tests
    write there too, at the same time)."""
    stems = {p.stem for p in UPLOADS.rglob("*") if p.is_file()}
    media = Path(get_image_model()().file.storage.location)
    return {
        p
        for p in media.rglob("*")
        if p.is_file() and p.stem.split(".")[0].split("_")[0] in stems
    }


def test_second_import_changes_nothing(site_tree):
    first = wordpress_import(path=EXPORT, media_dir=UPLOADS)
    before = snapshot()
    second = wordpress_import(path=EXPORT, media_dir=UPLOADS)
    assert snapshot() == before
    assert first.tallies["post"].created == 24
    assert second.tallies["post"].unchanged == 24
    assert second.tallies["comment"].unchanged == 150
    assert all(t.created == 0 and t.updated == 0 for t in second.tallies.values())


def test_a_changed_post_is_updated_not_duplicated(site_tree, tmp_path):
    wordpress_import(path=EXPORT, media_dir=UPLOADS)
    changed = tmp_path / "export.xml"
    changed.write_text(
        EXPORT.read_text().replace(
            "Ankara réaffirme son soutien total à Bakou]]></title>",
            "Ankara réaffirme son soutien à Bakou]]></title>",
        )
    )
    report = wordpress_import(path=changed, media_dir=UPLOADS)
    assert report.tallies["post"].updated == 1
    mapping = WordPressItem.objects.get(kind="post", wp_id=12)
    assert (
        ArticlePage.objects.get(pk=mapping.object_id).title
        == "Ankara réaffirme son soutien à Bakou"
    )
    assert ArticlePage.objects.count() == 24


def test_dry_run_reports_everything_and_writes_nothing(site_tree):
    before = snapshot()
    files_before = imported_files()
    out = io.StringIO()
    call_command(
        "import_wordpress",
        str(EXPORT),
        media=str(UPLOADS),
        dry_run=True,
        no_progress=True,
        stdout=out,
    )
    assert snapshot() == before
    assert imported_files() == files_before
    report = out.getvalue()
    assert "simulation (--dry-run) : rien n’a été écrit" in report
    assert "Articles                      24" in report
    assert "Commentaires                 150" in report


@pytest.mark.parametrize(
    ("cut_at", "expected"),
    [(0.5, "est tronqué"), (0.999, "est tronqué")],
)
def test_truncated_export_is_refused_with_its_line_and_nothing_written(
    site_tree, tmp_path, cut_at, expected
):
    data = EXPORT.read_bytes()
    truncated = tmp_path / "coupé.xml"
    truncated.write_bytes(data[: int(len(data) * cut_at)])
    before = snapshot()
    with pytest.raises(CommandError) as error:
        call_command(
            "import_wordpress", str(truncated), media=str(UPLOADS), no_progress=True
        )
    message = str(error.value)
    assert (
        expected in message
        and "ligne " in message
        and "Rien n’a été importé" in message
    )
    assert snapshot() == before


def test_malformed_wrong_or_missing_files_are_refused_clearly(site_tree, tmp_path):
    broken = tmp_path / "abimé.xml"
    broken.write_text(EXPORT.read_text().replace("</wp:post_id>", "</wp:post_ID>", 1))
    jpeg = UPLOADS / "2020" / "10" / "oleoduc-btc.jpg"
    feed = tmp_path / "flux.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Un flux</title></channel></rss>'
    )
    empty = tmp_path / "vide.xml"
    empty.write_text("")
    cases = {
        broken: "mal formé à la ligne",
        jpeg: "n’est pas un fichier XML",
        feed: "flux RSS ordinaire, pas un export WordPress",
        empty: "est vide",
        tmp_path / "absent.xml": "n’existe pas",
        tmp_path: "est un dossier",
    }
    for path, expected in cases.items():
        with pytest.raises(CommandError, match=expected):
            call_command("import_wordpress", str(path), no_progress=True)
    with pytest.raises(CommandError, match=r"Le dossier de médias .* n’existe pas"):
        call_command(
            "import_wordpress",
            str(EXPORT),
            media=str(tmp_path / "uploads"),
            no_progress=True,
        )
    assert not WordPressItem.objects.exists()
    assert not ArticlePage.objects.exists()


def test_one_bad_item_is_skipped_whole_and_the_others_imported(site_tree, tmp_path):
    # A hand-edited export: a slug that no page can have (WordPress never writes one).
    bad = tmp_path / "export.xml"
    bad.write_text(
        EXPORT.read_text().replace(
            "<wp:post_name><![CDATA[ankara-reaffirme-son-soutien-total-a-bakou]]>",
            "<wp:post_name><![CDATA[ankara/réaffirme ?]]>",
        )
    )
    report = wordpress_import(path=bad, media_dir=UPLOADS)
    assert report.tallies["post"].created == 23
    assert any(s.startswith("article 12 « Ankara") for s in report.skipped)
    assert not ArticlePage.objects.filter(title__startswith="Ankara").exists()
    assert not WordPressItem.objects.filter(kind="post", wp_id=12).exists()
    assert not Redirect.objects.filter(old_path="/?p=12").exists()
    assert Comment.objects.count() == 150 - 6  # its six comments had no article to join
    assert SectionPage.objects.filter(slug="caucase").exists()


def test_without_media_the_text_imports_and_the_report_says_so(site_tree):
    report = wordpress_import(path=EXPORT, media_dir=None)
    assert report.tallies["post"].created == 24
    assert not get_image_model().objects.exists()
    assert "8 médias non importés : indiquez --media" in report.as_text()
