"""The one audited way to read a person's integrated record.

Every function here takes the acting `by=` Actor, asks `onestory.access.policy` whether the
read is allowed (raising PermissionDenied when not) and writes an audit event for it. Views
and the API call these and nothing else, so narrowing access later changes the policy and
this module, never the pages.

A person's record is every SourceRecord linked to them in the current linkage run, with
every SourceEvent and SourceRelationship of those records.
"""

from onestory.record.queries.common import PersonNotFound
from onestory.record.queries.results import (
    ConditionEntry,
    CurrentService,
    FacetValue,
    Identity,
    IdentityVariant,
    InvolvedOrganisation,
    PersonRecord,
    PersonSummary,
    Professional,
    RelatedPerson,
    SearchResults,
    SystemRef,
    Timeline,
    TimelineItem,
)
from onestory.record.queries.search import search_people
from onestory.record.queries.summary import access_decision, get_person_record
from onestory.record.queries.timeline import get_timeline

__all__ = [
    "ConditionEntry",
    "CurrentService",
    "FacetValue",
    "Identity",
    "IdentityVariant",
    "InvolvedOrganisation",
    "PersonNotFound",
    "PersonRecord",
    "PersonSummary",
    "Professional",
    "RelatedPerson",
    "SearchResults",
    "SystemRef",
    "Timeline",
    "TimelineItem",
    "access_decision",
    "get_person_record",
    "get_timeline",
    "search_people",
]
