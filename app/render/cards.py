"""Decision → CDS Hooks 2.0 cards (CONTRACT.md C3-C12, C15) as plain JSON dicts.

Optional fields without a value are omitted, never ``null`` or empty (CONTRACT.md G2/G3).
``selectionBehavior`` is ``any`` whenever suggestions exist: Epic supports nothing else (CONTRACT.md §2).
"""

from __future__ import annotations

from app.immutable import immutable
from app.pathway.model import Advice, Decision, SuggestionKind
from app.render.actions import Json, action, coding_json
from app.render.context import RenderContext
from app.render.library import CardContent, CardLibrary, Link
from app.render.text import detail, summary


def render_cards(decision: Decision, library: CardLibrary, context: RenderContext) -> list[Json]:
    """One card per ``Advice``, in the decision's order.

    An order that cannot be rated gets no PAMA update (the Argonaut guidance: a service SHALL NOT include
    an undetermined ServiceRequest in ``systemActions``), so a client keeps showing the rating of an earlier
    call for the same draft (the sandbox does, after the reason changed it). The first card says so."""
    renderer = _Renderer(decision, library, context)
    cards = [renderer.card(item) for item in decision.advices]
    if cards and decision.order is not None and decision.rating is None:
        cards[0]["detail"] += "\n- " + library.source.facts["unrated"]
    return cards


@immutable
class _Renderer:
    decision: Decision
    library: CardLibrary
    context: RenderContext

    def card(self, advice: Advice) -> Json:
        content = self.library.content(advice.content)
        if content.topic is not advice.topic:
            raise ValueError(f"cards/{content.key}.toml: topic {content.topic}, not {advice.topic}")
        words = self.library.labels.words(advice.values)
        card: Json = {
            "uuid": self.context.new_id(),
            "summary": summary(content, words),
            "detail": detail(content, words, self.decision, self.library),
            "indicator": advice.indicator.value,
            "source": self.source(content),
        }
        links = [_link(link) for link in self.links(content)]
        if self.context.explain_url:
            links.append({"label": self.library.source.explain_label, "url": self.context.explain_url,
                          "type": "absolute"})
        if links:
            card["links"] = links
        if content.override_reasons:
            card["overrideReasons"] = [coding_json(reason) for reason in content.override_reasons]
        suggestions = [found for kind in advice.suggestions if (found := self.suggestion(kind, content))]
        if suggestions:
            card["suggestions"] = suggestions
            card["selectionBehavior"] = "any"
        return card

    def source(self, content: CardContent) -> Json:
        source = self.library.source
        display = source.topics[content.topic]
        topic = {"system": source.topic_system, "code": content.topic.value, "display": display}
        links = self.links(content)
        url = links[0].url if links else source.default_url
        return {"label": source.label, "url": url, "topic": topic}

    def links(self, content: CardContent) -> tuple[Link, ...]:
        """Only the guidelines of the region ordered (else the chart's): a lumbar card never cites the
        cervical criteria. Unknown region, or a card whose guidelines are about what it advises
        (``links_any_region``: myelopathy on a lumbar order cites the cervical criteria): every link."""
        order = self.decision.order
        region = order.region if order is not None and order.region else self.decision.facts.region
        if region is None or content.links_any_region:
            return content.links
        return tuple(link for link in content.links if not link.regions or region.value in link.regions)

    def suggestion(self, kind: SuggestionKind, content: CardContent) -> Json | None:
        built = action(kind, self.decision, self.library, self.context)
        if built is None:
            return None
        suggestion: Json = {"label": self.library.suggestions[kind].label, "uuid": self.context.new_id()}
        if kind in content.recommended:
            suggestion["isRecommended"] = True
        suggestion["actions"] = [built]
        return suggestion


def _link(link: Link) -> Json:
    return {"label": link.label, "url": link.url, "type": link.type}
