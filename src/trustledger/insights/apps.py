from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "trustledger.insights"
    label = "insights"
    verbose_name = "Insights: relationship trust derived from the ledger"

    def ready(self) -> None:
        """Project new ledger facts after every committed ledger write (see projection.py)."""
        from trustledger.insights import receivers

        receivers.connect()
