-- The warehouse's tables. Names and meanings of fct_/dim_/mart_ objects are the public contract
-- (see README); stg_ tables are the pipeline's own record of what it read.

-- Every GB/T 2260 code in use since 1981, as in its latest period; valid_to NULL = still in use.
-- A code is in use from valid_from to valid_to, that year excluded (as of 31 December).
CREATE TABLE IF NOT EXISTS dim_region (
    adcode VARCHAR(6) PRIMARY KEY,
    name VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    province VARCHAR,
    city VARCHAR,
    county VARCHAR,
    valid_from INTEGER,
    valid_to INTEGER,
    successor_adcodes VARCHAR
);

-- Every name and period of every code: a code renamed, or given up and later reused, has a row
-- for each (dim_region keeps its latest).
CREATE TABLE IF NOT EXISTS dim_region_history (
    adcode VARCHAR(6) NOT NULL,
    name VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    province VARCHAR,
    city VARCHAR,
    county VARCHAR,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    successor_adcodes VARCHAR,
    area_transfers VARCHAR,
    change VARCHAR,
    PRIMARY KEY (adcode, valid_from)
);

-- The code each code's area is under today (see the region_lineage view in marts.sql).
CREATE TABLE IF NOT EXISTS ref_region_lineage (
    adcode VARCHAR(6) PRIMARY KEY,
    current_adcode VARCHAR(6) NOT NULL,
    is_approximate BOOLEAN NOT NULL,
    lineage VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_subject_class (
    subject_scheme VARCHAR NOT NULL,
    subject_code VARCHAR NOT NULL,
    subject_name VARCHAR NOT NULL,
    PRIMARY KEY (subject_scheme, subject_code)
);

-- The catalogue of subject names per fiscal year and the crosswalk between years (transforms/subjects.py,
-- from transforms/reference): replaced on every run like ref_subject_class. A name is in force from
-- first_year to last_year (NULL: open-ended).
CREATE TABLE IF NOT EXISTS ref_subject_name (
    subject_scheme VARCHAR NOT NULL,
    subject_code VARCHAR NOT NULL,
    subject_name VARCHAR NOT NULL,
    first_year INTEGER,
    last_year INTEGER
);

-- Each change: from_code (named from_name until from_year_last) continued by to_code (to_name from
-- to_year_first). A followed entry (rename, move, merge) links the from_code's amounts of the years
-- applies_from..from_year_last to linked_code, where the chain of changes ends.
CREATE TABLE IF NOT EXISTS ref_subject_crosswalk (
    subject_scheme VARCHAR NOT NULL,
    from_code VARCHAR,
    from_name VARCHAR,
    from_year_last INTEGER,
    to_code VARCHAR NOT NULL,
    to_name VARCHAR NOT NULL,
    to_year_first INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    note VARCHAR,
    applies_from INTEGER,
    linked_code VARCHAR NOT NULL,
    followed BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_document (
    document_id VARCHAR PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    source_path VARCHAR,
    source_format VARCHAR,
    pages INTEGER,
    adcode VARCHAR(6),
    region_name VARCHAR,
    department_code VARCHAR,
    department_name VARCHAR,
    fiscal_year INTEGER,
    identity_source VARCHAR,
    published_at TIMESTAMP,
    is_current BOOLEAN,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    tables_found INTEGER,
    tables_unknown INTEGER,
    facts_loaded INTEGER,
    ingested_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS stg_table (
    document_id VARCHAR NOT NULL,
    table_index INTEGER NOT NULL,
    table_type VARCHAR,
    title VARCHAR,
    page INTEGER,
    source_position VARCHAR,
    unit VARCHAR,
    unit_source VARCHAR,
    segments INTEGER,
    printed_rows INTEGER,
    facts INTEGER,
    PRIMARY KEY (document_id, table_index)
);

CREATE TABLE IF NOT EXISTS stg_issue (
    document_id VARCHAR NOT NULL,
    table_index INTEGER,
    table_title VARCHAR,
    page INTEGER,
    source_position VARCHAR,
    kind VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    -- The side of a two-sided row (income, expenditure) the issue is about; NULL: the whole row.
    side VARCHAR
);

CREATE TABLE IF NOT EXISTS fct_budget_amount (
    document_id VARCHAR NOT NULL,
    adcode VARCHAR(6),
    fiscal_year INTEGER,
    department_code VARCHAR,
    department_name VARCHAR,
    table_type VARCHAR NOT NULL,
    table_index INTEGER NOT NULL,
    table_title VARCHAR,
    subject_scheme VARCHAR NOT NULL,
    subject_code VARCHAR,
    subject_name VARCHAR,
    row_label VARCHAR,
    row_kind VARCHAR NOT NULL,
    side VARCHAR,
    measure VARCHAR NOT NULL,
    period VARCHAR,
    fund VARCHAR,
    column_label VARCHAR,
    amount_wan DECIMAL(18, 2) NOT NULL,
    amount_printed VARCHAR NOT NULL,
    source_unit VARCHAR NOT NULL,
    page INTEGER,
    source_position VARCHAR NOT NULL,
    column_index INTEGER NOT NULL,
    PRIMARY KEY (document_id, table_index, source_position, column_index)
);

-- One row per indicator of a 绩效目标表: targets are not amounts, so they are kept apart from
-- fct_budget_amount; amount_wan is the money the targets are set for (the project's, or the
-- department's whole budget for a 部门整体 table), repeated on each of its indicators.
CREATE TABLE IF NOT EXISTS fct_performance_target (
    document_id VARCHAR NOT NULL,
    adcode VARCHAR(6),
    fiscal_year INTEGER,
    department_code VARCHAR,
    department_name VARCHAR,
    table_index INTEGER NOT NULL,
    table_title VARCHAR,
    target_scope VARCHAR NOT NULL,
    unit_name VARCHAR,
    project_name VARCHAR,
    amount_wan DECIMAL(18, 2),
    amount_printed VARCHAR,
    source_unit VARCHAR,
    annual_goal VARCHAR,
    indicator_level1 VARCHAR,
    indicator_level2 VARCHAR,
    indicator_name VARCHAR,
    comparator VARCHAR,
    target_value VARCHAR,
    target_number DOUBLE,
    target_unit VARCHAR,
    weight DOUBLE,
    direction VARCHAR,
    page INTEGER,
    source_position VARCHAR NOT NULL,
    source_format VARCHAR
);

CREATE TABLE IF NOT EXISTS dim_department (
    department_key VARCHAR PRIMARY KEY,
    adcode VARCHAR(6),
    department_code VARCHAR,
    department_name VARCHAR NOT NULL
);

CREATE OR REPLACE MACRO subject_level(code) AS
    CASE length(code) WHEN 3 THEN '类' WHEN 5 THEN '款' WHEN 7 THEN '项' ELSE '目' END;
CREATE OR REPLACE MACRO subject_parent(code) AS
    CASE WHEN length(code) > 3 THEN left(code, length(code) - 2) END;

CREATE TABLE IF NOT EXISTS dim_subject (
    subject_scheme VARCHAR NOT NULL,
    subject_code VARCHAR NOT NULL,
    subject_name VARCHAR,
    level VARCHAR NOT NULL,
    parent_code VARCHAR,
    PRIMARY KEY (subject_scheme, subject_code)
);

CREATE TABLE IF NOT EXISTS stg_expectation_result (
    document_id VARCHAR NOT NULL,
    expectation VARCHAR NOT NULL,
    column_name VARCHAR,
    row_condition VARCHAR,
    success BOOLEAN NOT NULL,
    unexpected_count BIGINT,
    unexpected_examples VARCHAR
);

CREATE TABLE IF NOT EXISTS fct_quality_finding (
    document_id VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    table_type VARCHAR,
    table_index INTEGER,
    subject_code VARCHAR,
    subject_name VARCHAR,
    measure VARCHAR,
    expected DECIMAL(22, 6),
    actual DECIMAL(22, 6),
    difference DECIMAL(22, 6),
    terms INTEGER,
    rounded_terms INTEGER,
    page INTEGER,
    source_position VARCHAR,
    message VARCHAR NOT NULL
);

-- The narrative of a disclosure published apart from its tables (narrative_only), with where each
-- stretch of it was printed: kept so that its figures are checked against its tables whenever they
-- are loaded, in this run or a later one.
CREATE TABLE IF NOT EXISTS stg_narrative (
    document_id VARCHAR PRIMARY KEY,
    narrative VARCHAR NOT NULL,
    places STRUCT("offset" INTEGER, page INTEGER, "position" VARCHAR, read_by_ocr BOOLEAN)[] NOT NULL
);

-- Columns added after a warehouse may have been created: kept in step with the tables above.
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS published_at TIMESTAMP;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS is_current BOOLEAN;
ALTER TABLE stg_table ADD COLUMN IF NOT EXISTS amount_cells INTEGER;
ALTER TABLE fct_quality_finding ADD COLUMN IF NOT EXISTS rounded_terms INTEGER;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS budget_scope VARCHAR;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS document_kind VARCHAR;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS amount_cells INTEGER;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS amount_cells_loaded INTEGER;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS published_at_source VARCHAR;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS identity_source VARCHAR;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS pipeline_version INTEGER;
ALTER TABLE stg_issue ADD COLUMN IF NOT EXISTS side VARCHAR;
ALTER TABLE dim_region ADD COLUMN IF NOT EXISTS valid_from INTEGER;
ALTER TABLE dim_region ADD COLUMN IF NOT EXISTS valid_to INTEGER;
ALTER TABLE dim_region ADD COLUMN IF NOT EXISTS successor_adcodes VARCHAR;
ALTER TABLE fct_budget_amount ADD COLUMN IF NOT EXISTS source_format VARCHAR;
ALTER TABLE fct_budget_amount ADD COLUMN IF NOT EXISTS ocr_confidence DOUBLE;
ALTER TABLE fct_budget_amount ADD COLUMN IF NOT EXISTS ocr_box VARCHAR;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS ocr_pages INTEGER;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS unread_pages INTEGER;
ALTER TABLE fct_performance_target ADD COLUMN IF NOT EXISTS annual_goal VARCHAR;

-- Each narrative published apart with the current documents of its region, department, year and
-- kind that print its tables: what it is held against, and why it counts as loaded.
CREATE OR REPLACE VIEW stg_narrative_tables AS
SELECT n.document_id AS narrative_document_id, t.document_id AS tables_document_id, t.file_name AS tables_file_name
FROM dim_document n JOIN dim_document t
    ON t.adcode = n.adcode AND t.department_name = n.department_name AND t.fiscal_year = n.fiscal_year
    AND t.document_kind IS NOT DISTINCT FROM n.document_kind
WHERE n.status = 'narrative_only' AND t.status = 'loaded' AND t.is_current;
