"""The model of each kind of file in ``cards/`` (STYLE.md habit 6), checked once at start-up.

Strict pydantic models (app/contentfile.py): every required word present and non-empty, no unknown key
(a misspelt ``overide_reasons`` would otherwise drop a card's override reasons in silence), enum keys
complete (a display for every topic, a label for every suggestion kind), and the cross-checks between
files — a card's links, override reasons and placeholders — as validators. ``app.render.library`` builds
the runtime ``CardLibrary`` from them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from app.contentfile import ContentModel, Text, require, require_all
from app.pathway.model import Contrast, RedFlag, Region, SuggestionKind, Topic
from app.render.placeholders import placeholders
from app.terminology.coding import Coding

# The evidence sections a card may name, one generated detail bullet each (app/render/text.py).
# ``risk_factors`` lists the red-flag facts under a heading that does not call them red flags (R9: age over
# 50 or weight loss alone is not one, and its card says so).
EvidenceSection = Literal[
    "qualifying", "onset", "red_flags", "risk_factors", "conservative_care", "candidate", "prior_imaging",
    "prior_surgery", "mri_contraindications", "raised_markers", "actions",
]
EVIDENCE_SECTIONS: tuple[str, ...] = get_args(EvidenceSection)
# The words of the generated detail bullets (cards/source.toml [facts]); ``no_<section>`` says a section is
# empty, for the sections where an absence decides (no red flag, no care, no referral).
FACT_WORDS = (
    "qualifying", "onset", "no_onset", "onset_lower_bound", "onset_vague", "onset_earlier", "onset_doubted",
    "onset_recurred", "red_flags", "no_red_flags", "unread_red_flags", "risk_factors", "conservative_care",
    "no_conservative_care", "unread_conservative_care", "candidate", "no_candidate", "unread_candidate",
    "prior_imaging", "prior_surgery", "mri_contraindications", "raised_markers", "unavailable", "set_aside",
    "unrated", "more", "do_ces", "do_motor", "do_myelopathy", "do_infection",
)
# PATHWAY.md §5: the override reasons every site must offer.
REQUIRED_OVERRIDES = frozenset({"candidate", "redflag-undocumented", "outside-imaging", "patient-preference"})


def _plain_placeholders(template: str) -> str:
    placeholders(template)  # raises on "{days.real}", "{0}", "{days!r}", "{days:>3}"
    return template


Template = Annotated[Text, AfterValidator(_plain_placeholders)]


class CodingEntry(ContentModel):
    system: Text
    code: Text
    display: Text

    def coding(self) -> Coding:
        return Coding(self.system, self.code, self.display)


class LinkEntry(ContentModel):
    """A guideline link; ``regions``: the spine regions it is about (none: any region)."""

    label: Text
    url: Text
    type: Text
    regions: frozenset[Region] = frozenset()

    @model_validator(mode="after")
    def _absolute_https(self) -> LinkEntry:
        ok = self.type == "absolute" and self.url.startswith("https://")
        require(ok, f"link {self.label!r} must be an absolute https URL")
        return self


class SourceFile(ContentModel):
    """``cards/source.toml``: source label, topic displays, guidelines, detail words, red-flag names."""

    label: Text
    topic_system: Text
    default_url: Text
    explain_label: Text
    topics: dict[Topic, Text]
    guidelines: dict[str, LinkEntry]
    facts: dict[str, Text]
    red_flags: dict[RedFlag, Text]

    @field_validator("topics", "red_flags", "facts")
    @classmethod
    def _complete(cls, words: dict[Any, str], info: ValidationInfo) -> dict[Any, str]:
        require_all(_EVERY[str(info.field_name)], words, "no words for")
        return words

    @field_validator("facts")
    @classmethod
    def _more_counts(cls, words: dict[str, str]) -> dict[str, str]:
        """``more`` ("and {count} more") ends a bullet that lists only its first items."""
        require(placeholders(words.get("more", "{count}")) == {"count"}, "more must use exactly {count}")
        for key, names in _FACT_PLACEHOLDERS.items():
            require(placeholders(words.get(key, "")) == names, f"{key} must use exactly {sorted(names)}")
        return words


# The onset sentences that name what the chart wrote and what says otherwise (app/render/text.py).
_FACT_PLACEHOLDERS = {
    "onset_earlier": frozenset({"written", "record", "on"}),
    "onset_doubted": frozenset({"written", "record"}),
    "onset_recurred": frozenset({"written", "on"}),
}


# What source.toml must word: every topic (CONTRACT.md C7), red-flag class and detail bullet.
_EVERY: dict[str, tuple[str, ...]] = {
    "topics": tuple(Topic), "red_flags": tuple(RedFlag), "facts": FACT_WORDS,
}


class OverrideReason(ContentModel):
    display: Text


class OverrideReasonsFile(ContentModel):
    """``cards/override_reasons.toml``: the code system, then one table per reason code (CONTRACT.md C9)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, OverrideReason] = Field(init=False)

    system: Text

    @property
    def reasons(self) -> dict[str, OverrideReason]:
        return dict(self.__pydantic_extra__)

    @model_validator(mode="after")
    def _required(self) -> OverrideReasonsFile:
        require_all(REQUIRED_OVERRIDES, self.reasons, "PATHWAY.md §5 override reasons missing")
        return self


