-- Dimensions and mart rows derived from what has been loaded; kept in step inside each load's transaction.
-- `loading_facts` holds the facts of the documents this load writes (warehouse/load.py).

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

-- Subjects the loaded documents print that the dimension lacks, named as the national class list,
-- the catalogue's current name or the documents name them: a load costs the size of its documents,
-- not of the warehouse.
INSERT OR IGNORE INTO dim_subject
SELECT p.subject_scheme, p.subject_code, coalesce(r.subject_name, c.subject_name, p.subject_name),
    subject_level(p.subject_code), subject_parent(p.subject_code)
FROM (
    SELECT subject_scheme, subject_code, mode(subject_name) AS subject_name
    FROM loading_facts
    WHERE subject_code IS NOT NULL AND row_kind = 'subject'
    GROUP BY ALL
) AS p
LEFT JOIN ref_subject_class r USING (subject_scheme, subject_code)
LEFT JOIN ref_subject_name c
    ON c.subject_scheme = p.subject_scheme AND c.subject_code = p.subject_code AND c.last_year IS NULL;

-- Mart rows of documents loaded before, summed to a level they do not print and that no document
-- had named then, take the name now known: a mart row is named the same whatever the load order.
UPDATE mart_function_by_document AS m SET subject_name = s.subject_name, parent_code = s.parent_code
FROM dim_subject AS s
WHERE m.subject_name IS NULL AND s.subject_scheme = 'function' AND s.subject_code = m.subject_code
  AND s.subject_name IS NOT NULL;

-- The names the loaded documents print for each code (dim_subject_name counts them per fiscal year).
INSERT INTO stg_subject_name SELECT * FROM subject_name_rows(NULL, facts := 'loading_facts');

-- The loaded documents' rows of the function mart, named by dim_subject as it now stands.
INSERT INTO mart_function_by_document SELECT * FROM function_mart_rows(NULL, facts := 'loading_facts');
