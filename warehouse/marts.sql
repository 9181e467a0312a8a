-- Marts: analyst-facing tables over the facts.

-- Spending by 支出功能分类 at every level (类, 款, 项) per region, department and year. Each
-- document contributes the one table that prints its function breakdown most completely
-- (部门支出总表 before 一般公共预算支出表 before 财政拨款收支总表); levels it does not print
-- are rolled up from the level below and flagged is_derived.
--
-- function_mart_rows(doc) derives one document's rows (NULL: every document's) from the facts
-- table, or from `facts` named otherwise. Each load stores its documents' rows in
-- mart_function_by_document inside its transaction (derived.sql, from the facts it loads), so a
-- query reads stored rows instead of rolling up millions of facts again; the table is filled from
-- the facts already loaded when it is first created.
CREATE OR REPLACE MACRO function_table_preference(table_type) AS
    CASE table_type
        WHEN 'expenditure_summary' THEN 1
        WHEN 'general_budget_expenditure' THEN 2
        WHEN 'fiscal_appropriation_summary' THEN 3
        WHEN 'income_expenditure_summary' THEN 4
        ELSE 9
    END;

CREATE OR REPLACE MACRO function_mart_rows(doc, facts := 'fct_budget_amount') AS TABLE
WITH candidates AS (
    SELECT document_id, table_index, table_type, function_table_preference(table_type) AS preference,
        max(length(subject_code)) AS deepest
    FROM query_table(facts)
    WHERE subject_scheme = 'function' AND row_kind = 'subject' AND (doc IS NULL OR document_id = doc)
      -- a table of projects or of transfers prints part of a subject's spending, however deep its codes
      AND table_type NOT IN ('project_expenditure', 'general_budget_project_expenditure', 'transfer_payment')
    GROUP BY ALL
), chosen AS (
    SELECT document_id, table_index, table_type
    FROM candidates
    QUALIFY row_number() OVER (PARTITION BY document_id ORDER BY deepest DESC, preference, table_index) = 1
), printed AS (
    SELECT f.document_id, f.adcode, f.fiscal_year, f.department_name, c.table_type, f.subject_code, f.measure,
        sum(f.amount_wan) AS amount_wan
    FROM query_table(facts) f
    JOIN chosen c USING (document_id, table_index)
    WHERE f.subject_scheme = 'function' AND f.row_kind = 'subject' AND f.period IS NULL AND f.fund IS NULL
      AND (doc IS NULL OR f.document_id = doc)
    GROUP BY ALL
), xiang AS (
    SELECT *, false AS is_derived FROM printed WHERE length(subject_code) = 7
), kuan AS (
    SELECT *, false AS is_derived FROM printed WHERE length(subject_code) = 5
    UNION ALL BY NAME
    SELECT document_id, adcode, fiscal_year, department_name, table_type, left(subject_code, 5) AS subject_code,
        measure, sum(amount_wan) AS amount_wan, true AS is_derived
    FROM xiang x
    WHERE NOT EXISTS (
        SELECT 1 FROM printed p
        WHERE p.document_id = x.document_id AND p.measure = x.measure AND p.subject_code = left(x.subject_code, 5)
    )
    GROUP BY ALL
), lei AS (
    SELECT *, false AS is_derived FROM printed WHERE length(subject_code) = 3
    UNION ALL BY NAME
    SELECT document_id, adcode, fiscal_year, department_name, table_type, left(subject_code, 3) AS subject_code,
        measure, sum(amount_wan) AS amount_wan, true AS is_derived
    FROM kuan k
    WHERE NOT EXISTS (
        SELECT 1 FROM printed p
        WHERE p.document_id = k.document_id AND p.measure = k.measure AND p.subject_code = left(k.subject_code, 3)
    )
    GROUP BY ALL
), all_levels AS (
    SELECT *, '项' AS level FROM xiang
    UNION ALL BY NAME SELECT *, '款' AS level FROM kuan
    UNION ALL BY NAME SELECT *, '类' AS level FROM lei
)
SELECT
    a.adcode,
    r.name AS region_name,
    r.province,
    a.fiscal_year,
    a.department_name,
    a.level,
    a.subject_code,
    s.subject_name,
    s.parent_code,
    a.measure,
    CAST(a.amount_wan AS DECIMAL(18, 2)) AS amount_wan,
    a.is_derived,
    a.table_type AS source_table_type,
    a.document_id,
    d.document_kind