class SuggestionEntry(ContentModel):
    label: Text
    description: Text
    priority: Literal["routine", "urgent", "asap", "stat"] | None = None


class PerformerEntry(CodingEntry):
    text: Text


class Resources(ContentModel):
    physical_therapy: CodingEntry
    spine_referral: CodingEntry
    spine_performer: PerformerEntry


class SuggestionsFile(ContentModel):
    """``cards/suggestions.toml``: a table per ``SuggestionKind``, then the codes of created resources."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, SuggestionEntry] = Field(init=False)

    resources: Resources

    @property
    def kinds(self) -> dict[SuggestionKind, SuggestionEntry]:
        return {SuggestionKind(kind): entry for kind, entry in self.__pydantic_extra__.items()}

    @model_validator(mode="after")
    def _every_kind_once(self) -> SuggestionsFile:
        require_all(SuggestionKind, self.__pydantic_extra__, "suggestion kinds without a label")
        require_all(self.__pydantic_extra__, SuggestionKind, "unknown suggestion kinds")
        return self


class MriCodes(ContentModel):
    region: Region
    contrast: Contrast
    codes: tuple[CodingEntry, ...] = Field(min_length=1)


class OrderCodesFile(ContentModel):
    """``cards/order_codes.toml``: the MRI codes a one-click update writes, per region and contrast."""

    mri: tuple[MriCodes, ...]


class CardFile(ContentModel):
    """``cards/<key>.toml``: one kind of card. Validated with the context ``{"guidelines": …,
    "override_reasons": …}`` (names from source.toml and override_reasons.toml) so a card can only link
    a guideline and offer a reason that exist."""

    topic: Topic
    summary: Template
    detail: Template
    links: tuple[str, ...] = ()
    # The card's guidelines are about what it advises, not the region ordered (myelopathy: the cord, even
    # on a lumbar order), so they are not narrowed to that region.
    links_any_region: bool = False
    evidence: tuple[EvidenceSection, ...] = ()
    override_reasons: tuple[str, ...] = ()
    recommended: frozenset[SuggestionKind] = frozenset()

    @field_validator("links")
    @classmethod
    def _known_links(cls, links: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        require_all(links, _context(info, "guidelines"), "links to unknown guidelines")
        return links

    @field_validator("override_reasons")
    @classmethod
    def _known_reasons(cls, reasons: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        require_all(reasons, _context(info, "override_reasons"), "unknown override reasons")
        return reasons


def _context(info: ValidationInfo, name: str) -> frozenset[str]:
    context = info.context if isinstance(info.context, dict) else {}
    return frozenset(context.get(name, ()))
