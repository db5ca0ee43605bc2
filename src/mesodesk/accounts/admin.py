"""Users and API tokens in the Django admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from mesodesk.accounts.models import ApiToken, User
from mesodesk.accounts.services import record_verified_email, revoke_api_token
from mesodesk.admin_mixins import CleanTextAdmin, ViewOnlyAdmin


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(CleanTextAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or "email" in form.changed_data:
            # The admin typed the address: allauth treats it as verified, so the person can
            # sign in without a confirmation mail first.
            record_verified_email(user=obj)


@admin.register(ApiToken)
class ApiTokenAdmin(ViewOnlyAdmin, SimpleHistoryAdmin):
    """Tokens are issued with `mesodesk api-token`; here they can be seen and revoked, and
    their history says who issued and who revoked them. A revoked token is never deleted:
    it stays as the record of who could use the API, and until when."""

    list_display = ("prefix", "name", "clinic", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("clinic",)
    search_fields = ("prefix", "name", "user__email")
    list_select_related = ("clinic", "user")
    fields = (*list_display, "revoked_by")
    readonly_fields = fields
    actions = ("revoke",)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_apitoken")

    @admin.action(description="Revoke the selected tokens", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            revoke_api_token(token=token, by=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"Revoked {len(queryset)} token(s).")
