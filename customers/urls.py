"""The register's public address: the calendar feed of sessions (at /calendar/)."""

from django.urls import path

from customers import calendar

urlpatterns = [
    path("<str:token>.ics", calendar.feed, name="calendar_feed"),
]
