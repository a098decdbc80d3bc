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
    evidence VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS indicators (
    indicator_id VARCHAR PRIMARY KEY,
    category VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('count', 'sum', 'rate', 'ratio')),
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
    formula VARCHAR NOT NULL
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
    supersedes INTEGER,
    note VARCHAR
);

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
