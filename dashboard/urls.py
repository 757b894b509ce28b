from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard.views import (
    commits,
    engineers,
    findings,
    health,
    overview,
    pulls,
    repositories,
    rules,
    services,
)

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("repositories/", repositories.repository_list, name="repository-list"),
    path("repositories/<int:pk>/", repositories.repository_detail, name="repository-detail"),
    path(
        "repositories/<int:pk>/review/", repositories.repository_review, name="repository-review"
    ),
    path(
        "repositories/<int:pk>/tracking/", repositories.repository_tracking,
        name="repository-tracking",
    ),
    path("repositories/<int:pk>/commits/<str:sha>/", commits.commit_detail,
         name="commit-detail"),
    path("pull-requests/<int:pk>/", pulls.pull_request_detail, name="pull-request-detail"),
    path("services/<path:name>/", services.service_detail, name="service-detail"),
    path("me/", engineers.my_findings, name="my-findings"),
    path("findings/", findings.finding_list, name="finding-list"),
    path("findings/<int:pk>/", findings.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/triage/", findings.finding_triage, name="finding-triage"),
    path("rules/", rules.rule_list, name="rule-list"),
    path("rules/<slug:rule_id>/", rules.rule_detail, name="rule-detail"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
