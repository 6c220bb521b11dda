from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "trustledger.audit"
    label = "audit"
    verbose_name = "Audit log"
