from django.contrib import admin

from dashboard.models import Membership, Repository, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    inlines = [MembershipInline]


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "url", "status", "review_interval_minutes", "branch_patterns",
                    "last_reviewed_at"]
    exclude = ["credentials"]
