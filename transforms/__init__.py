"""Normalization: raw tables into classified tables and facts."""

# The version of what extraction and normalization make of a file, recorded per document in
# dim_document.pipeline_version. An ingest skips a file whose content this version has loaded, so
# bump it with any change to extractors/ or transforms/ that changes a document's rows, or to the
# consistency rules that changes its findings.
PIPELINE_VERSION = 41
