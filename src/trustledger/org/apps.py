from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "trustledger.org"
    label = "org"
    verbose_name = "People and organisation"
