"""The web hub: server-rendered pages that work without JavaScript, mounted at "/".

`hub.web.auth` gates every route (deny by default, `@public` to open one) and gives views their Principal;
`hub.web.security` adds headers and CSRF; `hub.web.i18n` picks the language. Views only parse, call services,
commit and render.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

bp = Blueprint("web", __name__)


def init_web(app: Flask) -> None:
    """Install what every page relies on: login, security, languages, templates helpers, error pages."""
    from hub.errors import register_renderer
    from hub.web.auth import init_auth
    from hub.web.errors import render_error
    from hub.web.i18n import init_i18n
    from hub.web.security import init_security
    from hub.web.templating import init_templating

    init_auth(app)
    init_security(app)
    init_i18n(app)
    init_templating(app)
    register_renderer("/", render_error)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    init_web(state.app)  # type: ignore[arg-type]


from hub.web import account, share, views  # noqa: E402,F401  (attach the routes to `bp`)
