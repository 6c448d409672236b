"""Browser fixtures: one Chromium session per person (function scope, so every person has its own
cookie jar). The live server is the shared `portal` fixture of Tests/conftest.py.

A failing test leaves a screenshot of every open browser under test-output/screenshots/failures/.
"""
import shutil

import pytest

from browser_helpers import SHOTS, Person, new_driver


@pytest.fixture(scope="session", autouse=True)
def fresh_failure_screenshots():
    """Failure screenshots describe this run only."""
    shutil.rmtree(SHOTS / "failures", ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def people(request, portal):
    """A factory: `people("alice")` opens a new browser session for one person."""
    opened = []

    def factory(name="person"):
        person = Person(new_driver(), portal, name)
        opened.append(person)
        return person

    yield factory
    failed = getattr(request.node, "report_call", None)
    for person in opened:
        try:
            if failed is not None and failed.failed:
                (SHOTS / "failures").mkdir(parents=True, exist_ok=True)
                person.driver.save_screenshot(str(SHOTS / "failures" / f"{request.node.name}-{person.name}.png"))
        except Exception:  # a dialog left open, a crashed tab: the screenshot is best effort
            pass
        finally:
            person.driver.quit()


@pytest.fixture
def alice(people):
    return people("alice")


@pytest.fixture
def bob(people):
    return people("bob")


@pytest.fixture
def carol(people):
    return people("carol")
