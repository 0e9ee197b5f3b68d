"""Names, answers and prompts that look like HTML or script show as text on every screen."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import Screen, join_on_phone
from tests.live import Facilitator

NAME = '<img src=x onerror=alert("name")>'
ANSWER = '<script>alert("answer")</script><b>bold</b>'
OTHER = "<i>calm</i> & steady"
PROMPT = '<img src=y onerror=alert("prompt")>'


def executed(screen: Screen) -> list[str]:
    """Return signs that injected markup ran or was parsed on this screen."""
    signs = [d for d in screen.dialogs if d.startswith("alert")]
    signs += [url for url in screen.requests if url.endswith(("/x", "/y"))]
    count = screen.page.evaluate(
        "document.querySelectorAll('main img, main script, main b').length"
    )
    if count:
        signs.append(f"{count} injected elements")
    return signs


def test_markup_in_names_answers_and_prompts_shows_literally_and_never_runs(
    open_console: OpenScreen,
    open_display: OpenScreen,
    open_phone: OpenScreen,
    screens: list[Screen],
    facilitator: Facilitator,
) -> None:
    links = facilitator.create_session("browser-check", 1)
    console = open_console(f"/console/{links['session_id']}")
    display = open_display(f"/display/{links['session_id']}#token={links['display_token']}")
    phones = []
    for name in (NAME, "Fola"):
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, name)
        phones.append(phone)
    desk = console.page
    expect(phones[0].page.locator("#my-name")).to_have_text(NAME)
    expect(desk.locator("#roster")).to_contain_text(NAME)

    desk.get_by_role("button", name="Start session").click()
    expect(desk.get_by_role("button", name="Next")).to_be_enabled()
    desk.locator("body").press("n")
    expect(desk.locator("#step-title")).to_have_text("One word each")
    desk.get_by_role("button", name="Open poll").click()
    for phone, text in zip(phones, (ANSWER, OTHER), strict=True):
        phone.page.get_by_label("Your answer").fill(text)
        phone.page.get_by_role("button", name="Send answer").click()
        expect(phone.page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
    desk.get_by_role("button", name="Close poll").click()
    desk.get_by_role("button", name="Reveal to the room").click()
    words = display.page.locator("#results-body .cloud li > span:not(.visually-hidden)")
    expect(words).to_have_count(2)
    assert sorted(words.all_text_contents()) == sorted([ANSWER, OTHER])
    expect(desk.locator("#polls li").first).to_contain_text(ANSWER)

    desk.get_by_label("Prompt text").fill(PROMPT)
    desk.get_by_role("button", name="Show prompt").click()
    expect(display.page.locator("#prompt")).to_have_text(PROMPT)
    for phone in phones:
        expect(phone.page.locator("#prompt")).to_have_text(PROMPT)
    expect(desk.locator("#prompt-now")).to_have_text(f"Showing now: {PROMPT}")

    phones[0].page.get_by_role("button", name="I need a break").click()
    expect(desk.locator("#signals")).to_contain_text(f"{NAME} needs a break")
    for screen in screens:
        assert executed(screen) == [], screen.page.url
