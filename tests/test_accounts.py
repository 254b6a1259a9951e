"""Accounts, roles and what an anonymous visitor can see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from factcheck import permissions as roles
from tests import factories

pytestmark = pytest.mark.django_db


def test_role_groups_are_installed():
    """The roles are these two groups; what each may do is the policies' (tests/test_permissions.py).

    The data migration also grants the groups model permissions: history, not consulted
    (PolicyBackend answers has_perm from the policies).
    """
    assert set(Group.objects.filter(name__in=roles.ROLE_GROUPS).values_list("name", flat=True)) == {
        roles.FACT_CHECKER, roles.EDITOR,
    }


def test_roles_are_read_from_groups(fact_checker, editor, admin_user):
    plain = factories.UserFactory()
    assert roles.is_fact_checker(fact_checker) and not roles.is_editor(fact_checker)
    assert roles.is_editor(editor) and roles.is_fact_checker(editor)
    assert roles.is_admin(admin_user) and roles.is_editor(admin_user)
    assert not roles.is_fact_checker(plain)
    assert [roles.role_name(u) for u in (plain, fact_checker, editor, admin_user)] == [
        "Reader", "Fact-checker", "Editor", "Admin",
    ]


def test_inactive_editor_has_no_role(editor):
    editor.is_active = False
    assert not roles.is_editor(editor)


@pytest.mark.parametrize("url", ["/", "/articles/", "/articles/1/", "/accounts/password_change/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_public(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Log in" in response.content


def test_login_with_password_lands_on_the_article_list(client, fact_checker):
    response = client.post(
        reverse("login"), {"username": fact_checker.username, "password": factories.PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/articles/"
    assert response.context["user"] == fact_checker


def test_logout_is_a_post(checker_client):
    response = checker_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in checker_client.session


def test_password_change_page_works(checker_client):
    assert checker_client.get(reverse("password_change")).status_code == 200


def test_healthz_needs_no_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
