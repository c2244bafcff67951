"""Where a step comes from, as a person knows it: a Microsoft Learn article (title and address) and its section."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SEPARATOR = " › "


def anchor_of(heading: str) -> str:
    """Learn's anchor for a heading: lower case, punctuation dropped (hyphens and underscores kept), words joined
    by hyphens; e.g. "Deny public network access to the vault" -> "deny-public-network-access-to-the-vault"."""
    kept = re.sub(r"[^\w\s-]", "", heading.strip().lower())
    return "-".join(kept.split())


@dataclass(frozen=True)
class Article:
    title: str
    url: str
    headings: tuple[str, ...] = field(default=(), compare=False, repr=False)  # as published, those cited at least

    def section(self, heading: str) -> Source:
        """The section called ``heading``; one the article does not have (when its headings are listed) is a
        ValueError, so a step never cites a section a reader cannot find."""
        if self.headings and heading not in self.headings:
            raise ValueError(f"'{self.title}' has no section '{heading}'; its sections: {'; '.join(self.headings)}")
        return Source(self, heading)

    @property
    def whole(self) -> Source:
        """The article as a whole (no section)."""
        return Source(self, None)


@dataclass(frozen=True)
class Source:
    article: Article
    heading: str | None = None  # None: the article as a whole

    @property
    def anchor(self) -> str:
        return anchor_of(self.heading) if self.heading else ""

    @property
    def url(self) -> str:
        return f"{self.article.url}#{self.anchor}" if self.heading else self.article.url

    def __str__(self) -> str:
        return f"{self.article.title}{SEPARATOR}{self.heading}" if self.heading else self.article.title
