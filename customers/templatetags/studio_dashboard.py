"""The admin front page's panels (rekisteri/dashboard.py) as one template tag."""

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("admin/dashboard/dashboard.html", takes_context=True)
def studio_dashboard(context: template.Context) -> dict[str, Any]:
    from rekisteri.dashboard import dashboard

    request = context.get("request")
    if request is None or not getattr(request.user, "is_authenticated", False):
        return {"show": False}
    return {"show": True, "request": request, "perms": context.get("perms"), **dashboard(request)}
