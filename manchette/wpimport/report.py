"""What an import did, said in French for the person who ran it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

KINDS = (
    ("author", "Auteurs"),
    ("section", "Rubriques"),
    ("topic", "Sujets (étiquettes)"),
    ("image", "Images"),
    ("document", "Documents"),
    ("post", "Articles"),
    ("page", "Pages fixes"),
    ("comment", "Commentaires"),
    ("redirect", "Redirections 301"),
)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass
class ImportReport:
    dry_run: bool = False
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown_shortcodes: dict[str, list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    unknown_blocks: dict[str, list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    dropped: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    missing_images: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)

    def count(self, kind: str, action: str, n: int = 1) -> None:
        tally = self.tallies[kind]
        setattr(tally, action, getattr(tally, action) + n)

    def skip(self, kind: str, what: str, why: str) -> None:
        self.count(kind, "skipped")
        self.skipped.append(f"{what} : {why}")

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def as_text(self) -> str:
        lines = [
            "Import WordPress — simulation (--dry-run) : rien n’a été écrit."
            if self.dry_run
            else "Import WordPress terminé.",
            "",
            f"{'':24}{'créés':>8}{'mis à jour':>12}{'inchangés':>11}{'ignorés':>9}",
        ]
        for kind, label in KINDS:
            t = self.tallies.get(kind)
            if t is None:
                continue
            lines.append(
                f"{label:24}{t.created:>8}{t.updated:>12}{t.unchanged:>11}{t.skipped:>9}"
            )
        if self.skipped:
            lines += ["", "Ignorés, et pourquoi :", *(f"  – {s}" for s in self.skipped)]
        sections = [
            (
                "Shortcodes inconnus, gardés tels quels dans le texte",
                self.unknown_shortcodes,
            ),
            ("Blocs Gutenberg dynamiques, non importés", self.unknown_blocks),
            ("Éléments retirés du contenu (scripts, styles, iframes…)", self.dropped),
        ]
        for title, found in sections:
            if found:
                lines += ["", f"{title} :"]
                lines += [
                    f"  – [{name}] dans {_ids(ids)}"
                    for name, ids in sorted(found.items())
                ]
        if self.missing_images:
            lines += ["", "Images introuvables (non importées) :"]
            lines += [f"  – {m}" for m in self.missing_images]
        lines += ["", "Abonnements aux commentaires :"]
        if self.subscriptions:
            lines.append(
                "  non importés comme actifs (aucune preuve de consentement) ; à "
                "réinviter si besoin :"
            )
            lines += [f"  – {s}" for s in self.subscriptions]
        else:
            lines.append(
                "  aucun dans l’export (wpDiscuz garde les siens dans une table que "
                "l’export WordPress n’inclut pas)."
            )
        if self.notes:
            lines += ["", "À savoir :", *(f"  – {n}" for n in self.notes)]
        return "\n".join(lines)


def _ids(ids: list[int]) -> str:
    unique = sorted(set(ids))
    shown = ", ".join(str(i) for i in unique[:20])
    more = f" et {len(unique) - 20} autres" if len(unique) > 20 else ""
    return ("l’élément " if len(unique) == 1 else "les éléments ") + shown + more
