"""A form that works without cookies, still safe against forged requests.

Django checks a form against forgery with a token in the form and the same secret in a
cookie. A resident whose browser blocks cookies for the site (a privacy setting, a school's
locked-down computer, an app's built-in browser) could not send an idea at all: the form came
back, every time, asking to allow cookies.

Browsers say themselves where a request comes from. `Sec-Fetch-Site: same-origin` (every
current browser) or an `Origin` header naming this site (older ones) is sent by the browser,
and no page on another site can set either, so such a request is the site's own form: it needs
no token. Anything else (another site, a browser that says nothing, an Origin of "null") goes
through Django's token check as before. This is the check of Go's net/http
CrossOriginProtection, without its refusal where Django's own check still has its say.
"""

from functools import wraps

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.views.decorators.csrf import csrf_exempt, csrf_protect

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def from_this_site(request: HttpRequest) -> bool:
    """Whether the browser says the request comes from a page of this site."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        # "same-site" includes other hosts under the same domain (anything.helsingborg.se),
        # "none" a request the user made by hand: neither is this site's own form.
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    try:
        own = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return False
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


def same_origin_or_token(view):
    """Decorate a view whose form must work without cookies: a request that its browser says
    comes from this site passes; any other goes through Django's CSRF check (and, refused, to
    CSRF_FAILURE_VIEW as before)."""
    checked = csrf_protect(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method not in SAFE_METHODS and from_this_site(request):
            return view(request, *args, **kwargs)
        return checked(request, *args, **kwargs)

    return csrf_exempt(wrapper)
