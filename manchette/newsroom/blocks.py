from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

PARAGRAPH_FEATURES = ["bold", "italic", "link", "ol", "ul", "superscript"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("texte"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("niveau"),
        choices=[("h2", _("Intertitre")), ("h3", _("Sous-intertitre"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Intertitre")
        template = "newsroom/blocks/heading.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("citation"))
    attribution = blocks.CharBlock(
        label=_("auteur de la citation"), required=False, max_length=200
    )

    class Meta:
        icon = "openquote"
        label = _("Citation")
        template = "newsroom/blocks/quote.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("légende"), required=False, max_length=400)
    credit = blocks.CharBlock(label=_("crédit"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "newsroom/blocks/image.html"


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        label=_("Paragraphe"),
        features=PARAGRAPH_FEATURES,
        template="newsroom/blocks/paragraph.html",
    )
    heading = HeadingBlock()
    quote = QuoteBlock()
    image = ImageBlock()
    embed = EmbedBlock(
        label=_("Contenu externe (vidéo, post)"), template="newsroom/blocks/embed.html"
    )

    class Meta:
        label = _("Corps de l’article")
