"""Every table, imported here so metadata (and Alembic) sees them all."""

from storage.models.asking import Question, QuestionAnswer, QuestionRecipient
from storage.models.base import Base, UTCDateTime
from storage.models.conversation import PendingQuestion
from storage.models.directory import DoneEntry, Identity, Interest, Member
from storage.models.erasures import Erasure
from storage.models.governance import AuditEntry, Moderator
from storage.models.introductions import (
    IntroductionPrefs,
    MeetRequest,
    PairingCheckin,
    PairingMatch,
    PairingRound,
)
from storage.models.linking import LinkCode
from storage.models.resources import Pin
from storage.models.scheduling import DueDelivery, DueWork
from storage.models.slack import SlackEventSeen
from storage.models.teachmeets import (
    DeploymentFact,
    PendingAction,
    TeachMeet,
    TeachMeetFeed,
    TeachMeetFollowup,
    TeachMeetRsvp,
    TeachMeetSeries,
    TeachMeetTalk,
)

__all__ = [
    "AuditEntry",
    "Base",
    "DeploymentFact",
    "DoneEntry",
    "DueDelivery",
    "DueWork",
    "Erasure",
    "Identity",
    "Interest",
    "IntroductionPrefs",
    "LinkCode",
    "MeetRequest",
    "Member",
    "Moderator",
    "PairingCheckin",
    "PairingMatch",
    "PairingRound",
    "PendingAction",
    "PendingQuestion",
    "Pin",
    "Question",
    "QuestionAnswer",
    "QuestionRecipient",
    "SlackEventSeen",
    "TeachMeet",
    "TeachMeetFeed",
    "TeachMeetFollowup",
    "TeachMeetRsvp",
    "TeachMeetSeries",
    "TeachMeetTalk",
    "UTCDateTime",
]
