"""The public pages of the data subject's rights."""

from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("privacy/", views.privacy_notice, name="privacy"),
    path("rights/", views.rights_form, name="rights"),
    path("rights/sent/", views.rights_sent, name="rights_sent"),
    path("rights/verify/<str:token>/", views.verify, name="verify"),
    path("rights/report/<str:token>/", views.open_report, name="open_report"),
    path("rights/confirm-email/<str:token>/", views.confirm_email, name="confirm_email"),
    path("rights/my-data/", views.my_data, name="my_data"),
    path("rights/my-data/download.<str:fmt>", views.download, name="download"),
    path("marketing/subscribe/", views.subscribe, name="subscribe"),
    path("marketing/subscribe/sent/", views.subscribe_sent, name="subscribe_sent"),
    path("marketing/confirm/<str:token>/", views.confirm_subscription, name="confirm_subscription"),
    path("marketing/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