FROM all_levels a
LEFT JOIN dim_region r USING (adcode)
LEFT JOIN dim_subject s ON s.subject_scheme = 'function' AND s.subject_code = a.subject_code
LEFT JOIN dim_document d USING (document_id);

CREATE TABLE IF NOT EXISTS mart_function_by_document AS SELECT * FROM function_mart_rows(NULL);
-- Warehouses made before final accounts loaded hold budgets only.
ALTER TABLE mart_function_by_document ADD COLUMN IF NOT EXISTS document_kind VARCHAR;
UPDATE mart_function_by_document SET document_kind = 'budget' WHERE document_kind IS NULL;

-- The documents the function marts read: of the current documents of one region, department, scope,
-- kind and year (parts of a disclosure published as several files), the one whose table prints the
-- function breakdown most completely, as each document's own table is chosen, so no subject counts twice.
CREATE OR REPLACE MACRO current_function_documents() AS TABLE
WITH current_documents AS (
    SELECT document_id, adcode, department_name, budget_scope, document_kind, fiscal_year, published_at, ingested_at,
        count(*) OVER (PARTITION BY adcode, department_name, budget_scope, document_kind, fiscal_year) AS parts
    FROM dim_document
    WHERE is_current
), chosen AS (
    SELECT c.document_id
    FROM current_documents c
    JOIN mart_function_by_document m USING (document_id)
    WHERE c.parts > 1
    GROUP BY c.document_id, c.adcode, c.department_name, c.budget_scope, c.document_kind, c.fiscal_year,
        c.published_at, c.ingested_at
    QUALIFY row_number() OVER (
        PARTITION BY c.adcode, c.department_name, c.budget_scope, c.document_kind, c.fiscal_year
        ORDER BY max(length(m.subject_code)) DESC, min(function_table_preference(m.source_table_type)),
            c.published_at DESC NULLS LAST, c.ingested_at DESC, c.document_id
    ) = 1
)
SELECT document_id FROM current_documents WHERE parts = 1
UNION ALL
SELECT document_id FROM chosen;

-- Budgeted spending: only current budget disclosures count (a re-published budget replaces the
-- earlier one for its region, department and year); final accounts are in mart_budget_execution.
CREATE OR REPLACE VIEW mart_function_by_region_year AS
SELECT * EXCLUDE (document_kind) FROM mart_function_by_document
WHERE document_kind = 'budget' AND document_id IN (SELECT document_id FROM current_function_documents());

