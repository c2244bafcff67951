"""The tables a notebook shows: coloured by status, secrets redacted first."""

from __future__ import annotations


def test_a_secret_in_a_table_is_redacted_before_it_is_shown(monkeypatch):
    import pandas as pd

    from runbook_lib.ui.tables import styled

    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret-but-long")
    frame = pd.DataFrame([{"Status": "fail", "Detail": "GET https://st.blob.core.windows.net/c?sv=2024&sig="
                                                       "Zm9vYmFyYmF6cXV4cXV1eA%3D%3D failed",
                           "Fix": "login with not-a-real-secret-but-long"}])
    html = styled(frame).to_html()
    assert "Zm9vYmFyYmF6cXV4cXV1eA" not in html and "not-a-real-secret-but-long" not in html
    assert "[redacted]" in html and "st.blob.core.windows.net" in html
