"""An OAuth 1.0a provider inside a Flask application: a single file, configured by the environment.

    OAUTH1CORE_CONSUMERS=demo-key:demo-secret OAUTH1CORE_USERS=alice:wonderland \
    OAUTH1CORE_STORE=sqlite:/tmp/provider.db \
    gunicorn --workers 2 --bind 127.0.0.1:8000 --forwarded-allow-ips='' --chdir docs/examples flask_provider:app

Endpoints: POST /oauth/request_token, GET/POST /oauth/authorize, POST /oauth/access_token, and the
protected GET /api/whoami. The application's own login decides who the resource owner is: here a
user table from OAUTH1CORE_USERS, asked on the authorize page (the password on every decision, so a
forged cross-site form approves nothing); a real site would look at its session instead.
Other settings: OAUTH1CORE_CALLBACKS, OAUTH1CORE_BASE_URL, OAUTH1CORE_TRUSTED_PROXIES (docs/provider.md).
"""

from __future__ import annotations

import math
from typing import Union

from flask import Flask, jsonify, render_template_string, request
from flask.typing import ResponseReturnValue

from oauth1core.gateway import Consent, Decision
from oauth1core.integrations import login, settings_from_env
from oauth1core.integrations.flask import FlaskProvider, verified
from oauth1core.policy import Throttled

settings = settings_from_env()
app = Flask(__name__)

LOGIN = """<!DOCTYPE html><title>Authorize access</title>
<p><strong>{{ consent.consumer_name }}</strong> asks to access your account.
{% if consent.callback_origin %}Approving sends you back to <code>{{ consent.callback_origin }}</code>.
{% else %}Approving shows you a code to give the application.{% endif %}</p>
{% if message %}<p role="alert">{{ message }}</p>{% endif %}
<form method="post" action="{{ request.path }}">
<input type="hidden" name="oauth_token" value="{{ consent.token }}">
<label>User <input name="username" required></label>
<label>Password <input type="password" name="password" required></label>
<button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button>
</form>"""

NO_FRAMES = {"X-Frame-Options": "DENY", "Cache-Control": "no-store"}


def authorize(consent: Consent) -> Union[Decision, ResponseReturnValue]:
    """The application's own login: a page for GET, the decision for a POST with the right password."""
    if request.method == "GET":
        return render_template_string(LOGIN, consent=consent, message=""), 200, NO_FRAMES
    username, address = request.form.get("username", ""), request.remote_addr
    try:
        right = login(settings.provider, settings.users, consent, username, request.form.get("password", ""), address)
    except Throttled as throttled:  # the provider's login policy: back off, then try again
        wait = str(max(1, math.ceil(throttled.retry_after)))
        message = f"Too many failed logins: try again in {wait} s."
        return render_template_string(LOGIN, consent=consent, message=message), 429, {**NO_FRAMES, "Retry-After": wait}
    if not right:
        return render_template_string(LOGIN, consent=consent, message="Wrong user name or password."), 403, NO_FRAMES
    decision = request.form.get("decision")
    if decision not in ("approve", "deny"):
        return "decision must be approve or deny\n", 400
    return Decision(username, decision == "approve")


oauth = FlaskProvider(settings.provider, authorize=authorize, base_url=settings.base_url,
                      trusted_proxies=settings.trusted_proxies)
oauth.init_app(app)


@app.get("/api/whoami")
@oauth.protect
def whoami() -> ResponseReturnValue:
    caller = verified()
    return jsonify(user=caller.user, consumer_key=caller.consumer_key)
