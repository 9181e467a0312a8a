-- Dimensions derived from what has been loaded; rebuilt inside each load's transaction.

-- Of several loaded disclosures for one region, department and year, the latest published is current.
UPDATE dim_document SET is_current = ranked.latest
FROM (
    SELECT document_id,
        row_number() OVER (
            PARTITION BY adcode, department_name, fiscal_year
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

DELETE FROM dim_subject;
INSERT INTO dim_subject
WITH printed AS (
    SELECT subject_scheme, subject_code, mode(subject_name) AS subject_name
    FROM fct_budget_amount
    WHERE subject_code IS NOT NULL AND row_kind = 'subject'
    GROUP BY ALL
), named AS (
    SELECT p.subject_scheme, p.subject_code, coalesce(r.subject_name, p.subject_name) AS subject_name
    FROM printed p
    LEFT JOIN ref_subject_class r USING (subject_scheme, subject_code)
    UNION ALL
    SELECT subject_scheme, subject_code, subject_name
    FROM ref_subject_class r
    WHERE NOT EXISTS (
        SELECT 1 FROM printed p WHERE p.subject_scheme = r.subject_scheme AND p.subject_code = r.subject_code
    )
)
SELECT
    subject_scheme,
    subject_code,
    subject_name,
    CASE length(subject_code) WHEN 3 THEN '类' WHEN 5 THEN '款' WHEN 7 THEN '项' ELSE '目' END,
    CASE length(subject_code) WHEN 3 THEN NULL ELSE left(subject_code, length(subject_code) - 2) END
FROM named;
