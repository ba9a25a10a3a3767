"""Translations: Chinese source strings, a complete English catalogue, the
committed .mo in step with the .po, and English pages when asked for."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def catalogue():
    return polib.pofile(str(LOCALE / "django.po"))


def live_entries(po):
    return [e for e in po if not e.obsolete]


def test_every_msgid_has_an_english_translation():
    po = catalogue()
    missing = []
    for entry in live_entries(po):
        if "fuzzy" in entry.flags:
            missing.append(f"{entry.msgid} (fuzzy)")
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(v.strip() for v in entry.msgstr_plural.values()):
                missing.append(entry.msgid)
        elif not entry.msgstr.strip():
            missing.append(entry.msgid)
    assert missing == [], f"untranslated: {missing}"
    assert len(live_entries(po)) > 100


def test_translations_keep_placeholders():
    for entry in live_entries(catalogue()):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        targets = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in targets:
            assert sorted(PLACEHOLDER.findall(text)) == wanted, entry.msgid


def test_source_strings_are_chinese():
    for entry in live_entries(catalogue()):
        assert re.search(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]", entry.msgid), f"msgid should be Chinese: {entry.msgid!r}"


def test_committed_mo_matches_po():
    mo_path = LOCALE / "django.mo"
    assert mo_path.exists(), "compile the catalogue: zhiliang compilemessages (see docs/ui.md)"
    po = catalogue()
    compiled = polib.mofile(str(mo_path))

    def table(entries):
        out = {}
        for e in entries:
            if not e.msgid or "fuzzy" in e.flags:
                continue
            key = (e.msgctxt or "", e.msgid)
            out[key] = tuple(e.msgstr_plural[i] for i in sorted(e.msgstr_plural)) if e.msgid_plural else e.msgstr
        return out

    expected = table(live_entries(po))
    actual = table(compiled)
    stale = sorted(k[1] for k in set(expected) ^ set(actual)) + sorted(
        k[1] for k in set(expected) & set(actual) if expected[k] != actual[k]
    )
    assert stale == [], f".mo is out of date with .po for: {stale[:10]}"


@pytest.mark.django_db
def test_accept_language_en_renders_english():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Quality Shiyan · Credit Shiyan" in html
    assert "One-stop search" in html
    login = client.post(reverse("core:login"), {"username": "nobody", "password": "x"}).content.decode()
    assert "Wrong user name or password" in login


@pytest.mark.django_db
def test_default_is_simplified_chinese():
    html = Client().get("/").content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "一站式查询" in html


@pytest.mark.django_db
def test_switching_language_shows_english(county_user):
    client = Client()
    client.force_login(county_user)
    assert "工作台" in client.get(reverse("core:staff-home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("core:staff-home")})
    assert response.status_code == 302
    html = client.get(reverse("core:staff-home")).content.decode()
    assert '<html lang="en">' in html
    assert "Workbench" in html and "County staff" in html and "Sign out" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "退出" in client.get(reverse("core:staff-home")).content.decode()
