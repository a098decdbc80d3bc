-- The store's tables. Reference tables are rebuilt by bootstrap; datasets and
-- community rows only grow (superseded versions stay for history and rollback).
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS localities (
    locality_id VARCHAR PRIMARY KEY,
    name_zh VARCHAR NOT NULL,
    name_en VARCHAR,
    level VARCHAR NOT NULL CHECK (level IN ('country', 'province', 'city', 'district', 'street', 'community')),
    parent_id VARCHAR,
    adcode VARCHAR,
    kind VARCHAR                        -- the fine kind (store/levels.py): county, county_level_city, banner ...
);
-- Databases made before the kind column: add it (bootstrap refills the table from data/localities.csv).
ALTER TABLE localities ADD COLUMN IF NOT EXISTS kind VARCHAR;

CREATE TABLE IF NOT EXISTS sources (
    source_id VARCHAR PRIMARY KEY,
    file VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    author VARCHAR,
    localities VARCHAR
);

CREATE TABLE IF NOT EXISTS facts (
    fact_id VARCHAR PRIMARY KEY,
    source_id VARCHAR NOT NULL,
    locality VARCHAR NOT NULL,
    locality_level VARCHAR NOT NULL,
    parent VARCHAR,
    indicator VARCHAR,
    subject VARCHAR,
    value DOUBLE NOT NULL,
    unit VARCHAR,
    qualifier VARCHAR NOT NULL CHECK (qualifier IN ('exact', 'more_than', 'at_least', 'about', 'up_to')),
    period VARCHAR,
    evidence VARCHAR NOT NULL,
    -- the interval the wording implies (figures/wording.py), base units, NULL = unbounded
    low DOUBLE,
    high DOUBLE,
    per VARCHAR CHECK (per IS NULL OR per IN ('year', 'quarter', 'month', 'community', 'street', 'compound', 'grid', 'person')),
    period_kind VARCHAR CHECK (period_kind IS NULL OR period_kind IN ('point', 'annual', 'cumulative', 'unknown')),
    bounds VARCHAR CHECK (bounds IS NULL OR bounds IN ('[]', '[)', '(]', '()')),
    since VARCHAR,
    counts VARCHAR,
    theme VARCHAR,
    subject_zh VARCHAR
);

CREATE TABLE IF NOT EXISTS indicators (
    indicator_id VARCHAR PRIMARY KEY,
    category VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('count', 'sum', 'rate', 'ratio', 'published')),
    -- how the indicator aggregates above the community (queries/catalog.py AGGREGATION_DOCS)
    aggregation VARCHAR NOT NULL CHECK (aggregation IN ('count', 'count_distinct', 'sum', 'pooled_ratio', 'mean_of_communities', 'none')),
    name_zh VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    unit_zh VARCHAR,
    unit_en VARCHAR,
    numerator VARCHAR,
    denominator VARCHAR,
    scale DOUBLE,
    format VARCHAR NOT NULL,
    higher_is_better BOOLEAN,
    definition_zh VARCHAR NOT NULL,
    definition_en VARCHAR NOT NULL,
    formula VARCHAR NOT NULL,
    counts VARCHAR,                     -- unit kind it counts (persons, person_times, party_orgs, yuan ...)
    per VARCHAR,                        -- denominator (community, 10k_residents ...), NULL for none
    period_kind VARCHAR                 -- point, annual, cumulative; NULL for a published-only indicator of any period
);

