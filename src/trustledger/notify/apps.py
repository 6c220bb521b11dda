from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "trustledger.notify"
    label = "notify"
    verbose_name = "Outbound messages (e-mail, webhooks) and calendar feeds"