-- How budgets were executed: per region, department, year, function subject and level, the budget
-- (年初预算数 as the final account prints it, else the same year's current budget disclosure), the
-- adjusted budget (调整预算数 / 全年预算数, where printed), the final amount (决算数, or the final
-- account's row total) and final / (adjusted, else initial) budget; each figure says its source.
CREATE OR REPLACE VIEW mart_budget_execution AS
WITH current_rows AS (
    SELECT m.*, d.budget_scope
    FROM mart_function_by_document m
    JOIN dim_document d USING (document_id)
    WHERE m.document_id IN (SELECT document_id FROM current_function_documents())
), printed_budgets AS (
    -- 年初预算数 / 调整预算数 from whichever function table of the final account prints them.
    SELECT f.document_id, f.subject_code,
        max(f.amount_wan) FILTER (WHERE f.measure = 'initial_budget') AS initial_budget,
        max(f.amount_wan) FILTER (WHERE f.measure = 'adjusted_budget') AS adjusted_budget
    FROM fct_budget_amount f
    JOIN dim_document d USING (document_id)
    WHERE d.is_current AND d.document_kind = 'final_account' AND f.subject_scheme = 'function'
      AND f.row_kind = 'subject' AND f.period IS NULL AND f.fund IS NULL
      AND f.measure IN ('initial_budget', 'adjusted_budget')
    GROUP BY ALL
), finals AS (
    SELECT c.adcode, c.department_name, c.fiscal_year, c.budget_scope, c.level, c.subject_code,
        max(c.amount_wan) FILTER (WHERE c.measure = 'final') AS final_printed,
        max(c.amount_wan) FILTER (WHERE c.measure = 'total') AS total_printed,
        coalesce(any_value(p.initial_budget), max(c.amount_wan) FILTER (WHERE c.measure = 'initial_budget'))
            AS initial_budget,
        coalesce(any_value(p.adjusted_budget), max(c.amount_wan) FILTER (WHERE c.measure = 'adjusted_budget'))
            AS adjusted_budget,
        bool_or(c.is_derived) AS is_derived,
        any_value(c.document_id) AS document_id
    FROM current_rows c
    LEFT JOIN printed_budgets p USING (document_id, subject_code)
    WHERE c.document_kind = 'final_account'
    GROUP BY ALL
), budgets AS (
    SELECT adcode, department_name, fiscal_year, budget_scope, level, subject_code,
        amount_wan, is_derived, document_id
    FROM current_rows
    WHERE document_kind = 'budget' AND measure = 'total'
), joined AS (
    SELECT
        coalesce(f.adcode, b.adcode) AS adcode,
        coalesce(f.department_name, b.department_name) AS department_name,
        coalesce(f.fiscal_year, b.fiscal_year) AS fiscal_year,
        coalesce(f.budget_scope, b.budget_scope) AS budget_scope,
        coalesce(f.level, b.level) AS level,
        coalesce(f.subject_code, b.subject_code) AS subject_code,
        coalesce(f.initial_budget, b.amount_wan) AS budget_wan,
        CASE
            WHEN f.initial_budget IS NOT NULL THEN 'final_account'
            WHEN b.amount_wan IS NOT NULL THEN 'budget'
        END AS budget_source,
        f.adjusted_budget AS adjusted_budget_wan,
        CASE WHEN f.adjusted_budget IS NOT NULL THEN 'final_account' END AS adjusted_budget_source,
        coalesce(f.final_printed, f.total_printed) AS final_wan,
        CASE WHEN coalesce(f.final_printed, f.total_printed) IS NOT NULL THEN 'final_account' END AS final_source,
        coalesce(f.is_derived, false) OR coalesce(b.is_derived, false) AS is_derived,
        f.document_id AS final_account_document_id,
        b.document_id AS budget_document_id
    FROM finals f
    FULL OUTER JOIN budgets b USING (adcode, department_name, fiscal_year, budget_scope, level, subject_code)
)
SELECT
    j.adcode,
    r.name AS region_name,
    j.department_name,
    j.fiscal_year,
    j.budget_scope,
    j.level,
    j.subject_code,
    s.subject_name,
    j.budget_wan,
    j.budget_source,
    j.adjusted_budget_wan,
    j.adjusted_budget_source,
    j.final_wan,
    j.final_source,
    CAST(j.final_wan / nullif(coalesce(j.adjusted_budget_wan, j.budget_wan), 0) AS DECIMAL(9, 4)) AS execution_rate,
    j.is_derived,
    j.final_account_document_id,
    j.budget_document_id
FROM joined j
LEFT JOIN dim_region r USING (adcode)
LEFT JOIN dim_subject s ON s.subject_scheme = 'function' AND s.subject_code = j.subject_code;

-- Regions over the years: the code each code's area is under today (current_adcode: itself while
-- in use; a retired code's successors followed to codes in use, the one carrying most of its name
-- where it was split), whether that is approximate (split among several, or merged into a region
-- that also covers other areas) and the path in words. Join fct_budget_amount (or a mart) on adcode
-- and group by current_adcode to read a region's years under one key: 平果县 (451023) until 2019 and
-- 平果市 (451082) since are both 451082. Computed from the reference by transforms/regions.py.
CREATE OR REPLACE VIEW region_lineage AS
SELECT adcode, current_adcode, is_approximate, lineage
FROM ref_region_lineage;

-- Subjects across fiscal years ---------------------------------------------------------------------

-- The names each document prints for each code, and on how many of its rows (from `facts`, as
-- function_mart_rows). Each load writes its documents' rows (derived.sql); a warehouse created
-- before the table existed has it filled from its facts on the next connect.
CREATE OR REPLACE MACRO subject_name_rows(doc, facts := 'fct_budget_amount') AS TABLE
SELECT document_id, subject_scheme, subject_code, subject_name,
    CAST(count(DISTINCT (table_index, source_position)) AS INTEGER) AS printed_rows
FROM query_table(facts)
WHERE row_kind = 'subject' AND subject_code IS NOT NULL AND subject_name IS NOT NULL
  AND (doc IS NULL OR document_id = doc)
GROUP BY document_id, subject_scheme, subject_code, subject_name;

CREATE TABLE IF NOT EXISTS stg_subject_name AS SELECT * FROM subject_name_rows(NULL);

-- Per scheme, code and fiscal year, each name the current documents print for it and in how many of
-- them, beside the catalogue's name in force that year (NULL where the catalogue does not name the
-- code, or the year of a change is not established). A view over the per-document names, so the
-- counts follow every re-ingested or superseded document.
CREATE OR REPLACE VIEW dim_subject_name AS
WITH printed AS (
    SELECT n.subject_scheme, n.subject_code, d.fiscal_year, n.subject_name,
        count(DISTINCT n.document_id) AS documents
    FROM stg_subject_name n
    JOIN dim_document d USING (document_id)
    WHERE d.is_current AND d.fiscal_year IS NOT NULL
    GROUP BY ALL
)
SELECT p.subject_scheme, p.subject_code, subject_level(p.subject_code) AS level, p.fiscal_year,
    p.subject_name, p.documents, c.subject_name AS catalogue_name
