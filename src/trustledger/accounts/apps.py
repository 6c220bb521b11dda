from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "trustledger.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"
