"""Runs pywinrm (Debian's python3-winrm) against an endpoint and prints one JSON object of results.

Input: a JSON object in the environment variable PYWINRM_CASE: endpoint, transport, user, password,
and for HTTPS "insecure": true. Every case is caught separately so one failure does not hide others.
"""
import base64
import importlib.metadata
import json
import os
import sys

import winrm
import xmltodict
from winrm.exceptions import InvalidCredentialsError

cfg = json.loads(os.environ["PYWINRM_CASE"])
extra = {"server_cert_validation": "ignore"} if cfg.get("insecure") else {}


def session(password):
    return winrm.Session(cfg["endpoint"], auth=(cfg["user"], password), transport=cfg["transport"], **extra)


def run(name, fn):
    try:
        out[name] = fn()
    except Exception as e:  # report, do not stop
        out[name] = {"error": type(e).__name__, "message": str(e)[:300]}


def result(r):
    return {"status": r.status_code, "stdout": r.std_out.decode("utf-8", "replace"), "stderr": r.std_err.decode("utf-8", "replace")}


out = {"pywinrm": importlib.metadata.version("pywinrm")}
s = session(cfg["password"])
run("command", lambda: result(s.run_cmd("echo", ["hello from cmd"])))
run("powershell", lambda: result(s.run_ps("Write-Output 'from powershell'\nexit 0")))
run("nonzero", lambda: result(s.run_cmd("cmd", ["/c", "exit /b 3"])))
run("nonzero_ps", lambda: result(s.run_ps("Write-Output 'failing'\nexit 1603")))
run("unknown_command", lambda: result(s.run_cmd("no-such-tool", [])))
# pywinrm 0.3.0's Protocol has no call that sends stdin (0.4 added send_command_input).
out["stdin_supported"] = hasattr(s.protocol, "send_command_input")


def stdin_case():
    """stdin through pywinrm's own header builder and transport, as send_command_input does in 0.4."""
    p = s.protocol
    shell_id = p.open_shell()
    command_id = p.run_command(shell_id, "more", console_mode_stdin=False)
    req = {"env:Envelope": p._get_soap_header(
        resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
        action="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send",
        shell_id=shell_id)}
    stream = {"@Name": "stdin", "@CommandId": command_id, "@End": "true",
              "#text": base64.b64encode("line one\nzwei – ü\n".encode("utf-8")).decode("ascii")}
    req["env:Envelope"].setdefault("env:Body", {})["rsp:Send"] = {"rsp:Stream": stream}
    p.send_message(xmltodict.unparse(req))
    stdout, stderr, code = p.get_command_output(shell_id, command_id)
    p.cleanup_command(shell_id, command_id)
    p.close_shell(shell_id)
    return {"status": code, "stdout": stdout.decode("utf-8"), "stderr": stderr.decode("utf-8")}


run("stdin", stdin_case)


def wrong_password():
    try:
        session("not-the-password").run_cmd("echo", ["x"])
    except InvalidCredentialsError as e:
        return {"refused": True, "message": str(e)[:200]}
    return {"refused": False}


run("wrong_password", wrong_password)
json.dump(out, sys.stdout)
