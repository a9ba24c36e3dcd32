"""The web hub: server-rendered pages that work without JavaScript, mounted at "/".

`hub.web.auth` holds the gate (deny by default, `@public` to open one) and gives views their Principal;
`hub.web.security` adds headers and CSRF; both are installed by `create_app` for every route, whatever is
mounted. Mounting this blueprint adds what pages need: languages, template helpers, HTML error pages, and the
web's own navigation links. Views only parse, call services and render; `hub.unit_of_work` commits once
per request.
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask.sansio.app import App
from flask_babel import lazy_gettext

from hub.policy import writing
from hub.web.nav import add_nav_item, is_member

bp = Blueprint("web", __name__)


def init_web(app: App) -> None:
    """Install what every page relies on: languages, template helpers, HTML error pages."""
    from hub.errors import register_renderer
    from hub.web.errors import render_error
    from hub.web.i18n import init_i18n
    from hub.web.templating import init_templating

    init_i18n(app)
    init_templating(app)
    register_renderer(app, "/", render_error)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    init_web(state.app)


add_nav_item(bp, "web.home", lazy_gettext("Home"), is_member, 10)
add_nav_item(bp, "web.collections", lazy_gettext("Browse"), is_member, 20)
add_nav_item(bp, "web.share", lazy_gettext("Share"), writing.may_write_somewhere, 30)
add_nav_item(bp, "web.mine", lazy_gettext("My submissions"), is_member, 35)
add_nav_item(bp, "web.connect", lazy_gettext("API and TAXII"), is_member, 70)


from hub.web import account, connect, mine, revise, share, share_bulk, share_expired, views  # noqa: E402,F401  (attach the routes to `bp`)
