from django.db import transaction

from .audit import audit_log
from .models import Agency
from .names import canonical, infer_kind


def agency_find(*, region, name: str, agencies=None):
    """The region's agency called `name` (by name, short name, alias, or the same
    canonical name), or None. `agencies` lets a caller pass a preloaded list."""
    if agencies is None:
        agencies = list(Agency.objects.filter(region=region))
    key = canonical(name)
    for agency in agencies:
        if name in (agency.name, agency.short_name) or name in (agency.aliases or []):
            return agency
    for agency in agencies:
        if canonical(agency.name) == key or any(canonical(a) == key for a in agency.aliases or []):
            return agency
    return None


@transaction.atomic
def agency_create(*, region, name: str, by=None, aliases=None) -> Agency:
    agency = Agency(region=region, name=name, kind=infer_kind(name), aliases=list(aliases or []))
    agency.full_clean()
    agency.save()
    audit_log(actor=by, action="agency.create", target=agency, changes={"name": [None, name]})
    return agency


@transaction.atomic
def agency_add_alias(*, agency: Agency, alias: str, by=None) -> Agency:
    if alias and alias != agency.name and alias not in agency.aliases:
        agency.aliases = [*agency.aliases, alias]
        agency.full_clean()
        agency.save(update_fields=["aliases"])
        audit_log(actor=by, action="agency.alias", target=agency, changes={"aliases": [None, alias]})
    return agency


def agency_resolve(*, region, name: str, by=None, agencies=None) -> tuple[Agency, bool]:
    """Find the agency or create it; returns (agency, created). A name that matches an
    existing agency only canonically is recorded as an alias of it."""
    found = agency_find(region=region, name=name, agencies=agencies)
    if found is not None:
        if name != found.name and name != found.short_name and name not in found.aliases:
            agency_add_alias(agency=found, alias=name, by=by)
        return found, False
    agency = agency_create(region=region, name=name, by=by)
    if agencies is not None:
        agencies.append(agency)
    return agency, True


@transaction.atomic
def role_grant(*, user, kind: str, plan=None, region=None, agency=None, by=None):
    """Give `user` a role (idempotent): e.g. the office that imported a plan becomes
    the office of the new plan."""
    from .models import Role

    role = Role.objects.filter(user=user, kind=kind, plan=plan, region=region, agency=agency).first()
    if role is not None:
        return role
    role = Role(user=user, kind=kind, plan=plan, region=region, agency=agency)
    role.full_clean()
    role.save()
    audit_log(actor=by, action="role.grant", target=role, plan=plan, changes={"kind": [None, kind]})
    return role
