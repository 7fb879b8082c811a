"""The browsable API page at ``/docs``: Swagger UI served from the installed package, not a CDN.

An on-premises service must work without reaching the internet, and a page that loads
scripts from elsewhere runs whatever that elsewhere serves. The Swagger UI files come from
the ``flask-swagger-ui`` distribution (only its ``dist`` folder is used), a short start-up
script is ours, and the page references nothing but this service.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from flask import Blueprint, Response, send_file, url_for
from markupsafe import escape

from service.api.problems import Problem

ASSET_MAX_AGE = 3600  # the assets change only when the package is upgraded
# The files the page uses, with their types; nothing else in the folder is served.
SWAGGER_UI_FILES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
START_SCRIPT = "docs.js"

# Kept out of the page so that its Content-Security-Policy needs no inline script.
_START = """\
"use strict";
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""

_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{css}">
<link rel="icon" type="image/png" href="{icon}">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec_url}"></div>
<script src="{bundle}"></script>
<script src="{start}"></script>
</body>
</html>
"""


def swagger_ui_dist() -> Path:
    return Path(str(files("flask_swagger_ui") / "dist"))


def register_docs_page(blueprint: Blueprint, page_path: str, spec_endpoint: str, title: str) -> None:
    """Add the page and its assets to ``blueprint`` (flask-smorest's documentation blueprint)."""

    def page() -> Response:
        def asset_url(name: str) -> str:
            return str(escape(url_for(f"{blueprint.name}.docs_asset", name=name)))

        html = _PAGE.format(
            title=escape(title),
            spec_url=escape(url_for(spec_endpoint)),
            css=asset_url("swagger-ui.css"),
            icon=asset_url("favicon-32x32.png"),
            bundle=asset_url("swagger-ui-bundle.js"),
            start=asset_url(START_SCRIPT),
        )
        return Response(html, mimetype="text/html")

    def asset(name: str) -> Response:
        if name == START_SCRIPT:
            response = Response(_START, mimetype="text/javascript")
            response.cache_control.max_age = ASSET_MAX_AGE
            return response
        if name not in SWAGGER_UI_FILES:
            raise Problem(404, "not-found", "There is no such resource. The API is described at /openapi.json.")
        return send_file(swagger_ui_dist() / name, mimetype=SWAGGER_UI_FILES[name], max_age=ASSET_MAX_AGE)

    blueprint.add_url_rule(page_path, endpoint="openapi_swagger_ui", view_func=page)
    blueprint.add_url_rule(f"{page_path}/assets/<name>", endpoint="docs_asset", view_func=asset)
