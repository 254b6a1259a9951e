"""Owned records in the admin: a staff member who is not an admin sees only their own."""

from __future__ import annotations

import pytest
from django.test import Client

from annotations.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_staff_editor_sees_only_their_own_notifications_in_the_admin(admin_user):
    editor = factories.EditorFactory(is_staff=True)
    other = factories.FactCheckerFactory()
    claim = factories.ClaimFactory()
    Notification.objects.create(recipient=editor, claim=claim, kind="assigned", message="For the editor")
    Notification.objects.create(recipient=other, claim=claim, kind="assigned", message="For someone else")
    client = Client()
    client.force_login(editor)
    html = client.get("/admin/annotations/notification/").content.decode()
    assert "For the editor" in html and "For someone else" not in html
    client.force_login(admin_user)
    html = client.get("/admin/annotations/notification/").content.decode()
    assert "For the editor" in html and "For someone else" in html
