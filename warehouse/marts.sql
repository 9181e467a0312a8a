-- Marts: analyst-facing tables over the facts.

-- Spending by 支出功能分类 at every level (类, 款, 项) per region, department and year. Each
-- document contributes the one table that prints its function breakdown most completely
-- (部门支出总表 before 一般公共预算支出表 before 财政拨款收支总表); levels it does not print
-- are rolled up from the level below and flagged is_derived.
--
-- function_mart_rows(doc) derives one document's rows (NULL: every document's). Each load stores
-- its document's rows in mart_function_by_document inside its transaction (derived.sql), so a
-- query reads stored rows instead of rolling up millions of facts again; the table is filled from
-- the facts already loaded when it is first created.
CREATE OR REPLACE MACRO function_mart_rows(doc) AS TABLE
WITH candidates AS (
    SELECT document_id, table_index, table_type,
        CASE table_type
            WHEN 'expenditure_summary' THEN 1
            WHEN 'general_budget_expenditure' THEN 2
            WHEN 'fiscal_appropriation_summary' THEN 3
            WHEN 'income_expenditure_summary' THEN 4
            ELSE 9
        END AS preference,
        max(length(subject_code)) AS deepest
    FROM fct_budget_amount
    WHERE subject_scheme = 'function' AND row_kind = 'subject' AND (doc IS NULL OR document_id = doc)
    GROUP BY ALL
), chosen AS (
    SELECT document_id, table_index, table_type
    FROM candidates
    QUALIFY row_number() OVER (PARTITION BY document_id ORDER BY deepest DESC, preference, table_index) = 1
), printed AS (
    SELECT f.document_id, f.adcode, f.fiscal_year, f.department_name, c.table_type, f.subject_code, f.measure,
        sum(f.amount_wan) AS amount_wan
    FROM fct_budget_amount f
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
    a.document_id
FROM all_levels a
LEFT JOIN dim_region r USING (adcode)
LEFT JOIN dim_subject s ON s.subject_scheme = 'function' AND s.subject_code = a.subject_code;

CREATE TABLE IF NOT EXISTS mart_function_by_document AS SELECT * FROM function_mart_rows(NULL);

-- Only current disclosures count: a re-published budget replaces the earlier one for its region,
-- department and year.
CREATE OR REPLACE VIEW mart_function_by_region_year AS
SELECT * FROM mart_function_by_document
WHERE document_id IN (SELECT document_id FROM dim_document WHERE is_current);
