"""Site-wide response policies."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.csp import build_policy

from helsingborg_innovation.clients import trusted_address

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


class ForwardedProtoMiddleware:
    """Takes the scheme header (SECURE_PROXY_SSL_HEADER, X-Forwarded-Proto) off every request
    that did not come from one of the site's own proxies (TRUSTED_PROXIES).

    Django believes that header from whoever sends it. Behind the load balancer that is the
    balancer, which writes it itself; but a client that reached a node directly, through a
    firewall left open, wrote "https" in it over plain HTTP and was served as over HTTPS, past
    the redirect to HTTPS. First in MIDDLEWARE, before SecurityMiddleware and anything else
    that asks request.is_secure().
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        if header and not trusted_address(request.META.get("REMOTE_ADDR", "")):
            request.META.pop(header[0], None)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django has no setting for, on every response; and the policies of Django's own
    middleware on a response they never saw.

    It sits right after SecurityMiddleware, outside everything that can answer on its own:
    static files, the page cache, and an error raised by a middleware, such as the 400 for a
    Host header not allowed, which went out without a Content-Security-Policy or
    X-Frame-Options. Django's clickjacking and CSP middleware stay inside the page cache, so a
    cached page keeps the headers they gave it and a hit costs nothing more (their place
    outside cost a hit 5-7 µs, of some 85).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # Without a nonce: a response that did not reach the CSP middleware has no page of ours
        # in it to carry one.
        self.csp = build_policy(settings.SECURE_CSP) if settings.SECURE_CSP else ""

    def __call__(self, request):
        response = self.get_response(request)
        headers = response.headers
        user = getattr(request, "user", None)  # none for a page the cache served
        if user is not None and user.is_authenticated:
            # A page as staff see it (a draft's preview, the admin) is theirs alone: a proxy
            # or CDN that does not honour Vary: Cookie must not keep it for the public.
            patch_cache_control(response, private=True)
        if response.status_code == 304:
            # A browser updates what it keeps of the page with the 304's headers: a policy
            # without the page's nonce would block the page's own script.
            return response
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if "X-Frame-Options" not in headers and not getattr(
            response, "xframe_options_exempt", False
        ):
            headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
        if (
            self.csp
            and "Content-Security-Policy" not in headers
            and not hasattr(response, "_csp_config")
        ):
            headers["Content-Security-Policy"] = self.csp
        return response


class HealthCheckMiddleware:
    """Answers the load balancers' /healthz before anything reads the Host header.

    A load balancer asks each node by the node's own address (Host: 10.0.0.5:8000), which is
    none of the site's host names: CommonMiddleware answered it 400 and logged an error with a
    traceback for every probe, so the balancer took a node with its database in reach out of
    service. The answer names no host and holds nothing but the database's state.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # The site-wide pages sit above this module; the middleware is made once apps are ready.
        from helsingborg_innovation.views import healthz

        self.healthz = healthz

    def __call__(self, request):
        if request.path_info == "/healthz":
            return self.healthz(request)
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """A page for a browser that asked for an address in a way it does not answer (405).

    Django's require_http_methods and View.http_method_not_allowed answer with an empty body,
    which a browser shows as a blank page: a member of staff who opened the admin's sign-out
    address (a button, POST only) saw nothing at all. Programs, which do not ask for HTML, keep
    the empty answer; every answer keeps its Allow header.

    After CommonMiddleware in MIDDLEWARE, so that the Content-Length it sets is the page's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405:
            return response
        patch_vary_headers(response, ("Accept",))
        if not response.streaming and not response.content and _asks_for_html(request):
            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


def _asks_for_html(request) -> bool:
    """Whether the client names HTML among what it accepts, as browsers do; "*/*" is not
    enough (curl and most programs send it)."""
    return any((t.main_type, t.sub_type) == ("text", "html") for t in request.accepted_types)
