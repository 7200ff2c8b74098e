"""An OAuth 1.0a provider inside a Django project: a single file (settings, views and URLs),
configured by the environment.

    OAUTH1CORE_CONSUMERS=demo-key:demo-secret OAUTH1CORE_USERS=alice:wonderland \
    OAUTH1CORE_STORE=sqlite:/tmp/provider.db \
    gunicorn --workers 2 --bind 127.0.0.1:8000 --forwarded-allow-ips='' --chdir docs/examples django_provider:application

``application`` is the WSGI application and ``asgi_application`` the ASGI one (uvicorn).
Endpoints: POST /oauth/request_token, GET/POST /oauth/authorize, POST /oauth/access_token, and the
protected GET /api/whoami. The project's own login decides who the resource owner is: a user table
from OAUTH1CORE_USERS, asked on every decision (a project with ``django.contrib.auth`` would return
``Decision(request.user.get_username(), ...)`` for a logged-in user, behind a ``{% csrf_token %}``
consent form). Other settings: OAUTH1CORE_CALLBACKS, OAUTH1CORE_BASE_URL, OAUTH1CORE_TRUSTED_PROXIES.
"""

from __future__ import annotations

import math
import os
import secrets
from typing import Union

import django
from django.conf import settings as django_settings

if not django_settings.configured:
    django_settings.configure(
        DEBUG=False,
        SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(32),
        ALLOWED_HOSTS=["*"],  # the verified origin comes from OAUTH1CORE_BASE_URL / trusted proxies
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["django.middleware.clickjacking.XFrameOptionsMiddleware"],
        INSTALLED_APPS=[],
        DATABASES={},
        USE_TZ=True,
    )
    django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402 - after settings
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils.html import format_html  # noqa: E402

from oauth1core.gateway import Consent, Decision  # noqa: E402
from oauth1core.integrations import login, settings_from_env  # noqa: E402
from oauth1core.integrations.django import DjangoProvider, verified  # noqa: E402
from oauth1core.policy import Throttled  # noqa: E402

settings = settings_from_env()


def login_page(request: HttpRequest, consent: Consent, status: int = 200, message: str = "") -> HttpResponse:
    where = (format_html("Approving sends you back to <code>{}</code>.", consent.callback_origin)
             if consent.callback_origin else "Approving shows you a code to give the application.")
    page = format_html(
        "<!DOCTYPE html><title>Authorize access</title><p><strong>{}</strong> asks to access your account. {}</p>"
        '<p role="alert">{}</p><form method="post" action="{}"><input type="hidden" name="oauth_token" value="{}">'
        '<label>User <input name="username" required></label> '
        '<label>Password <input type="password" name="password" required></label> '
        '<button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button>'
        "</form>", consent.consumer_name, where, message, request.path, consent.token)
    response = HttpResponse(page, status=status)
    response["Cache-Control"] = "no-store"
    return response


def authorize(request: HttpRequest, consent: Consent) -> Union[Decision, HttpResponseBase]:
    """The project's own login: a page for GET, the decision for a POST with the right password."""
    if request.method == "GET":
        return login_page(request, consent)
    username, address = request.POST.get("username", ""), request.META.get("REMOTE_ADDR")
    try:
        right = login(settings.provider, settings.users, consent, username, request.POST.get("password", ""), address)
    except Throttled as throttled:  # the provider's login policy: back off, then try again
        wait = str(max(1, math.ceil(throttled.retry_after)))
        page = login_page(request, consent, 429, f"Too many failed logins: try again in {wait} s.")
        page["Retry-After"] = wait
        return page
    if not right:
        return login_page(request, consent, 403, "Wrong user name or password.")
    if request.POST.get("decision") not in ("approve", "deny"):
        return HttpResponse("decision must be approve or deny\n", status=400, content_type="text/plain")
    return Decision(username, request.POST["decision"] == "approve")


oauth = DjangoProvider(settings.provider, authorize=authorize, base_url=settings.base_url,
                       trusted_proxies=settings.trusted_proxies)


def whoami(request: HttpRequest) -> HttpResponseBase:
    caller = verified(request)
    return JsonResponse({"user": caller.user, "consumer_key": caller.consumer_key})


urlpatterns = [*oauth.urls(), path("api/whoami", oauth.protect(whoami))]
application = get_wsgi_application()
asgi_application = get_asgi_application()
