"""CI always has ../shared: there, a test that reads it must run, never skip (.ci/run sets
YUSUAN_REQUIRE_SHARED=1). These run the project's conftest in a scratch project laid out like the
checkout, with and without a `shared` folder beside it."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py")
SKIPPING_TEST = """
import pytest
from conftest import SHARED

def test_reads_shared():
    if not (SHARED / "gone.pdf").exists():
        pytest.skip(f"{SHARED / 'gone.pdf'} is not present")

def test_reads_shared_but_skips_for_another_reason():
    if SHARED.is_dir():
        pytest.skip("root writes through file permissions")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    tests = pytester.path / "checkout" / "tests"
    tests.mkdir(parents=True)
    (tests / "conftest.py").write_text(CONFTEST.read_text())
    (tests / "test_corpus.py").write_text(SKIPPING_TEST)
    return tests


def test_ci_without_shared_stops_before_running_anything(
    pytester: pytest.Pytester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUSUAN_REQUIRE_SHARED", "1")
    result = pytester.runpytest_subprocess(project, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*YUSUAN_REQUIRE_SHARED=1 but *shared is missing*"])


def test_ci_fails_a_shared_test_that_skips(
    pytester: pytest.Pytester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (pytester.path / "shared").mkdir()
    monkeypatch.setenv("YUSUAN_REQUIRE_SHARED", "1")
    result = pytester.runpytest_subprocess(project, "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*skipped in CI, where every test reading*gone.pdf is not present*"])
    result.stdout.fnmatch_lines(["*SKIPPED*root writes through file permissions*"])


def test_outside_ci_a_shared_test_may_skip(
    pytester: pytest.Pytester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (pytester.path / "shared").mkdir()
    monkeypatch.delenv("YUSUAN_REQUIRE_SHARED", raising=False)
    result = pytester.runpytest_subprocess(project, "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=2)
