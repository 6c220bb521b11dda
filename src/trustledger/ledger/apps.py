from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "trustledger.ledger"
    label = "ledger"
    verbose_name = "Commitment ledger and trust signals"
