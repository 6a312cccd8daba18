"""URL configuration: the admin, the language switch and the public pages."""

from django.contrib import admin
from django.urls import include, path

from rekisteri import views

admin.site.site_header = admin.site.site_title = "rekisteri"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("calendar/", include("customers.urls")),
    path("", include("consent.urls")),
]
