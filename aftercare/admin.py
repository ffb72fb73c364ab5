from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from aftercare.models import (
    AuditEvent,
    CalendarException,
    District,
    Membership,
    Notification,
    School,
    SchoolClass,
    Semester,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["id"]
    list_display = ["__str__", "username", "mobile", "is_active", "is_staff"]
    search_fields = ["username", "mobile", "full_name"]
    fieldsets = (
        (None, {"fields": ("username", "mobile", "full_name", "password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "mobile", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "district", "is_remote"]
    list_filter = ["district"]


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["__str__", "school", "homeroom_teacher"]
    list_filter = ["school"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "district", "school"]
    list_filter = ["role", "district"]
    raw_id_fields = ["user"]


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    extra = 0


@admin.register(Semester)
class SemesterAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "start_date", "end_date"]
    inlines = [CalendarExceptionInline]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit events can be looked at, never changed or removed."""

    list_display = ["created_at", "district", "school", "actor_repr", "action", "object_repr"]
    list_filter = ["district", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "title", "created_at", "read_at"]
