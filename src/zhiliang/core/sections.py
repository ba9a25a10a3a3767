"""Page sections: a page (the enterprise page …) is assembled from sections that
apps register here, so the app owning the page never imports the apps that add
to it (CORE.md; issue "enterprise page sections").

An app registers in its ``AppConfig.ready``::

    register_section("enterprise", Section(key="samples", title=_("抽查记录"), order=40,
                                           template="sampling/_enterprise_samples.html",
                                           context=samples_for_enterprise, public=True))

``context(obj, user, public)`` returns the template context, or ``None`` to hide
the section (nothing to show, or nothing this user may see).  Public pages show
only sections with ``public=True`` and call them with ``public=True``: the
section then shows only public facts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    order: int
    template: str
    context: Callable[[Any, Any, bool], dict | None]
    public: bool = False


_SECTIONS: dict[str, dict[str, Section]] = defaultdict(dict)


def register_section(page: str, section: Section) -> None:
    _SECTIONS[page][section.key] = section


def sections(page: str) -> list[Section]:
    return sorted(_SECTIONS.get(page, {}).values(), key=lambda s: (s.order, s.key))


@dataclass(frozen=True)
class RenderedSection:
    key: str
    title: str
    html: str


def render_sections(page: str, obj, user, *, public: bool, request=None) -> list[RenderedSection]:
    """The page's sections that have something for this user, rendered in order."""
    out = []
    for section in sections(page):
        if public and not section.public:
            continue
        context = section.context(obj, user, public)
        if context is None:
            continue
        context = {"object": obj, "public": public, "section": section, **context}
        out.append(RenderedSection(section.key, str(section.title), render_to_string(section.template, context, request=request)))
    return out
