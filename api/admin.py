"""API tokens (admins see and revoke anyone's; keys are never shown: only hashes exist) and webhooks in the admin."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from api import webhooks
from api.models import ApiToken, WebhookDelivery, WebhookEndpoint, WebhookEvent


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_hint", "created", "last_used", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "key_hint"]
    readonly_fields = ["user", "name", "key_hint", "created", "last_used", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a key is shown once, to its owner: tokens are made on the user's own page

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_change_permission
    has_module_permission = has_change_permission

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoked tokens stay, so the record of who had access stays too

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.revoke()
        self.message_user(
            request, ngettext("%(count)s token revoked.", "%(count)s tokens revoked.", count) % {"count": count},
            messages.SUCCESS,
        )


# --- webhooks --------------------------------------------------------------------------------------

#: How many of an endpoint's latest deliveries its page lists (the full log is the delivery list).
RECENT_DELIVERIES = 20


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "event_list", "active", "consecutive_failures", "last_success_at", "disabled_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    readonly_fields = ["signing_secret", "consecutive_failures", "last_success_at", "disabled_at", "disabled_reason",
                       "created_by", "created_at", "recent_deliveries"]
    actions = ["switch_on", "rotate_secret"]

    @admin.display(description=gettext_lazy("events"))
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        labels = dict(WebhookEvent.choices)
        return ", ".join(str(labels.get(name, name)) for name in endpoint.events or [])

    @admin.display(description=gettext_lazy("signing secret"))
    def signing_secret(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.pk:
            return "Made when the endpoint is saved."
        return format_html(
            "<code>{}</code><div class=\"help\">Give it to the receiver: it verifies the Factdesk-Signature header "
            "with it (docs/webhooks.md).</div>", endpoint.secret,
        )

    @admin.display(description=gettext_lazy("latest deliveries"))
    def recent_deliveries(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.pk:
            return "—"
        rows = endpoint.deliveries.order_by("-created_at", "-id")[:RECENT_DELIVERIES]
        table = format_html_join(
            "", "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (reverse("admin:api_webhookdelivery_change", args=[row.pk]), row.created_at, row.event,
                 row.get_status_display(), row.attempts, row.response_code or "—", row.error or "")
                for row in rows
            ),
        )
        log = reverse("admin:api_webhookdelivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        return format_html(
            "<table><thead><tr><th>created</th><th>event</th><th>status</th><th>attempts</th><th>answer</th>"
            "<th>error</th></tr></thead><tbody>{}</tbody></table><p><a href=\"{}\">The whole delivery log</a></p>",
            table, log,
        )

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Say which endpoints were switched off for failing, until someone switches them on again."""
        switched_off = WebhookEndpoint.objects.filter(active=False, disabled_at__isnull=False)
        for endpoint in switched_off[:10]:
            self.message_user(
                request,
                _("“%(name)s” was switched off on %(when)s UTC: %(reason)s")
                % {"name": endpoint.name, "when": f"{endpoint.disabled_at:%Y-%m-%d %H:%M}",
                   "reason": endpoint.disabled_reason},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description=gettext_lazy("Switch the selected endpoints on again (failure count reset)"))
    def switch_on(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        count = webhooks.switch_on(queryset)
        self.message_user(
            request,
            ngettext("%(count)s endpoint switched on again.", "%(count)s endpoints switched on again.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Give the selected endpoints a new signing secret"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhooks.rotate_secret(endpoint)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)s secret replaced: give the receiver its new secret.",
                "%(count)s secrets replaced: give each receiver its new secret.",
                count,
            ) % {"count": count},
            messages.WARNING,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only (what was sent, each answer); failed ones can be sent again."""

    list_display = ["created_at", "endpoint", "event", "status", "attempts", "response_code", "last_attempt_at",
                    "next_attempt_at"]
    list_filter = ["status", "event", "endpoint"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created_at"
    fields = ["endpoint", "event", "status", "attempts", "response_code", "error", "response_body", "pretty_payload",
              "created_at", "last_attempt_at", "next_attempt_at", "delivered_at"]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=gettext_lazy("payload"))
    def pretty_payload(self, delivery: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, indent=2, ensure_ascii=False))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # deliveries come from events

    def has_change_permission(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> bool:
        return False  # a log: viewed, never edited

    @admin.action(
        description=gettext_lazy("Send the selected deliveries again (as new deliveries)"), permissions=["view"]
    )
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        created = webhooks.redeliver(queryset.select_related("endpoint"))
        self.message_user(
            request,
            ngettext(
                "%(count)s delivery queued again (switched-on endpoints only).",
                "%(count)s deliveries queued again (switched-on endpoints only).",
                len(created),
            ) % {"count": len(created)},
            messages.SUCCESS,
        )
