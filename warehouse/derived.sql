-- Dimensions and mart rows derived from what has been loaded; kept in step inside each load's transaction.
-- `loading_facts` holds the facts of the documents this load writes (warehouse/load.py).

-- Of several loaded disclosures for one region, department, scope, kind and year, one is replaced by
-- a later published one that prints one of its table types and as many types at least (the same
-- disclosure re-published, or published as a PDF and as a workbook). Documents printing different
-- tables are parts of one disclosure published as several files, and a file printing a few of
-- another's tables (a narrative with its "三公" table) replaces none: each stays current.
UPDATE dim_document SET is_current = document_id NOT IN (
    WITH loaded AS (
        SELECT document_id, adcode, department_name, budget_scope, document_kind, fiscal_year,
            row_number() OVER identity_by_recency AS recency,
            count(*) OVER (PARTITION BY adcode, department_name, budget_scope, document_kind, fiscal_year) AS members
        FROM dim_document
        WHERE status = 'loaded'
        WINDOW identity_by_recency AS (
            PARTITION BY adcode, department_name, budget_scope, document_kind, fiscal_year
            ORDER BY published_at DESC NULLS LAST, ingested_at DESC, document_id
        )
    ), shared AS (
        -- only documents with another of their identity can be replaced (most have none)
        SELECT document_id, recency,
            dense_rank() OVER (ORDER BY adcode, department_name, budget_scope, document_kind, fiscal_year) AS identity
        FROM loaded
        WHERE members > 1
    ), printed AS (
        SELECT DISTINCT document_id, table_type FROM stg_table
        WHERE table_type IS NOT NULL AND document_id IN (SELECT document_id FROM shared)
    ), kinds AS (
        SELECT s.document_id, s.identity, s.recency, count(p.table_type) AS types
        FROM shared s LEFT JOIN printed p USING (document_id)
        GROUP BY ALL
    )
    SELECT DISTINCT mine.document_id
    FROM kinds mine
    JOIN kinds later ON later.identity = mine.identity AND later.recency < mine.recency AND later.types >= mine.types
    JOIN printed ours ON ours.document_id = mine.document_id
    JOIN printed theirs ON theirs.document_id = later.document_id AND theirs.table_type = ours.table_type
)
WHERE status = 'loaded';
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
