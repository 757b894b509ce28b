from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from . import views
from .views import ArticleViewSet

router = DefaultRouter()
router.register(r"articles", ArticleViewSet, basename="article")

app_name = "blog"

urlpatterns = [
    path("", views.index, name="index"),
    path("posts/<int:pk>/", views.PostDetailView.as_view(), name="post-detail"),
    path("posts/<slug:slug>/comments/", views.comments, name="comments"),
    re_path(r"^archive/(?P<year>[0-9]{4})/$", views.archive, name="archive"),
    path(
        "accounts/",
        include(
            [
                path("profile/", views.profile, name="profile"),
                path("settings/", views.settings_view, name="settings"),
            ]
        ),
    ),
    path("api/", include(router.urls)),
    path("admin-docs/", include("django.contrib.admindocs.urls")),
]
