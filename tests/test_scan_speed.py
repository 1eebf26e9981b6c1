"""The scanner's shortcuts (keyword finding, statement selection) give what the plain
way gives: same keywords, same commands, same findings."""
from __future__ import annotations

import pickle
import sys

import pytest

from vitana_guard.engine.scan import _KeywordFinder

KEYWORDS = ("", "cloud shell", "deploy", "deploy.sh", "gcloud", "Upper", "/api/v1/cicd/", "clé", "docker")


def plain(text: str) -> frozenset[str]:
    lowered = text.lower()
    return frozenset(k for k in KEYWORDS if k in lowered)


TEXTS = [
    "npm test\n" * 40,
    "GCloud run DEPLOY gateway\n" + "x" * 300,
    "curl https://g/API/v1/cicd/health; ./deploy.sh; Cloud Shell " + "y" * 300,
    "upper and UPPER " * 30,  # a keyword with capitals never matches lowered text
    "do\u212aer push " * 40,  # Kelvin sign: lower() makes it `docker`
    "CLÉ " * 100,
    "gcloud",  # short: substring tests
]


@pytest.mark.parametrize("text", TEXTS)
def test_keyword_finder_agrees_with_substring_tests(text):
    assert _KeywordFinder(KEYWORDS).present(text, text.lower()) == plain(text)


def test_keyword_finder_without_hyperscan(monkeypatch):
    monkeypatch.setitem(sys.modules, "hyperscan", None)  # import fails: no wheel
    finder = _KeywordFinder(KEYWORDS)
    for text in TEXTS:
        assert finder.present(text, text.lower()) == plain(text)


def test_keyword_finder_pickles_without_its_database():
    finder = _KeywordFinder(KEYWORDS)
    finder.present(TEXTS[1], TEXTS[1].lower())
    copy = pickle.loads(pickle.dumps(finder))
    assert copy.keywords == KEYWORDS and copy.present(TEXTS[2], TEXTS[2].lower()) == plain(TEXTS[2])
