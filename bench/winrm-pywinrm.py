"""pywinrm (Debian's python3-winrm 0.3.0) as the same-run yardstick for bench/winrm.bench.ts.

Input (environment, JSON in PYWINRM_BENCH): endpoint, user, password, upload_command (command
line), upload_file (the stdin bytes), upload_expect (stdout expected), download_script (run with
run_ps), download_bytes (stdout length expected). After one untimed command (the NTLM handshake),
prints {"upload": s, "download": s} for one round of each, timed inside Python so interpreter
start-up is not counted; the bench interleaves rounds with the client's.

pywinrm 0.3.0 has no call that sends stdin; the upload builds Send messages with pywinrm's own
header builder and transport (Protocol._get_soap_header, Protocol.send_message), which is what
later pywinrm versions do in send_command_input.
"""
import base64
import json
import os
import time

import winrm
import xmltodict

cfg = json.loads(os.environ["PYWINRM_BENCH"])
CMD_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
SEND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
CHUNK = (512000 - 4096) // 4 * 3

session = winrm.Session(cfg["endpoint"], auth=(cfg["user"], cfg["password"]), transport="ntlm")
p = session.protocol
with open(cfg["upload_file"], "rb") as f:
    payload = f.read()


def send(shell_id, command_id, data, end):
    req = {"env:Envelope": p._get_soap_header(resource_uri=CMD_URI, action=SEND, shell_id=shell_id)}
    stream = {"@Name": "stdin", "@CommandId": command_id, "#text": base64.b64encode(data).decode("ascii")}
    if end:
        stream["@End"] = "true"
    req["env:Envelope"].setdefault("env:Body", {})["rsp:Send"] = {"rsp:Stream": stream}
    p.send_message(xmltodict.unparse(req))


def upload():
    shell_id = p.open_shell()
    command_id = p.run_command(shell_id, cfg["upload_command"], console_mode_stdin=False)
    for at in range(0, len(payload), CHUNK):
        send(shell_id, command_id, payload[at:at + CHUNK], at + CHUNK >= len(payload))
    out, err, code = p.get_command_output(shell_id, command_id)
    p.cleanup_command(shell_id, command_id)
    p.close_shell(shell_id)
    if code != 0 or out.decode().strip() != cfg["upload_expect"]:
        raise SystemExit("pywinrm upload check failed: exit %d, %r" % (code, out[:80]))


def download():
    r = session.run_ps(cfg["download_script"])
    if r.status_code != 0 or len(r.std_out) != cfg["download_bytes"]:
        raise SystemExit("pywinrm download check failed: exit %d, %d bytes" % (r.status_code, len(r.std_out)))


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


session.run_cmd("echo", ["warm-up"])
print(json.dumps({"upload": timed(upload), "download": timed(download)}))
