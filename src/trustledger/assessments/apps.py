from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "trustledger.assessments"
    label = "assessments"
    verbose_name = "Assessments (surveys)"
