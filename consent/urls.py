"""The public pages of the data subject's rights."""

from django.urls import path

from consent.views import marketing, my_data, privacy, rights

app_name = "consent"

urlpatterns = [
    path("privacy/", privacy.privacy_notice, name="privacy"),
    path("rights/", rights.rights_form, name="rights"),
    path("rights/sent/", rights.rights_sent, name="rights_sent"),
    path("rights/verify/<str:token>/", rights.verify, name="verify"),
    path("rights/report/", rights.report, name="report"),
    path("rights/report/<str:token>/", rights.open_report, name="open_report"),
    path("rights/confirm-email/<str:token>/", rights.confirm_email, name="confirm_email"),
    path("rights/my-data/", my_data.my_data, name="my_data"),
    path("rights/my-data/download.<str:fmt>", my_data.download, name="download"),
    path("marketing/subscribe/", marketing.subscribe, name="subscribe"),
    path("marketing/subscribe/sent/", marketing.subscribe_sent, name="subscribe_sent"),
    path(
        "marketing/confirm/<str:token>/",
        marketing.confirm_subscription,
        name="confirm_subscription",
    ),
    path("marketing/unsubscribe/<str:token>/", marketing.unsubscribe, name="unsubscribe"),
]
