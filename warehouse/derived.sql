-- Dimensions and mart rows derived from what has been loaded; kept in step inside each load's transaction.

-- Of several loaded disclosures for one region, department, scope, kind and year (the same disclosure
-- re-published, or published as a PDF and as a workbook), the latest published is current.
UPDATE dim_document SET is_current = ranked.latest
FROM (
    SELECT document_id,
        row_number() OVER (
            PARTITION BY adcode, department_name, budget_scope, document_kind, fiscal_year
            ORDER BY published_at DESC NULLS LAST, ingested_at DESC, document_id
        ) = 1 AS latest
    FROM dim_document
    WHERE status = 'loaded'
) AS ranked
WHERE dim_document.document_id = ranked.document_id;
UPDATE dim_document SET is_current = false WHERE status <> 'loaded';

DELETE FROM dim_department;
INSERT INTO dim_department
SELECT coalesce(adcode, '?') || ':' || department_name, adcode, max(department_code), department_name
FROM dim_document
WHERE department_name IS NOT NULL AND status = 'loaded'
GROUP BY adcode, department_name;

-- Subjects this document prints that the dimension lacks, named as the national class list, the
-- catalogue's current name or this document names them: a load costs the size of its document, not
-- of the warehouse.
INSERT OR IGNORE INTO dim_subject
SELECT p.subject_scheme, p.subject_code, coalesce(r.subject_name, c.subject_name, p.subject_name),
    subject_level(p.subject_code), subject_parent(p.subject_code)
FROM (
    SELECT subject_scheme, subject_code, mode(subject_name) AS subject_name
    FROM fct_budget_amount
    WHERE document_id = getvariable('loading_document') AND subject_code IS NOT NULL AND row_kind = 'subject'
    GROUP BY ALL
) AS p
LEFT JOIN ref_subject_class r USING (subject_scheme, subject_code)
LEFT JOIN ref_subject_name c
    ON c.subject_scheme = p.subject_scheme AND c.subject_code = p.subject_code AND c.last_year IS NULL;

-- The names this document prints for each code (dim_subject_name counts them per fiscal year).
INSERT INTO stg_subject_name SELECT * FROM subject_name_rows(getvariable('loading_document'));

-- This document's rows of the function mart, named by dim_subject as it now stands.
INSERT INTO mart_function_by_document SELECT * FROM function_mart_rows(getvariable('loading_document'));