FROM printed p
LEFT JOIN ref_subject_name c
    ON c.subject_scheme = p.subject_scheme AND c.subject_code = p.subject_code
    AND p.fiscal_year BETWEEN coalesce(c.first_year, p.fiscal_year) AND coalesce(c.last_year, p.fiscal_year);

-- Budgeted spending by function subject across fiscal years: per current region, department, budget
-- scope, subject and measure, one row per fiscal year loaded. A printed code of a year before a change
-- in the crosswalk is linked to the code that continues it today (subject_code: the end of its chain
-- of renames, moves and merges; a split is not followed) and flagged link = 'crosswalk'; a code
-- printed as it is today is 'same_code'. printed_code and printed_name say what that year's
-- documents printed (';' between several codes merged into one). Amounts are the function mart's:
-- current budgets only, one table per document, levels not printed rolled up (is_derived).
CREATE OR REPLACE VIEW mart_subject_by_year AS
WITH budgets AS (
    SELECT m.*, d.budget_scope
    FROM mart_function_by_document m
    JOIN dim_document d USING (document_id)
    WHERE m.document_id IN (SELECT document_id FROM current_function_documents()) AND m.document_kind = 'budget'
), linked AS (
    SELECT b.*, coalesce(c.linked_code, b.subject_code) AS linked_code, c.linked_code IS NOT NULL AS via_crosswalk
    FROM budgets b
    LEFT JOIN ref_subject_crosswalk c
        ON c.subject_scheme = 'function' AND c.followed AND c.from_code = b.subject_code
        AND b.fiscal_year BETWEEN coalesce(c.applies_from, b.fiscal_year) AND c.from_year_last
), printed AS (
    SELECT document_id, subject_code, arg_max(subject_name, printed_rows) AS printed_name
    FROM stg_subject_name
    WHERE subject_scheme = 'function'
    GROUP BY ALL
), rows AS (
    SELECT coalesce(g.current_adcode, k.adcode) AS current_adcode, k.*, p.printed_name
    FROM linked k
    LEFT JOIN region_lineage g ON g.adcode = k.adcode
    LEFT JOIN printed p ON p.document_id = k.document_id AND p.subject_code = k.subject_code
)
SELECT
    k.current_adcode,
    any_value(r.name) AS region_name,
    k.department_name,
    k.budget_scope,
    'function' AS subject_scheme,
    k.linked_code AS subject_code,
    any_value(coalesce(n.subject_name, s.subject_name)) AS subject_name,
    subject_level(k.linked_code) AS level,
    k.measure,
    k.fiscal_year,
    CAST(sum(k.amount_wan) AS DECIMAL(18, 2)) AS amount_wan,
    string_agg(DISTINCT k.subject_code, ';' ORDER BY k.subject_code) AS printed_code,
    string_agg(DISTINCT k.printed_name, ';' ORDER BY k.printed_name) AS printed_name,
    CASE WHEN bool_or(k.via_crosswalk) THEN 'crosswalk' ELSE 'same_code' END AS link,
    bool_or(k.is_derived) AS is_derived,
    string_agg(DISTINCT k.document_id, ';' ORDER BY k.document_id) AS document_ids
FROM rows k
LEFT JOIN dim_region r ON r.adcode = k.current_adcode
LEFT JOIN ref_subject_name n ON n.subject_scheme = 'function' AND n.subject_code = k.linked_code AND n.last_year IS NULL
LEFT JOIN dim_subject s ON s.subject_scheme = 'function' AND s.subject_code = k.linked_code
GROUP BY k.current_adcode, k.department_name, k.budget_scope, k.linked_code, k.measure, k.fiscal_year;
