"""Markdown in, safe HTML out: Python-Markdown renders, nh3 (Ammonia) keeps only what is safe."""

import markdown
import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
}
CLASSES = {
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
    "h3": "govuk-heading-s",
    "h4": "govuk-heading-s",
    "blockquote": "govuk-inset-text",
}


def render(source: str, *, trusted_links: bool) -> str:
    """Render a comment. Links from accounts not yet trusted carry rel="nofollow ugc"."""
    converter = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    # HTML typed into a comment is shown as typed, not passed on for nh3 to strip: an unclosed
    # <style> or <script> would otherwise take everything written after it with it.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    html = converter.convert(source)
    # Headings inside a comment would break the page's outline: demote them all to h3/h4.
    for level in ("h1", "h2"):
        html = html.replace(f"<{level}>", "<h3>").replace(f"</{level}>", "</h3>")
    for level in ("h5", "h6"):
        html = html.replace(f"<{level}>", "<h4>").replace(f"</{level}>", "</h4>")
    rel = "noopener noreferrer" if trusted_links else "nofollow ugc noopener noreferrer"
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=rel,
        set_tag_attribute_values={tag: {"class": css} for tag, css in CLASSES.items()},
    )
