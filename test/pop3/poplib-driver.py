# Drives Python's poplib (a real, independent POP3 client) for the tests: reads a JSON
# program on stdin, runs each step on one connection, prints one JSON result per step.
#   {"host": "127.0.0.1", "port": 2110, "mode": "plain" | "stls" | "implicit",
#    "steps": [["capa"], ["user", "a@b"], ["pass_", "secret"], ["retr", 1], ...]}
# A step's result is {"ok": value} or {"error": "<server reply>"}; bytes are base64.
# Extra steps: ["auth_plain", user, secret] (AUTH PLAIN with an initial response) and
# ["raw", "COMMAND"] (one single-line command, reply returned as is).
import base64
import json
import poplib
import ssl
import sys


def encode(value):
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key if isinstance(key, str) else key.decode("latin1"): encode(item) for key, item in value.items()}
    return value


def main():
    program = json.load(sys.stdin)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if program["mode"] == "implicit":
        client = poplib.POP3_SSL(program["host"], program["port"], context=context, timeout=10)
    else:
        client = poplib.POP3(program["host"], program["port"], timeout=10)
    results = [{"ok": encode(client.getwelcome())}]
    if program["mode"] == "stls":
        results.append({"ok": encode(client.stls(context))})
    for step in program["steps"]:
        name, args = step[0], step[1:]
        try:
            if name == "auth_plain":
                token = base64.b64encode(b"\0" + args[0].encode() + b"\0" + args[1].encode()).decode("ascii")
                value = client._shortcmd("AUTH PLAIN " + token)
            elif name == "raw":
                value = client._shortcmd(args[0])
            else:
                value = getattr(client, name)(*args)
            results.append({"ok": encode(value)})
        except (poplib.error_proto, OSError, EOFError) as error:
            detail = error.args[0] if error.args else repr(error)
            results.append({"error": detail.decode("latin1") if isinstance(detail, bytes) else str(detail)})
    try:
        client.close()
    except OSError:
        pass
    json.dump(results, sys.stdout)


main()
