"""An OAuth 1.0a provider inside a FastAPI application: a single file, configured by the environment.

    OAUTH1CORE_CONSUMERS=demo-key:demo-secret OAUTH1CORE_USERS=alice:wonderland \
    OAUTH1CORE_STORE=sqlite:/tmp/provider.db \
    uvicorn --workers 2 --host 127.0.0.1 --port 8000 --no-proxy-headers --app-dir docs/examples fastapi_provider:app

Endpoints: POST /oauth/request_token, GET/POST /oauth/authorize, POST /oauth/access_token, and the
protected GET /api/whoami (a dependency gives the endpoint the verified request). The application's
own login decides who the resource owner is: a user table from OAUTH1CORE_USERS, asked on every
decision. Other settings: OAUTH1CORE_CALLBACKS, OAUTH1CORE_BASE_URL, OAUTH1CORE_TRUSTED_PROXIES.
"""

from __future__ import annotations

import math
from html import escape
from typing import Dict, List, Tuple, Union

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from oauth1core.gateway import Consent, Decision, OAuth1Request
from oauth1core.integrations import login, settings_from_env
from oauth1core.integrations.starlette import StarletteProvider
from oauth1core.policy import Throttled

settings = settings_from_env()
app = FastAPI(title="oauth1core example provider")


def login_page(request: Request, consent: Consent, status: int = 200, message: str = "") -> HTMLResponse:
    where = (f"Approving sends you back to <code>{escape(consent.callback_origin)}</code>."
             if consent.callback_origin else "Approving shows you a code to give the application.")
    alert = f'<p role="alert">{escape(message)}</p>' if message else ""
    return HTMLResponse(
        "<!DOCTYPE html><title>Authorize access</title>"
        f"<p><strong>{escape(consent.consumer_name)}</strong> asks to access your account. {where}</p>{alert}"
        f'<form method="post" action="{escape(request.url.path)}">'
        f'<input type="hidden" name="oauth_token" value="{escape(consent.token)}">'
        '<label>User <input name="username" required></label> '
        '<label>Password <input type="password" name="password" required></label> '
        '<button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button>'
        "</form>",
        status_code=status, headers={"X-Frame-Options": "DENY", "Cache-Control": "no-store"})


async def authorize(request: Request, consent: Consent, form: List[Tuple[str, str]]) -> Union[Decision, HTMLResponse,
                                                                                              PlainTextResponse]:
    """The application's own login (the form arrives parsed: no python-multipart needed)."""
    if request.method == "GET":
        return login_page(request, consent)
    fields: Dict[str, str] = dict(form)
    username, address = fields.get("username", ""), request.client.host if request.client else None
    try:
        right = login(settings.provider, settings.users, consent, username, fields.get("password", ""), address)
    except Throttled as throttled:  # the provider's login policy: back off, then try again
        wait = str(max(1, math.ceil(throttled.retry_after)))
        page = login_page(request, consent, 429, f"Too many failed logins: try again in {wait} s.")
        page.headers["Retry-After"] = wait
        return page
    if not right:
        return login_page(request, consent, 403, "Wrong user name or password.")
    if fields.get("decision") not in ("approve", "deny"):
        return PlainTextResponse("decision must be approve or deny\n", status_code=400)
    return Decision(username, fields["decision"] == "approve")


oauth = StarletteProvider(settings.provider, authorize=authorize, base_url=settings.base_url,
                          trusted_proxies=settings.trusted_proxies)
oauth.install(app)


@app.get("/api/whoami")
async def whoami(caller: OAuth1Request = Depends(oauth)) -> Dict[str, object]:
    return {"user": caller.user, "consumer_key": caller.consumer_key}
