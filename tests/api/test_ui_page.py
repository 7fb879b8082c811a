"""/ui/: the workbench's files, served with a policy that allows no inline script and no other origin."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service.api.routes.ui import UI_DIRECTORY

STATIC = sorted(p for p in UI_DIRECTORY.iterdir() if p.is_file())


def policy(header: str) -> dict[str, str]:
    directives = [d.strip().partition(" ") for d in header.split(";") if d.strip()]
    return {name: value for name, _, value in directives}


def test_the_page_is_served_with_its_own_policy(client: FlaskClient) -> None:
    response = client.get("/ui/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    csp = policy(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'" and csp["connect-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'none'"
    assert all("unsafe" not in value and "http" not in value and "*" not in value for value in csp.values())
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_without_the_slash_it_redirects(client: FlaskClient) -> None:
    response = client.get("/ui")
    assert response.status_code == 308 and response.headers["Location"].endswith("/ui/")


@pytest.mark.parametrize("name", ["app.js", "api.js", "classify.js", "tune.js", "editor.js", "highlight.js"])
def test_modules_are_served_as_javascript(client: FlaskClient, name: str) -> None:
    response = client.get(f"/ui/{name}")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("path", ["/ui/nothing.js", "/ui/../api/__init__.py", "/ui/%2e%2e/headers.py", "/ui/ui.py"])
def test_anything_else_is_a_404_problem(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_the_page_needs_no_key_but_its_api_calls_do(keyed_client: FlaskClient) -> None:
    assert keyed_client.get("/ui/").status_code == 200
    assert keyed_client.post("/v1/classify", json={"text": "x"}).status_code == 401


class _InlineFinder(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would refuse."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.refused.append("inline script")
        if tag == "style":
            self.refused.append("style element")
        self.refused.extend(f"{tag} {name}" for name in names if name == "style" or name.startswith("on"))


def test_the_page_has_no_inline_script_style_or_handler() -> None:
    finder = _InlineFinder()
    finder.feed((UI_DIRECTORY / "index.html").read_text(encoding="utf-8"))
    assert finder.refused == []


@pytest.mark.parametrize("path", STATIC, ids=[p.name for p in STATIC])
def test_nothing_is_loaded_from_another_origin(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    # The SVG namespace is a name, not a fetch; nothing else may name an origin.
    origins = [
        url for url in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", text) if "w3.org/2000/svg" not in url
    ]
    assert origins == []
    assert "innerHTML" not in text and "eval(" not in text  # text goes in as text, never as markup


def test_the_files_are_package_data() -> None:
    pyproject = (Path(__file__).parent.parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    suffixes = {p.suffix for p in STATIC}
    assert suffixes <= {".html", ".css", ".js", ".svg"}
    for suffix in suffixes:
        assert f'"ui_static/*{suffix}"' in pyproject
