"""Django's admin, with the back office's site (grouped navigation, the dashboard home)."""

from django.contrib.admin.apps import AdminConfig


class OfficeAdminConfig(AdminConfig):
    """``django.contrib.admin`` whose default site is :class:`loyalty.office.site.OfficeSite`.

    Every app keeps registering with ``@admin.register`` on ``admin.site``; only the site's
    class changes, so no app imports the top layer.
    """

    default_site = "loyalty.office.site.OfficeSite"
