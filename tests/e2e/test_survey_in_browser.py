"""A survey on a journey is fielded end to end: the invitation e-mail reaches a local SMTP server, the
customer answers on a phone over two pages with the tab closed in between, and the CX lead sees it."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from nineplus.demo.content import DEMO_PASSWORD
from tests.conftest import Databases
from tests.core.test_mail import Inbox, _free_port
from tests.e2e.axe import violations
from tests.e2e.conftest import BIN, free_port, serve

pytestmark = pytest.mark.browser
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "nl-NL",
    "bypass_csp": True,
}  # only so that the test can inject axe-core


@pytest.fixture(scope="module")
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def fielding_server(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory, smtp_inbox: tuple[Inbox, int]
) -> Iterator[str]:
    url, engine = databases.migrated()
    engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "NINEPLUS_DATABASE_URL": url,
        "NINEPLUS_RUN_JOBS": "true",
        "NINEPLUS_BASE_URL": base,
        "NINEPLUS_SMTP_HOST": "127.0.0.1",
        "NINEPLUS_SMTP_PORT": str(smtp_inbox[1]),
        "NINEPLUS_DATA_DIR": str(tmp_path_factory.mktemp("fielding")),
    }
    subprocess.run([BIN / "nineplus", "demo", "load"], env=env, check=True, capture_output=True)
    if not url.startswith("postgresql"):  # SQLite: the server runs the jobs itself
        yield from serve(env, tmp_path_factory, port)
        return
    # PostgreSQL: as in production, the e-mail job waits in the queue for `nineplus worker`
    worker = subprocess.Popen(
        [BIN / "nineplus", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield from serve(env, tmp_path_factory, port)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_a_survey_on_the_mortgage_journey_is_fielded_end_to_end(
    fielding_server: str,
    browser,  # type: ignore[no-untyped-def]
    smtp_inbox: tuple[Inbox, int],
) -> None:
    base, inbox = fielding_server, smtp_inbox[0]
    lead = browser.new_context(viewport={"width": 1300, "height": 900}, locale="en-GB").new_page()
    lead.on("dialog", lambda dialog: dialog.accept())
    lead.goto(f"{base}/login")
    lead.fill("#f-email", "marloes.bakker@polderbank.example")
    lead.fill("#f-password", DEMO_PASSWORD)
    lead.click("form[action='/login'] button[type=submit]")
    lead.wait_for_url(f"{base}/")
    lead.click(".sidebar button[name=locale][value=en]")  # Marloes works in Dutch; this walk is in English
    lead.wait_for_selector("html[lang=en]")

    lead.goto(f"{base}/surveys/new")
    lead.fill("[name='title.en']", "How did your mortgage go?")
    lead.fill("[name='title.nl']", "Hoe ging je hypotheek?")
    lead.select_option("[name=journey_id]", label="Taking out a mortgage")
    lead.click("#survey-new button[type=submit]")
    lead.wait_for_selector("#question-form")
    for key, kind, page, per_moment in (("nps", "nps", "1", False), ("feeling", "emotion", "2", True)):
        lead.fill("#question-form [name=key]", key)
        lead.select_option("#question-form [name=type]", kind)
        lead.fill("#question-form [name='text.en']", f"Question {key}")
        lead.fill("#question-form [name='text.nl']", f"Vraag {key}")
        lead.fill("#question-form [name=page]", page)
        if per_moment:
            lead.check("#question-form [name=per_moment]", force=True)
        lead.click("#question-form button[type=submit]")
        lead.wait_for_selector(f"#questions li:has-text('Question {key}')")
    lead.click("button:has-text('Start fielding')")
    lead.wait_for_selector("#invite-form")
    survey_url = lead.url
    lead.fill("#invite-form [name=email]", "klant@example.org")
    lead.click("#invite-form button[type=submit]")
    lead.wait_for_selector("text=Invitation queued")

    deadline = time.monotonic() + 20
    while not [m for m in inbox.messages if m["To"] == "klant@example.org"] and time.monotonic() < deadline:
        time.sleep(0.2)
    mails = [m for m in inbox.messages if m["To"] == "klant@example.org"]
    assert len(mails) == 1, "the invitation e-mail did not reach the SMTP server"
    link = re.search(rf"{re.escape(base)}/r/[A-Za-z0-9_-]+", mails[0].get_content())
    assert link is not None

    phone = browser.new_context(**PHONE)
    customer = phone.new_page()
    customer.goto(link.group(0))
    assert violations(customer) == []
    checklist = customer.locator("input[name=moments]")
    customer.locator("input[name=moments]").nth(2).check(force=True)
    customer.locator("input[name=moments]").nth(4).check(force=True)
    assert checklist.count() >= 8
    customer.locator("input[value='9'][name^=q]").check(force=True)
    customer.click("#respond-form button[type=submit]")
    customer.wait_for_url(re.compile(r"page=2"))
    phone.close()  # the tab (and the whole browser profile) is closed before page 2 is answered

    later = browser.new_context(**PHONE).new_page()
    later.goto(link.group(0))
    assert violations(later) == []
    radios = later.locator("fieldset.question--emotion")
    assert radios.count() == 2  # asked only about the two steps ticked on page 1
    later.locator("fieldset.question--emotion").nth(0).locator("input[value='2']").check(force=True)
    later.locator("fieldset.question--emotion").nth(1).locator("input[value='-3']").check(force=True)
    later.click("#respond-form button[type=submit]")
    later.wait_for_url(re.compile(r"/thanks$"))
    assert "opgeslagen" in later.inner_text("main")

    lead.goto(survey_url)
    assert lead.inner_text("#stat-submitted") == "1"
    assert lead.inner_text("#stat-invited") == "1"
    again = browser.new_context(**PHONE).new_page()
    again.goto(link.group(0))
    assert "al ingevuld" in again.inner_text("main")

    # The live survey changes: version 2, with its reason in the audit log.
    lead.goto(f"{survey_url}/revise")
    lead.fill("[name='text.nps.en']", "How likely are you to recommend us to a friend?")
    lead.fill("#new-question [name='new.key']", "why")
    lead.select_option("#new-question [name='new.type']", "text")
    lead.fill("#new-question [name='new.text.en']", "What is the main reason for your score?")
    lead.fill("#new-question [name='new.page']", "2")
    lead.fill("#f-reason", "The board asked for the customer's own words")
    lead.click("#revise-form button[type=submit]")
    lead.wait_for_selector("#versions li:nth-child(2)")
    assert "own words" in lead.inner_text("#versions")
    assert "What is the main reason" in lead.inner_text("#questions")
    lead.goto(f"{base}/admin/audit")
    assert "The board asked for the customer's own words" in lead.inner_text("main")