-- Original files, content-addressed, so an import can always be traced and replayed.
CREATE TABLE IF NOT EXISTS files (
    sha256 VARCHAR PRIMARY KEY,
    size BIGINT NOT NULL,
    content BLOB NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS dataset_ids START 1;
CREATE TABLE IF NOT EXISTS datasets (
    dataset_id INTEGER PRIMARY KEY,
    scope_id VARCHAR NOT NULL,          -- the lowest locality holding every row (city or district)
    period VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    sheet VARCHAR,
    rows INTEGER NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    imported_by VARCHAR NOT NULL,
    synthetic BOOLEAN NOT NULL DEFAULT false,
    status VARCHAR NOT NULL CHECK (status IN ('active', 'superseded', 'rolled_back')),
    supersedes INTEGER,                 -- set by imports before dataset_coverage existed; not read any more
    note VARCHAR,                       -- for people only; nothing parses it
    complete_for VARCHAR                -- the city or district this file is the complete roster of (null: its communities only)
);
ALTER TABLE datasets ADD COLUMN IF NOT EXISTS complete_for VARCHAR;

CREATE TABLE IF NOT EXISTS community_rows (
    dataset_id INTEGER NOT NULL,
    source_row INTEGER NOT NULL,        -- row number in the original file, for tracing
    city_id VARCHAR,
    district_id VARCHAR,
    {canonical_columns},
    PRIMARY KEY (dataset_id, district_id, community, period)
);

CREATE SEQUENCE IF NOT EXISTS import_log_ids START 1;
CREATE TABLE IF NOT EXISTS import_log (
    log_id INTEGER PRIMARY KEY,
    logged_at TIMESTAMP NOT NULL,
    action VARCHAR NOT NULL,            -- import, refuse, duplicate, rollback, bootstrap
    file_name VARCHAR,
    sha256 VARCHAR,
    dataset_id INTEGER,
    rows INTEGER,
    problems INTEGER,
    who VARCHAR NOT NULL,
    message VARCHAR
);

-- What an import covers besides its own communities (its rows always cover those): the districts it
-- is the complete roster of, for its period. A row shows unless a newer import that is not rolled back
-- covers it: holds the same district and community, or covers its district whole (store/supersede.py).
CREATE TABLE IF NOT EXISTS dataset_coverage (
    dataset_id INTEGER NOT NULL,
    period VARCHAR NOT NULL,
    district_id VARCHAR NOT NULL,
    PRIMARY KEY (dataset_id, district_id)
);
-- Once, on a database from before dataset_coverage: an import that superseded others under the old
-- rule (everything inside its scope) covers every district inside its scope, so what it replaced stays
-- replaced, and rolling it back brings that back as before.
INSERT INTO dataset_coverage (dataset_id, period, district_id)
SELECT DISTINCT d.dataset_id, d.period, l.locality_id
FROM datasets d
JOIN localities l ON l.level = 'district'
LEFT JOIN localities p ON p.locality_id = l.parent_id
WHERE d.supersedes IS NOT NULL
  AND (l.locality_id = d.scope_id OR l.parent_id = d.scope_id OR p.parent_id = d.scope_id)
  AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'coverage_rule');
INSERT INTO meta SELECT 'coverage_rule', 'rows and complete districts'
WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'coverage_rule');

-- Reports added after the bundled five (python -m store accept, the 报告录入 page). Bootstrap rebuilds
-- only the bundled reference tables (sources, facts from data/sources/), so added reports survive it.
-- Each publication is a version; a report published again supersedes its previous version, and a
-- withdrawn report keeps its rows for the record. Readers see active versions beside the bundled facts
-- (store/read.py: facts, sources).
CREATE SEQUENCE IF NOT EXISTS report_version_ids START 1;
CREATE TABLE IF NOT EXISTS report_versions (
    version_id INTEGER PRIMARY KEY,
    source_id VARCHAR NOT NULL,         -- R0001 ...: one id for every version of one report
    title VARCHAR NOT NULL,
    author VARCHAR,                     -- author or issuer
    issued VARCHAR,                     -- the report's own date as given (2024, 2024-05, 2024-05-17)
    localities VARCHAR,                 -- the places its facts name, ';'-separated (as sources.csv)
    file_name VARCHAR,
    sha256 VARCHAR,                     -- the original file in `files`; NULL when none was kept
    facts INTEGER NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('active', 'superseded', 'withdrawn')),
    supersedes INTEGER,                 -- the version this one replaced
    changed_at TIMESTAMP,               -- when it was superseded or withdrawn
    changed_by VARCHAR
);

CREATE TABLE IF NOT EXISTS report_facts (
    version_id INTEGER NOT NULL,
    fact_id VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    locality VARCHAR NOT NULL,
    locality_level VARCHAR NOT NULL,
    parent VARCHAR,
    indicator VARCHAR,
    subject VARCHAR,
    value DOUBLE NOT NULL,
    unit VARCHAR,
    qualifier VARCHAR NOT NULL CHECK (qualifier IN ('exact', 'more_than', 'at_least', 'about', 'up_to')),
    period VARCHAR,
    evidence VARCHAR NOT NULL,
    low DOUBLE,
    high DOUBLE,
    per VARCHAR CHECK (per IS NULL OR per IN ('year', 'quarter', 'month', 'community', 'street', 'compound', 'grid', 'person')),
    period_kind VARCHAR CHECK (period_kind IS NULL OR period_kind IN ('point', 'annual', 'cumulative', 'unknown')),
    bounds VARCHAR CHECK (bounds IS NULL OR bounds IN ('[]', '[)', '(]', '()')),
    since VARCHAR,
    counts VARCHAR,
    theme VARCHAR,
    subject_zh VARCHAR,
    -- what only an extracted figure has: the place's adcode, where the evidence stands, how sure the extractor was
    adcode VARCHAR,
    text_offset INTEGER,
    confidence DOUBLE,
    context VARCHAR,
    PRIMARY KEY (version_id, fact_id)
);
