"""`onestory fhir import|export|token`."""

from pathlib import Path


def register(sub):
    fhir = sub.add_parser("fhir", help="FHIR R4: import bundles, export records, API tokens")
    cmds = fhir.add_subparsers(dest="fhir_command", metavar="ACTION", required=True)

    p = cmds.add_parser("import", help="import FHIR R4 bundles (or single resources)")
    p.add_argument("files", type=Path, nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=_import)

    p = cmds.add_parser(
        "index", help="make FHIR resources for every source's new or changed entries now"
    )
    p.set_defaults(handler=_index)

    p = cmds.add_parser("export", help="write a person's record as a FHIR Bundle")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--person", help="OneStory person id, or nhs:NNNNNNNNNN")
    who.add_argument("--all", type=Path, metavar="DIR", help="one bundle per person into DIR")
    p.add_argument("--out", type=Path, help="the file to write (with --person)")
    p.set_defaults(handler=_export)

    p = cmds.add_parser("token", help="API tokens for system clients")
    tokens = p.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    t = tokens.add_parser("create", help="make a token acting as a member of staff")
    t.add_argument("--user", required=True, metavar="USERNAME")
    t.add_argument("--name", default="", help="what the token is for")
    t.set_defaults(handler=_token_create)
    t = tokens.add_parser("revoke", help="stop a token working")
    t.add_argument("token_id", type=int)
    t.set_defaults(handler=_token_revoke)


def _actor():
    import getpass

    from onestory.audit.domain.actor import Actor

    return Actor.system(f"cli:{getpass.getuser()}", channel="cli")


def _import(args):
    import json

    from onestory.interop.actions import import_files, summary

    results = import_files(args.files, by=_actor())
    totals = summary(results)
    if args.json:
        print(json.dumps(totals))
    else:
        for name, n in totals["resources"].items():
            print(f"{name:<20} {n:>8}")
        print(f"stored {totals['stored']}, unchanged {totals['unchanged']}")
        for e in totals["errors"]:
            print(f"{e['file']}: {e['resource']} {e['path']}: {e['message']}")
    return 1 if totals["errors"] else 0


def _index(args):
    from onestory.interop.actions import index_sources

    print(f"{index_sources(by=_actor())} FHIR resources made or changed from the sources")
    return 0


def _export(args):
    import json

    from onestory.interop.domain.responses import everything_bundle
    from onestory.interop.queries import ResourceNotFound, everything
    from onestory.people.models import PersonLink

    by = _actor()
    base = "https://onestory.example/fhir"
    if args.person:
        if not args.out:
            print("--out FILE is needed with --person")
            return 2
        try:
            bundle = everything_bundle(base, everything(args.person, by=by), "collection")
        except ResourceNotFound as exc:
            print(str(exc))
            return 1
        args.out.write_text(json.dumps(bundle, indent=1))
        print(f"wrote {len(bundle['entry'])} resources to {args.out}")
        return 0
    args.all.mkdir(parents=True, exist_ok=True)
    ids = (
        PersonLink.objects.filter(run__is_current=True)
        .values_list("person__external_id", flat=True)
        .distinct()
    )
    count = 0
    for pid in ids:
        bundle = everything_bundle(base, everything(str(pid), by=by), "collection")
        (args.all / f"{pid}.json").write_text(json.dumps(bundle))
        count += 1
    print(f"wrote {count} bundles to {args.all}")
    return 0


def _token_create(args):
    from django.contrib.auth import get_user_model

    from onestory.cli import CommandError
    from onestory.interop.actions import create_token

    try:
        _row, token = create_token(by=_actor(), username=args.user, name=args.name)
    except get_user_model().DoesNotExist as exc:
        raise CommandError(f"no member of staff has the username {args.user!r}") from exc
    print(token)
    return 0


def _token_revoke(args):
    from onestory.cli import CommandError
    from onestory.interop.actions import revoke_token
    from onestory.interop.models import ApiToken

    try:
        revoke_token(by=_actor(), token_id=args.token_id)
    except ApiToken.DoesNotExist as exc:
        raise CommandError(f"there is no API token {args.token_id}") from exc
    print(f"token {args.token_id} revoked")
    return 0
