"""Admin sign-in is limited against password guessing."""

from django.urls import reverse


def _attempt(client, password):
    return client.post(
        reverse("admin:login"), {"username": "staff-user", "password": password, "next": "/admin/"}
    )


def test_repeated_failed_sign_ins_are_refused_with_429(client, make_staff, settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = 3
    make_staff(username="staff-user")
    for _ in range(3):
        assert _attempt(client, "wrong").status_code == 200
    refused = _attempt(client, "correct horse battery staple")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_a_correct_password_signs_in_below_the_limit(client, make_staff, settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = 3
    make_staff(username="staff-user")
    _attempt(client, "wrong")
    response = _attempt(client, "correct horse battery staple")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_wrong_passwords_behind_the_load_balancer_lock_out_only_their_sender(
    client, make_staff, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.ADMIN_LOGIN_FAILURE_LIMIT = 2
    make_staff(username="staff-user")

    def sign_in(visitor, password):
        return client.post(
            reverse("admin:login"),
            {"username": "staff-user", "password": password, "next": "/admin/"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=visitor,
        )

    for _ in range(2):
        sign_in("203.0.113.66", "guess")
    assert sign_in("203.0.113.66", "correct horse battery staple").status_code == 429
    assert sign_in("198.51.100.7", "correct horse battery staple").status_code == 302
