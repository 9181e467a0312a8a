"""The disclosure factory: consistent 部门预算 disclosures printed as real layouts print them.

The tests, the benchmark and the demo (scripts/ingest-samples without ../shared) all build their
documents here, so none of them needs a published file to run.
"""
