"""Secrets never land in a notebook, a journal or an archive: each kind is redacted inside a longer text with the text
around it kept, ordinary Azure names stay readable, the environment's secrets are found, notebooks and journals are
cleaned, and find_secrets catches what is left (as is, JSON-escaped or URL-encoded)."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import quote

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from runbook_lib.journal import Change, CheckResult, Journal
from runbook_lib.secrets import (
    REDACTED,
    environment_secrets,
    find_secrets,
    redact,
    redact_notebook,
    redact_value,
    secret_kind,
)

SUB = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
ENDPOINT_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-network-spoke/providers/Microsoft.Network/privateEndpoints/pe-bkp"
)


def _b64(salt: str, size: int) -> str:
    """A base64 payload (an image's, say) of ``size`` bytes."""
    data = b"".join(hashlib.sha512(f"{salt}{n}".encode()).digest() for n in range(size // 64 + 1))[:size]
    return base64.b64encode(data).decode()


# made-up credentials of each shape (none is real)
JWT = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ."
    "eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIiwidXBuIjoiYWxpY2VAY29udG9zby5jb20ifQ."
    "U2lnbmF0dXJlT2ZUaGVUb2tlbl9ub3RSZWFsX2p1c3RBVGVzdA"
)
SIG = "q%2FZ3vXc0Jp9rT4mNw8LkYhGf6DsAe1Bu2Ci7Oo5Pl0E%3D"
SAS = (
    f"sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2030-01-01T00:00:00Z&st=2024-01-01T00:00:00Z"
    f"&spr=https&sig={SIG}"
)
STORAGE_KEY = base64.b64encode(hashlib.sha512(b"storage key").digest()).decode()  # 86 characters and '=='
CLIENT_SECRET = "Xy78Q~AbCdEfGhIjKlMnOpQrStUvWxYz0123456_"
PASSWORD = "Tr0ub4dor&3-horse"
OPAQUE_TOKEN = "opaque.Token_For_Tests-0123456789abcdef"


def test_the_planted_credentials_have_the_shapes_secret_kind_knows():
    assert len(STORAGE_KEY) == 88 and STORAGE_KEY.endswith("==")
    assert [
        secret_kind(v)
        for v in (
            JWT,
            "?" + SAS,
            f"AccountKey={STORAGE_KEY}",
            STORAGE_KEY,
            CLIENT_SECRET,
            f"Server=x;Password={PASSWORD}",
        )
    ] == [
        "an access token (JWT)",
        "a SAS token",
        "a storage connection string",
        "a storage account key",
        "a client secret",
        "a password",
    ]
    assert secret_kind(ENDPOINT_ID) is None and secret_kind(["ok", ("x", JWT)])


def test_secret_kind_moved_and_is_still_importable_from_parameters():
    from runbook_lib.engine import parameters

    assert parameters.secret_kind is secret_kind


@pytest.mark.parametrize(
    "text, secret, kept",
    [
        (f"token: {JWT} (expires in 3599s)", JWT, ["token: ", " (expires in 3599s)"]),
        (
            f"PUT https://stcontoso.blob.core.windows.net/backup/vm1.vhd?{SAS} HTTP/1.1",
            SIG,
            ["PUT https://stcontoso.blob.core.windows.net/backup/vm1.vhd?", " HTTP/1.1"],
        ),
        (
            f'<a href="https://stcontoso.blob.core.windows.net/c?{SAS.replace("&", "&amp;")}">blob</a>',
            SIG,
            ['<a href="https://stcontoso.blob.core.windows.net/c?', '">blob</a>'],
        ),
        (
            '{"url": "https://st.blob.core.windows.net/c?' + SAS.replace("&", "\\u0026") + '"}',  # '&' JSON-escaped
            SIG,
            ['{"url": "https://st.blob.core.windows.net/c?', '"}'],
        ),
        (
            "nested https%3A%2F%2Fst.blob.core.windows.net%2Fc%3F" + quote(SAS, safe=""),
            quote(SIG, safe=""),
            ["nested https%3A%2F%2Fst.blob.core.windows.net%2Fc%3F"],
        ),
        (
            f"DefaultEndpointsProtocol=https;AccountName=stcontoso;AccountKey={STORAGE_KEY};EndpointSuffix=core.windows.net",
            STORAGE_KEY,
            ["DefaultEndpointsProtocol=https;AccountName=stcontoso;AccountKey=", ";EndpointSuffix=core.windows.net"],
        ),
        (f"AccountKey={STORAGE_KEY[:40]}", STORAGE_KEY[:40], ["AccountKey="]),
        (f"keys: key1={STORAGE_KEY} (primary)", STORAGE_KEY, ["keys: key1=", " (primary)"]),
        (f"the app's secret is {CLIENT_SECRET}. Rotate it.", CLIENT_SECRET, ["the app's secret is ", ". Rotate it."]),
        (
            f"Server=tcp:sql1.database.windows.net;User ID=admin;Password={PASSWORD};Encrypt=True",
            PASSWORD,
            ["Server=tcp:sql1.database.windows.net;User ID=admin;Password=", ";Encrypt=True"],
        ),
        (f'login(user="admin", password="{PASSWORD}")', PASSWORD, ['login(user="admin", password="', '")']),
        (
            f"> GET /subscriptions\n> Authorization: Bearer {OPAQUE_TOKEN}\n> Accept: */*",
            OPAQUE_TOKEN,
            ["> GET /subscriptions\n> Authorization: Bearer ", "\n> Accept: */*"],
        ),
        (
            f"{{'Authorization': 'Bearer {OPAQUE_TOKEN}', 'x-ms-version': '2021-08-06'}}",
            OPAQUE_TOKEN,
            ["{'Authorization': 'Bearer ", "', 'x-ms-version': '2021-08-06'}"],
        ),
        (
            json.dumps({"user": "bob", "password": PASSWORD, "n": 1}),
            PASSWORD,
            ['{"user": "bob", "password": "', '", "n": 1}'],
        ),
    ],
)
def test_each_kind_inside_a_longer_text_is_redacted_and_the_text_around_it_kept(text, secret, kept):
    assert secret in text  # (the planting worked)
    clean = redact(text)
    assert secret not in clean and REDACTED in clean, clean
    position = 0
    for part in kept:
        found = clean.find(part, position)
        assert found >= 0, f"{part!r} lost from {clean!r}"
        position = found + len(part)
    assert redact(clean) == clean  # redacting twice changes nothing


def test_a_sas_loses_its_whole_query_string_and_a_connection_string_keeps_its_names():
    clean = redact(f"see https://stcontoso.blob.core.windows.net/c/b.vhd?{SAS} now")
    assert clean == f"see https://stcontoso.blob.core.windows.net/c/b.vhd?{REDACTED} now"
    clean = redact(f"BlobEndpoint=https://st.blob.core.windows.net/;SharedAccessSignature={SAS}")
    assert clean == f"BlobEndpoint=https://st.blob.core.windows.net/;SharedAccessSignature={REDACTED}"


ORDINARY = "\n".join(
    [
        ENDPOINT_ID,
        f"/subscriptions/{SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/"
        "privatelink.wus3.backup.windowsazure.com/A/rsv-new.id-wus3.privatelink.wus3.backup.windowsazure.com",
        "stcontoso.privatelink.blob.core.windows.net -> 10.20.1.4, 10.20.1.5; 168.63.129.16; fd00::4",
        f"subscription {SUB} tenant 72f988bf-86f1-41af-91ab-2d7cd011db47 object 00000000-0000-0000-0000-000000000000",
        "https://management.azure.com/subscriptions?api-version=2022-12-01&$top=10",
        "keyVaultUri: https://kv-contoso.vault.azure.net/ secretName: backup-password keySource: Microsoft.Storage",
        "Step 3: create the endpoint (password policy: none); the token cache is empty; SAS disabled.",
        "registration key generated: True; Bearer authentication needed",
        "sha256=" + hashlib.sha256(b"x").hexdigest() + " md5 " + base64.b64encode(hashlib.md5(b"x").digest()).decode(),
        "data:image/png;base64," + _b64("an image", 3000),
    ]
)


def test_ordinary_ids_fqdns_guids_ips_and_base64_payloads_are_not_redacted():
    assert redact(ORDINARY) == ORDINARY
    assert redact(ORDINARY, known=["backup", "rg-dns", ""]) == ORDINARY  # known values under 8 characters: ignored
    assert redact_value({"id": ENDPOINT_ID, "ips": ["10.20.1.4"], "ttl": 10, "ok": True, "none": None}) == {
        "id": ENDPOINT_ID,
        "ips": ["10.20.1.4"],
        "ttl": 10,
        "ok": True,
        "none": None,
    }


def test_known_values_are_replaced_wherever_they_occur_also_encoded():
    known = "not-a-pattern-at-all"
    text = f"a {known} b {quote(known, safe='')} c"
    assert redact(text, known=[known]) == f"a {REDACTED} b {REDACTED} c"
    odd = 'we"ird\\pass/word'
    assert redact(json.dumps({"v": odd}), known=[odd]) == json.dumps({"v": REDACTED})
    longer_first = redact("prefix-mysecretvalue-suffix", known=["mysecretvalue", "mysecretvalue-suffix"])
    assert longer_first == f"prefix-{REDACTED}"


def test_environment_secrets_by_name_and_by_value():
    environ = {
        "AZURE_CLIENT_SECRET": "client-secret-value-1",
        "AZURE_PASSWORD": "passw0rd-value",
        "AZURE_CLIENT_CERTIFICATE_PASSWORD": "cert-passw0rd",
        "BACKUP_DB_CONNECTION_STRING": "Server=sql1;Database=b;User ID=a",
        "MY_STORAGE_KEY": STORAGE_KEY,
        "GH_TOKEN": "ghp_notarealtoken000",
        "THE_LINK_I_GOT": f"https://st.blob.core.windows.net/c?{SAS}",  # a SAS under an odd name
        "HANDY": f"AccountName=st;AccountKey={STORAGE_KEY}",  # a connection string under an odd name
        "AZURE_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
        "AZURE_SUBSCRIPTION_ID": SUB,
        "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
        "KEY_VAULT_NAME": "kv-contoso-prod",
        "KEYBOARD_LAYOUT": "us-international",
        "SHORT_SECRET": "abc",  # under 8 characters: replacing it would destroy ordinary text
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/home/consultant",
        "PWD": "/work/main",
    }
    assert environment_secrets(environ) == sorted(
        [
            "client-secret-value-1",
            "passw0rd-value",
            "cert-passw0rd",
            "Server=sql1;Database=b;User ID=a",
            STORAGE_KEY,
            "ghp_notarealtoken000",
            f"https://st.blob.core.windows.net/c?{SAS}",
            f"AccountName=st;AccountKey={STORAGE_KEY}",
        ]
    )


def test_environment_secrets_reads_the_process_environment(monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "from-the-real-environment")
    monkeypatch.setenv("HOME", "/home/from-the-real-environment-too")
    found = environment_secrets()
    assert "from-the-real-environment" in found and "/home/from-the-real-environment-too" not in found
    assert redact_value(["x from-the-real-environment y"]) == [f"x {REDACTED} y"]


def test_redact_value_walks_dicts_lists_and_tuples():
    value = {
        "headers": {"Authorization": f"Bearer {OPAQUE_TOKEN}"},
        "rows": [("ok", f"AccountKey={STORAGE_KEY}", 3)],
        "adminPassword": "plain-words-here",
        "n": 2.5,
        "id": ENDPOINT_ID,
        "keyName": "key1",
    }
    clean = redact_value(value, known=["extra-known-secret"])
    assert clean == {
        "headers": {"Authorization": f"Bearer {REDACTED}"},
        "rows": [("ok", f"AccountKey={REDACTED}", 3)],
        "adminPassword": REDACTED,
        "n": 2.5,
        "id": ENDPOINT_ID,
        "keyName": "key1",
    }
    assert value["rows"][0][1] == f"AccountKey={STORAGE_KEY}"  # the original is left alone
    assert redact_value("extra-known-secret!", known=["extra-known-secret"]) == f"{REDACTED}!"


# --- notebooks -----------------------------------------------------------------------------------------------------

ENV_SECRET = "env-secret-planted-0042"
PNG = _b64("a png", 600)


def dirty_notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["papermill"] = {
        "parameters": {"vault": ENDPOINT_ID, "sas_url": f"https://st/c?{SAS}", "note": f"from {ENV_SECRET}"},
        "environment_variables": {},
        "input_path": "backup.ipynb",
    }
    nb.cells = [
        new_markdown_cell(f"Connect with `AccountKey={STORAGE_KEY}` to {ENDPOINT_ID}"),
        new_code_cell(
            f'vault = "{ENDPOINT_ID}"\ntoken = "{JWT}"\n',
            metadata={"tags": ["injected-parameters"], "debug": {"secret": CLIENT_SECRET}},
            outputs=[
                new_output("stream", name="stdout", text=[f"calling with {ENV_SECRET}\n", "10.20.1.4 ok\n"]),
                new_output(
                    "execute_result",
                    execution_count=1,
                    data={
                        "text/plain": f"'Authorization: Bearer {OPAQUE_TOKEN}'",
                        "text/html": f"<td>{CLIENT_SECRET}</td><td>{ENDPOINT_ID}</td>",
                        "application/json": {
                            "key1": STORAGE_KEY,
                            "ip": "10.20.1.4",
                            "nested": [f"Password={PASSWORD}"],
                        },
                        "image/png": PNG,
                    },
                ),
                new_output(
                    "display_data", data={"text/plain": "picture", "image/png": PNG}, metadata={"note": ENV_SECRET}
                ),
                new_output(
                    "error",
                    ename="HttpResponseError",
                    evalue=f"(AuthorizationFailed) token {JWT} rejected",
                    traceback=[
                        "\x1b[0;31m-------------------\x1b[0m",
                        f"\x1b[0;32mFile <cell>:3\x1b[0m\n----> 3 client.get('{ENV_SECRET}', sas='?{SAS}')",
                        f"\x1b[0;31mHttpResponseError\x1b[0m: (AuthorizationFailed) {JWT}",
                    ],
                ),
            ],
        ),
    ]
    return nb


PLANTED = [STORAGE_KEY, JWT, SIG, CLIENT_SECRET, OPAQUE_TOKEN, PASSWORD, ENV_SECRET]


def test_redact_notebook_cleans_sources_outputs_tracebacks_and_papermill_metadata(monkeypatch, tmp_path):
    monkeypatch.setenv("ODDLY_NAMED_SECRET", ENV_SECRET)
    nb = dirty_notebook()
    before = nbformat.writes(nb)
    assert all(secret in before for secret in PLANTED)
    clean = redact_notebook(nb)
    assert nbformat.writes(nb) == before  # a copy: the original is untouched
    nbformat.validate(clean)
    (tmp_path / "run.ipynb").write_text(nbformat.writes(clean), encoding="utf-8")
    assert find_secrets(tmp_path, PLANTED) == []
    text = (tmp_path / "run.ipynb").read_text(encoding="utf-8")
    assert text.count(ENDPOINT_ID) == 4 and "10.20.1.4 ok" in text and "HttpResponseError" in text
    code = clean.cells[1]
    assert code.source == f'vault = "{ENDPOINT_ID}"\ntoken = "{REDACTED}"\n'
    assert code.outputs[0].text == [f"calling with {REDACTED}\n", "10.20.1.4 ok\n"]  # lines stay lines
    assert code.outputs[1].data["application/json"] == {
        "key1": REDACTED,
        "ip": "10.20.1.4",
        "nested": [f"Password={REDACTED}"],
    }
    assert code.outputs[1].data["image/png"] == PNG and code.outputs[2].data["image/png"] == PNG
    assert code.outputs[3].traceback[1].startswith("\x1b[0;32mFile <cell>:3\x1b[0m\n----> 3 client.get(")
    assert clean.metadata.papermill.parameters == {
        "vault": ENDPOINT_ID,
        "sas_url": f"https://st/c?{REDACTED}",
        "note": f"from {REDACTED}",
    }
    assert code.metadata.tags == ["injected-parameters"] and code.metadata.debug.secret == REDACTED


def test_redact_notebook_takes_known_values_too_and_leaves_base64_payloads_alone():
    nb = new_notebook(
        cells=[
            new_code_cell(
                "print('a-value-only-the-caller-knows')",
                outputs=[new_output("display_data", data={"image/png": PNG, "text/plain": PNG[100:120]})],
            )
        ]
    )
    clean = redact_notebook(nb, known=["a-value-only-the-caller-knows", PNG[100:120]])
    assert clean.cells[0].source == f"print('{REDACTED}')"
    assert clean.cells[0].outputs[0].data == {"image/png": PNG, "text/plain": REDACTED}


# --- the journal ---------------------------------------------------------------------------------------------------


def test_the_journal_keeps_and_writes_no_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", ENV_SECRET)
    journal = Journal(tmp_path / "runs" / "journal.jsonl")
    journal.step = "storage"
    plain = Change(ENDPOINT_ID, "create", None, {"ips": ["10.20.1.4"]})
    journal.record(plain)
    journal.record(
        Change(
            f"{ENDPOINT_ID}/x",
            "update",
            before={"connectionString": f"AccountName=st;AccountKey={STORAGE_KEY}", "ttl": 10},
            after={
                "sasUrl": f"https://st.blob.core.windows.net/c?{SAS}",
                "by": JWT,
                "settings": [{"clientSecret": "plain-words-secret"}, ENV_SECRET],
            },
        )
    )
    journal.record(CheckResult("login", ENDPOINT_ID, "fail", f"Authorization: Bearer {OPAQUE_TOKEN} was refused"))
    written = (tmp_path / "runs" / "journal.jsonl").read_text(encoding="utf-8")
    for secret in [*PLANTED, "plain-words-secret"]:
        assert secret not in written and secret not in repr(journal.entries), secret
    assert find_secrets(tmp_path, [*PLANTED, "plain-words-secret"]) == []
    entries = Journal.read(journal.path)
    assert entries == journal.entries and all(e.step == "storage" for e in entries)
    assert entries[1].before == {"connectionString": REDACTED, "ttl": 10}
    assert entries[1].after["sasUrl"] == f"https://st.blob.core.windows.net/c?{REDACTED}"
    assert entries[1].after["settings"] == [{"clientSecret": REDACTED}, REDACTED]
    assert entries[2].detail == f"Authorization: Bearer {REDACTED} was refused"
    assert entries[0].after == {"ips": ["10.20.1.4"]} and entries[0].resource_id == ENDPOINT_ID  # nothing else lost


# --- the final check -----------------------------------------------------------------------------------------------


def test_find_secrets_finds_a_planted_one_and_its_escaped_forms(tmp_path):
    secret = 'p@ss"w\\rd/ü-42'  # JSON escapes '"', '\\' and (ASCII-only) 'ü'; a URL encodes all but '-'
    other = "another-secret-value"
    (tmp_path / "clean.txt").write_text("nothing here; " + REDACTED, encoding="utf-8")
    (tmp_path / "raw.log").write_bytes(b"x " + secret.encode() + b" y")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "manifest.json").write_text(json.dumps({"parameters": {"p": secret}}), encoding="utf-8")
    (tmp_path / "sub" / "url.html").write_text(f"<a href='https://x/?p={quote(secret, safe='')}'>", encoding="utf-8")
    (tmp_path / "sub" / "other.ipynb").write_text(json.dumps({"text": f"now {other}"}), encoding="utf-8")
    assert secret.encode() not in (tmp_path / "sub" / "manifest.json").read_bytes()  # (only its escaped form)
    assert find_secrets(tmp_path, [secret, other, "", "absent-secret"]) == [
        ("raw.log", secret),
        ("sub/manifest.json", secret),
        ("sub/other.ipynb", other),
        ("sub/url.html", secret),
    ]
    assert find_secrets(tmp_path / "sub", ["absent-secret"]) == []
