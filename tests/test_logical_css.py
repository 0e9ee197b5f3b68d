"""The stylesheets speak of start and end, never of left and right, so that a
right-to-left catalog (Arabic, Hebrew) mirrors every screen: a physical direction slipped
into a stylesheet, or set by a script as an inline style, fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STYLESHEETS = sorted(
    [*ROOT.glob("client/css/*.css"), *ROOT.glob("facilitator/templates/*.css")],
)
SCRIPTS = sorted(ROOT.glob("client/js/*.js"))

# Where a physical side is meant, with why: (file name, the text, the reason).
ALLOWED = {
    # A printed page's margin boxes have only physical names in CSS Paged Media; the page
    # number belongs in a corner of the sheet of paper whatever the text's direction.
    ("summary.css", "@bottom-right"),
}

COMMENT = re.compile(r"/\*.*?\*/", re.S)
AT_RULE = re.compile(r"@([-\w]+)")
# A declaration: after a brace or a semicolon, ended by a semicolon or a closing brace
# (so that a selector such as `a:hover {` is never taken for one).
DECLARATION = re.compile(r"[{;]\s*([-\w]+)\s*:\s*([^;{}]*?)\s*(?=[;}])")
PHYSICAL_NAME = re.compile(r"(^|-)(left|right)(-|$)")
PHYSICAL_VALUE = re.compile(r"\b(left|right)\b")
SIDEWAYS_MOVE = re.compile(r"\b(translateX|translate3d|translate|skewX|skew|scaleX)\(")
# Shorthands whose second and fourth values are the right and left sides.
FOUR_SIDES = {
    "margin",
    "padding",
    "inset",
    "border-width",
    "border-style",
    "border-color",
    "scroll-margin",
    "scroll-padding",
}


def _mirror_safe_radius(value: str) -> bool:
    """Whether `border-radius: value` looks the same mirrored (top corners alike, bottom alike)."""
    for part in value.split("/"):
        v = part.split()
        if len(v) < 2:
            continue
        # One to four values: top-left, top-right, bottom-right, bottom-left, the missing
        # ones copied from their opposite corner.
        top_left, top_right = v[0], v[1]
        bottom_right = v[2] if len(v) > 2 else v[0]
        bottom_left = v[3] if len(v) > 3 else v[1]
        if top_left != top_right or bottom_left != bottom_right:
            return False
    return True


def _physical(prop: str, value: str) -> bool:
    """Whether the declaration `prop: value` names or implies a left or a right side."""
    values = value.split()
    return bool(
        PHYSICAL_NAME.search(prop)
        or PHYSICAL_VALUE.search(value.lower())
        or (prop == "transform" and SIDEWAYS_MOVE.search(value))
        or (prop == "translate" and values and values[0] not in ("0", "none"))
        or (prop in FOUR_SIDES and len(values) == 4 and values[1] != values[3])
        or (prop == "border-radius" and not _mirror_safe_radius(value))
    )


def physical_directions(name: str, css: str) -> list[str]:
    """Every use of a physical left or right in the stylesheet `css` (file `name`)."""
    css = COMMENT.sub(" ", css)
    found = []
    for rule in AT_RULE.findall(css):
        if PHYSICAL_NAME.search(rule) and (name, f"@{rule}") not in ALLOWED:
            found.append(f"@{rule}")
    for prop, value in DECLARATION.findall(css):
        text = f"{prop.lower()}: {value}"
        if (name, text) not in ALLOWED and _physical(prop.lower(), value):
            found.append(text)
    return found


def test_the_stylesheets_use_no_physical_left_or_right() -> None:
    assert len(STYLESHEETS) >= 5
    found = {
        path.relative_to(ROOT).as_posix(): physical_directions(path.name, path.read_text("utf-8"))
        for path in STYLESHEETS
    }
    assert not {path: uses for path, uses in found.items() if uses}


# A script's inline styles: style.left, style.marginRight, setProperty("padding-left", ...).
INLINE_STYLE = re.compile(
    r"\.style\.(left|right|\w+(Left|Right)\w*)\b"
    r"|setProperty\(\s*[\"'][-\w]*(left|right)[-\w]*[\"']"
    r"|[\"'](text-align|float)\s*:\s*(left|right)"
)


def test_the_scripts_set_no_physical_left_or_right_inline() -> None:
    assert len(SCRIPTS) >= 5
    found = {
        path.name: [m.group(0) for m in INLINE_STYLE.finditer(path.read_text("utf-8"))]
        for path in SCRIPTS
    }
    assert not {name: uses for name, uses in found.items() if uses}


def test_the_check_finds_each_kind_of_physical_direction() -> None:
    """The check itself: each kind of physical direction is caught, logical ones are not."""
    caught = [
        ".a { margin-left: 1rem; }",
        ".a { padding-right: 0 }",
        ".a { border-left: 4px solid red; }",
        ".a { border-top-right-radius: 2px; }",
        ".a { position: absolute; left: 0; }",
        ".a { right: 1rem }",
        ".a { text-align: right; }",
        ".a { float: left; }",
        ".a { clear: right; }",
        ".a { justify-self: left; }",
        ".a { background-position: right 1rem top; }",
        ".a { transform: translateX(4px); }",
        ".a { margin: 0 1rem 0 2rem; }",
        ".a { border-radius: 1rem 0 0 1rem; }",
        "@page { @bottom-left { content: 'x'; } }",
    ]
    for css in caught:
        assert physical_directions("test.css", css), css
    fine = [
        ".a { margin-inline-start: 1rem; padding-inline: 0 2rem; }",
        ".a { inset-inline-end: 0; text-align: end; float: inline-start; }",
        ".a { margin: 0 auto; padding: 0.5rem 1rem 2rem; border-radius: 1rem 1rem 0 0; }",
        ".a:hover { color: red; }",
        "/* the options left as big buttons */ .a { color: red; }",
        ".a { border-start-end-radius: 1rem; }",
    ]
    for css in fine:
        assert not physical_directions("test.css", css), css
