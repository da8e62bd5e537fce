"""Security headers for the public site, shared by the Django middleware and the
ASGI fast path so that a cached page is served with exactly the same headers."""

from __future__ import annotations

from functools import cache

from django.conf import settings

# No script from anywhere but our own origin, and no inline script; styles may be
# inline (bars and widths are set with style attributes); media only from here.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "frame-src 'self' https://www.youtube-nocookie.com https://player.vimeo.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)


@cache
def public_security_headers() -> tuple[tuple[str, str], ...]:
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
    ]
    if settings.HTTPS:
        headers.append(
            (
                "Strict-Transport-Security",
                "max-age=63072000; includeSubDomains; preload",
            )
        )
    return tuple(headers)


def is_admin_path(path: str) -> bool:
    return path.startswith(f"/{settings.ADMIN_PATH}/") or path.startswith(
        "/django-admin/"
    )
