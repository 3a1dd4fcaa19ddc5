"""Every write to the care market: one function each, keyword-only `by=`, in a transaction
with its audit event. Providers, services and contracts need MANAGE_MARKET (commissioners);
their events hold ids and labels. Pools are in `market.pool_actions`."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.market.domain import contracts
from onestory.market.models import (
    Contract,
    MarketDecision,
    PriceUnit,
    Provider,
    Service,
    ServiceType,
)

PROVIDER_FIELDS = ("name", "code", "kind")
SERVICE_FIELDS = (
    "name",
    "service_type",
    "capacity",
    "vacancies",
    "unit_price_pence",
    "unit",
    "record_code",
    "record_org_code",
)
CONTRACT_FIELDS = (
    "reference",
    "kind",
    "start",
    "end",
    "value_pence",
    "volume",
    "flexibility",
    "flexibility_note",
)


def _event(by: Actor, action: str, **detail) -> None:
    record_event(by=by, action=action, detail=detail)


def _clean_provider(values: dict) -> dict:
    name = str(values.get("name", "")).strip()
    if not name:
        raise ValidationError("Enter the provider's name.")
    return {
        "name": name[:200],
        "code": str(values.get("code", "")).strip().upper()[:20],
        "kind": str(values.get("kind", "")).strip()[:200],
    }


def create_provider(*, values: dict, by: Actor) -> Provider:
    require(by, Permission.MANAGE_MARKET)
    fields = _clean_provider(values)
    now = timezone.now()
    with transaction.atomic():
        provider = Provider.objects.create(
            **fields, created_at=now, created_by=by.label, updated_at=now, updated_by=by.label
        )
        _event(by, "market.provider_created", provider=str(provider.external_id))
    return provider


def update_provider(*, provider: Provider, values: dict, by: Actor) -> Provider:
    require(by, Permission.MANAGE_MARKET)
    fields = _clean_provider(values)
    with transaction.atomic():
        changed = sorted(k for k, v in fields.items() if getattr(provider, k) != v)
        for key, value in fields.items():
            setattr(provider, key, value)
        provider.updated_at, provider.updated_by = timezone.now(), by.label
        provider.save()
        _event(by, "market.provider_updated", provider=str(provider.external_id), changed=changed)
    return provider


def _clean_service(values: dict) -> dict:
    name = str(values.get("name", "")).strip()
    if not name:
        raise ValidationError("Enter the service's name.")
    if values.get("service_type") not in ServiceType.values:
        raise ValidationError("Choose the type of service.")
    if values.get("unit", PriceUnit.HOUR) not in PriceUnit.values:
        raise ValidationError("Choose what the price is for (an hour, a day, a week, a session).")
    capacity, vacancies = values.get("capacity"), values.get("vacancies")
    for label, n in (("capacity", capacity), ("vacancies", vacancies)):
        if n is not None and n < 0:
            raise ValidationError(f"The {label} cannot be negative.")
    price = values.get("unit_price_pence")
    if price is not None and price < 0:
        raise ValidationError("The unit price cannot be negative.")
    if capacity is not None and vacancies is not None and vacancies > capacity:
        raise ValidationError("There cannot be more vacancies than places.")
    return {
        "name": name[:200],
        "service_type": values["service_type"],
        "capacity": capacity,
        "vacancies": vacancies,
        "unit_price_pence": price,
        "unit": values.get("unit", PriceUnit.HOUR),
        "record_code": str(values.get("record_code", "")).strip()[:100],
        "record_org_code": str(values.get("record_org_code", "")).strip().upper()[:20],
    }


def create_service(*, provider: Provider, values: dict, by: Actor) -> Service:
    require(by, Permission.MANAGE_MARKET)
    fields = _clean_service(values)
    now = timezone.now()
    with transaction.atomic():
        service = Service.objects.create(
            provider=provider,
            **fields,
            created_at=now,
            created_by=by.label,
            updated_at=now,
            updated_by=by.label,
        )
        _event(
            by,
            "market.service_created",
            provider=str(provider.external_id),
            service=str(service.external_id),
            service_type=service.service_type,
        )
    return service


def update_service(*, service: Service, values: dict, by: Actor) -> Service:
    """Edit a service: its details, places and vacancies, price and how records know it."""
    require(by, Permission.MANAGE_MARKET)
    fields = _clean_service(values)
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        if not locked.active:
            raise ValidationError("This service has been decommissioned: it cannot be changed.")
        changed = sorted(k for k, v in fields.items() if getattr(locked, k) != v)
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.updated_at, locked.updated_by = timezone.now(), by.label
        locked.save()
        _event(by, "market.service_updated", service=str(locked.external_id), changed=changed)
    return locked


def _clean_contract(service: Service, values: dict) -> dict:
    kind = values.get("kind", "")
    start, end = values.get("start"), values.get("end")
    if not isinstance(start, date):
        raise ValidationError("Enter the date the contract starts.")
    reference = str(values.get("reference", "")).strip()
    if not reference:
        raise ValidationError("Enter the contract's reference.")
    problems = contracts.contract_problems(
        kind=kind,
        start=start,
        end=end,
        value_pence=values.get("value_pence"),
        volume=values.get("volume"),
        unit_price_pence=service.unit_price_pence,
    )
    flexibility = sorted(set(values.get("flexibility") or ()))
    if kind in contracts.KINDS:
        problems += contracts.flexibility_problems(kind, flexibility)
    if problems:
        raise ValidationError(problems)
    return {
        "reference": reference[:60],
        "kind": kind,
        "start": start,
        "end": end,
        "value_pence": values.get("value_pence"),
        "volume": values.get("volume"),
        "flexibility": [a for a in contracts.ASPECTS if a in flexibility],
        "flexibility_note": str(values.get("flexibility_note", "")).strip()[:2000],
    }


def create_contract(*, service: Service, values: dict, by: Actor) -> Contract:
    require(by, Permission.MANAGE_MARKET)
    if not service.active:
        raise ValidationError("This service has been decommissioned: no new contracts.")
    fields = _clean_contract(service, values)
    now = timezone.now()
    with transaction.atomic():
        contract = Contract.objects.create(
            service=service,
            **fields,
            created_at=now,
            created_by=by.label,
            updated_at=now,
            updated_by=by.label,
        )
        _event(
            by,
            "market.contract_created",
            service=str(service.external_id),
            contract=str(contract.external_id),
            kind=contract.kind,
            value_pence=contract.value_pence,
        )
    return contract


def update_contract(*, contract: Contract, values: dict, by: Actor) -> Contract:
    """Edit a contract, its period, value and volume, and what may be varied for a plan."""
    require(by, Permission.MANAGE_MARKET)
    fields = _clean_contract(contract.service, values)
    with transaction.atomic():
        changed = sorted(k for k, v in fields.items() if getattr(contract, k) != v)
        for key, value in fields.items():
            setattr(contract, key, value)
        contract.updated_at, contract.updated_by = timezone.now(), by.label
        contract.save()
        _event(
            by,
            "market.contract_updated",
            contract=str(contract.external_id),
            changed=changed,
        )
    return contract


def decommission_service(
    *, service: Service, effective_on: date, reason: str, impact_shown: dict, by: Actor
) -> MarketDecision:
    """Record the decision to decommission a service, after its impact was shown (kept with
    the decision, as shown: suppressed counts only). Its open contracts end on the day."""
    require(by, Permission.MANAGE_MARKET)
    if not reason.strip():
        raise ValidationError("Give the reason for decommissioning the service.")
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        if not locked.active:
            raise ValidationError("This service has already been decommissioned.")
        now = timezone.now()
        locked.decommissioned_on = effective_on
        locked.decommission_reason = reason.strip()
        locked.decommissioned_by = by.label
        locked.updated_at, locked.updated_by = now, by.label
        locked.save()
        ended = 0
        for contract in locked.contracts.all():
            if contract.end is None or contract.end > effective_on:
                if contract.start >= effective_on:
                    continue  # not yet started: left as it is for the commissioner to see
                contract.end = effective_on
                contract.updated_at, contract.updated_by = now, by.label
                contract.save()
                ended += 1
        decision = MarketDecision.objects.create(
            service=locked,
            kind="decommission",
            effective_on=effective_on,
            reason=reason.strip(),
            impact_shown=impact_shown,
            decided_at=now,
            decided_by=by.label,
        )
        _event(
            by,
            "market.service_decommissioned",
            service=str(locked.external_id),
            effective_on=effective_on.isoformat(),
            contracts_ended=ended,
            people_shown=impact_shown.get("people"),
        )
    return decision
