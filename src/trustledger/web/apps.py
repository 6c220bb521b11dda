from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "trustledger.web"
    label = "web"
    verbose_name = "Web pages"
