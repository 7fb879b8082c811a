"""``/ui/``: the tuning workbench, a page of static files that talks to the public API only.

The files are plain HTML, CSS and ES modules shipped in the package (``service/ui_static``);
nothing is built and nothing is loaded from another origin. The page gets its own
Content-Security-Policy (``headers.UI_POLICY``): its own scripts and styles only, no inline
script, no other origin. It is not an API resource, so it is not in the OpenAPI document and
needs no key: the key is typed into the page and sent by it with every API call.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, redirect, send_from_directory

from service.api.problems import problem_response

UI_DIRECTORY = Path(__file__).resolve().parents[2] / "ui_static"
# Only what the page is made of is served; anything else in the folder (or asked for) is a 404.
SERVED_SUFFIXES = {".html", ".css", ".js", ".svg"}

blp = Blueprint("ui", __name__, url_prefix="/ui")


@blp.route("", methods=["GET"], strict_slashes=False)
def index_redirect() -> Response:
    return redirect("/ui/", code=308)  # type: ignore[return-value]


@blp.route("/", methods=["GET"])
def index() -> Response:
    return _send("index.html")


@blp.route("/<path:name>", methods=["GET"])
def asset(name: str) -> Response:
    return _send(name)


def _send(name: str) -> Response:
    if Path(name).suffix not in SERVED_SUFFIXES or not (UI_DIRECTORY / name).is_file():
        return problem_response(404, "not-found", "There is no such file of the workbench page.")
    response = send_from_directory(UI_DIRECTORY, name, max_age=0)
    if name.endswith(".js"):
        response.mimetype = "text/javascript"  # module scripts need a JavaScript type, whatever the host maps
    return response
