"""Third-party RouterOS API client for sim/tests/interop_librouteros.rs: drives the simulator's binary API
with librouteros (PyPI, `pip install librouteros`), as a script against a CHR would.

Usage: api_client.py HOST PORT [--password PW] [--source ADDR] [--ssl]

Prints one JSON object on stdout. Exit codes: 0 success; 3 the login raised librouteros's TrapError
(stdout {"trap": message, "type": class name}); 4 librouteros cannot be imported.
"""
import argparse
import json
import sys

try:
    import librouteros
    from librouteros.exceptions import TrapError
    from librouteros.query import Key
except ImportError as e:
    print(json.dumps({"import_error": str(e), "hint": "pip install librouteros"}))
    sys.exit(4)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--password", default="")
    ap.add_argument("--source", default=None)
    ap.add_argument("--ssl", action="store_true")
    args = ap.parse_args()

    # Only options that are set are passed: librouteros 3.x (Debian's python3-librouteros) breaks on
    # ssl_wrapper=None, 4.x accepts both.
    options = {"port": args.port, "timeout": 10}
    if args.source:
        options["saddr"] = args.source
    if args.ssl:
        import ssl

        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        options["ssl_wrapper"] = ctx.wrap_socket

    try:
        api = librouteros.connect(args.host, username="admin", password=args.password, **options)
    except TrapError as e:
        print(json.dumps({"trap": str(e), "type": type(e).__name__}))
        sys.exit(3)

    out = {}
    try:
        services = api.path("ip", "service")
        out["services"] = list(services)
        out["identity"] = list(api("/system/identity/print"))
        # A query: librouteros sends `=.proplist=name,port` and `?disabled=yes` words.
        name, port, disabled = Key("name"), Key("port"), Key("disabled")
        out["disabled_services"] = list(services.select(name, port).where(disabled == True))  # noqa: E712
        out["ssh_or_api"] = list(services.select(name).where(Key("name").In("ssh", "api")))

        # add / update / print / remove on an address list.
        lists = api.path("ip", "firewall", "address-list")
        new_id = lists.add(list="interop", address="192.0.2.44", comment="librouteros")
        out["added_id"] = new_id
        lists.update(**{".id": new_id, "comment": "updated"})
        out["added"] = [r for r in lists if r.get("list") == "interop"]
        try:
            lists.add(list="interop", address="192.0.2.44")
            out["duplicate"] = None
        except TrapError as e:
            out["duplicate"] = str(e)
        lists.remove(new_id)
        out["after_remove"] = [r for r in lists if r.get("list") == "interop"]

        # Errors come back as TrapError.
        try:
            list(api("/ip/service/set", **{".id": "*999", "port": "1"}))
            out["bad_set"] = None
        except TrapError as e:
            out["bad_set"] = str(e)
        try:
            list(api("/nonexistent/print"))
            out["bad_menu"] = None
        except Exception as e:  # TrapError or ProtocolError, depending on the reply
            out["bad_menu"] = {"type": type(e).__name__, "message": str(e)}
    finally:
        api.close()
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
