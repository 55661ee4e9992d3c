"""docs/contract.md is generated from the contract's code and config and stays current."""

from tianyan.ingest import contract_doc


def test_committed_contract_doc_is_current():
    assert contract_doc.OUTPUT.read_text(encoding="utf-8") == contract_doc.render(), (
        "docs/contract.md is out of date: run `python -m tianyan.ingest.contract_doc`"
    )


def test_contract_doc_names_every_typed_form_and_rule():
    text = contract_doc.render()
    for needle in ("2024-07-12T19:00:58+08:00", "timestamptz", "future_date", "birth_date", "code_shape",
                   "UTF-8 byte order mark", "parquet", "xlsx"):
        assert needle in text
