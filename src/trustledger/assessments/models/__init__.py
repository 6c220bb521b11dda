"""Assessment models, one module per concern; re-exported here for Django and for callers.

The instrument and anonymity modules next to this package stay pure (no Django).
"""

from trustledger.assessments.models.campaigns import (
    Campaign,
    CampaignStatus,
    CampaignSubject,
    Invitation,
    Rater,
    RaterGroup,
)
from trustledger.assessments.models.custom import CustomInstrument
from trustledger.assessments.models.responses import AttributedResponse, Response
from trustledger.assessments.models.results import (
    CampaignAction,
    CampaignResults,
    CellKind,
    ResultCell,
)

__all__ = [
    "AttributedResponse",
    "Campaign",
    "CampaignAction",
    "CampaignResults",
    "CampaignStatus",
    "CampaignSubject",
    "CellKind",
    "CustomInstrument",
    "Invitation",
    "Rater",
    "RaterGroup",
    "Response",
    "ResultCell",
]
