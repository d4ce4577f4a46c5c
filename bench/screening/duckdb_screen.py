"""The `dixian screen` file contract written in DuckDB SQL, as the peer that
`bench/screening.sh` checks and times against `dixian screen`.

usage: duckdb_screen.py INPUT_DIR AS_OF LINE_YUAN OUT_DIR
"""
import os
import sys

import duckdb

COLUMNS = {
    "households": {"household_id": "BIGINT", "village_code": "VARCHAR", "category": "VARCHAR",
                   "members": "BIGINT", "annual_net_income_fen": "BIGINT", "is_excluded": "INTEGER"},
    "persons": {"person_id": "BIGINT", "id_number": "VARCHAR", "household_id": "BIGINT",
                "name": "VARCHAR", "gender": "VARCHAR", "birth_date": "DATE",
                "labor_capacity": "VARCHAR", "relation": "VARCHAR"},
    "medical_claims": {"person_id": "BIGINT", "claim_date": "DATE", "total_cost_fen": "BIGINT",
                       "self_pay_fen": "BIGINT"},
    "civil_affairs": {"person_id": "BIGINT", "kind": "VARCHAR", "start_date": "DATE",
                      "amount_fen": "BIGINT"},
    "disability": {"person_id": "BIGINT", "level": "INTEGER", "category": "VARCHAR",
                   "certified_date": "DATE"},
    "education": {"person_id": "BIGINT", "school_status": "VARCHAR", "updated_date": "DATE"},
    "housing": {"household_id": "BIGINT", "safety_grade": "VARCHAR", "assessed_date": "DATE"},
    "deaths": {"person_id": "BIGINT", "death_date": "DATE"},
}


def source(input_dir, name):
    cols = ", ".join(f"'{c}': '{t}'" for c, t in COLUMNS[name].items())
    path = os.path.join(input_dir, name + ".csv").replace("'", "''")
    return (f"read_csv('{path}', header = true, delim = ',', quote = '', escape = '', "
            f"columns = {{{cols}}})")


def main():
    input_dir, as_of, line_yuan, out = sys.argv[1:5]
    os.makedirs(out, exist_ok=True)
    line_fen = round(float(line_yuan) * 100)
    a = f"DATE '{as_of}'"
    con = duckdb.connect()
    src = {name: source(input_dir, name) for name in COLUMNS}
    con.execute(f"""
    CREATE TEMP VIEW hh AS SELECT * FROM {src['households']};
    CREATE TEMP VIEW dead AS
        SELECT DISTINCT person_id FROM {src['deaths']} WHERE death_date <= {a};
    CREATE TEMP TABLE member AS
        SELECT p.person_id, p.household_id, p.birth_date, p.labor_capacity,
               p.person_id IN (SELECT person_id FROM dead) AS deceased
        FROM {src['persons']} p SEMI JOIN hh USING (household_id);
    CREATE TEMP TABLE base AS
        WITH sp AS (
            SELECT m.household_id, sum(c.self_pay_fen) AS sp12
            FROM {src['medical_claims']} c JOIN member m USING (person_id)
            WHERE NOT m.deceased
              AND c.claim_date > CAST({a} - INTERVAL 12 MONTH AS DATE) AND c.claim_date <= {a}
            GROUP BY 1)
        SELECT hh.household_id, substr(hh.village_code, 1, 9) AS town_code, hh.category,
               hh.is_excluded = 0 AS ex, CAST(hh.annual_net_income_fen AS HUGEINT) AS inc,
               CAST(coalesce(sp.sp12, 0) AS HUGEINT) AS sp12,
               CAST({line_fen} AS HUGEINT) * hh.members AS tm
        FROM hh LEFT JOIN sp USING (household_id);
    CREATE TEMP TABLE warning AS
        SELECT DISTINCT household_id, reason FROM (
            SELECT household_id, 'income_below_line' AS reason FROM base
                WHERE ex AND category <> '监测户' AND inc < tm
            UNION ALL SELECT household_id, 'medical_burden' FROM base
                WHERE ex AND (2 * sp12 > inc OR sp12 > 2000000)
            UNION ALL SELECT household_id, 'post_shock_income' FROM base
                WHERE ex AND inc >= tm AND inc - sp12 < tm
            UNION ALL SELECT m.household_id, 'new_disability'
                FROM {src['disability']} d JOIN member m USING (person_id)
                JOIN base b ON b.household_id = m.household_id
                WHERE b.ex AND NOT m.deceased AND d.level IN (1, 2)
                  AND d.certified_date > CAST({a} - INTERVAL 6 MONTH AS DATE)
                  AND d.certified_date <= {a}
            UNION ALL SELECT m.household_id, 'dropout'
                FROM {src['education']} e JOIN member m USING (person_id)
                WHERE NOT m.deceased AND e.school_status = '辍学' AND e.updated_date <= {a}
                  AND m.birth_date <= {a}
                  AND year({a}) - year(m.birth_date)
                      - CASE WHEN month(m.birth_date) > month({a})
                               OR (month(m.birth_date) = month({a}) AND day(m.birth_date) > day({a}))
                             THEN 1 ELSE 0 END BETWEEN 6 AND 15
            UNION ALL SELECT h.household_id, 'unsafe_housing'
                FROM {src['housing']} h SEMI JOIN hh USING (household_id)
                WHERE h.safety_grade IN ('C', 'D')
                  AND h.assessed_date > CAST({a} - INTERVAL 12 MONTH AS DATE)
                  AND h.assessed_date <= {a}
            UNION ALL SELECT m.household_id, 'labor_death'
                FROM {src['deaths']} x JOIN member m USING (person_id)
                JOIN base b ON b.household_id = m.household_id
                WHERE b.ex AND m.labor_capacity = '一般劳动力'
                  AND x.death_date > CAST({a} - INTERVAL 6 MONTH AS DATE) AND x.death_date <= {a}
        );
    """)
    q = lambda p: os.path.join(out, p).replace("'", "''")
    con.execute(f"""COPY (SELECT household_id, reason FROM warning ORDER BY household_id, reason)
                    TO '{q('warnings.csv')}' (HEADER, DELIMITER ',', QUOTE '')""")
    con.execute(f"""COPY (SELECT b.town_code, w.reason, count(*) AS households
                          FROM warning w JOIN base b USING (household_id)
                          GROUP BY ALL ORDER BY b.town_code, w.reason)
                    TO '{q('summary.csv')}' (HEADER, DELIMITER ',', QUOTE '')""")


if __name__ == "__main__":
    main()
