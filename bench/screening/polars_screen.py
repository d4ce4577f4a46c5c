"""The `dixian screen` file contract written with Polars' lazy API, as the
peer that `bench/screening.sh` checks and times against `dixian screen`.

usage: polars_screen.py INPUT_DIR AS_OF LINE_YUAN OUT_DIR
"""
import datetime as dt
import os
import sys

import polars as pl

I64, STR, DATE = pl.Int64, pl.String, pl.Date
SCHEMAS = {
    "households": {"household_id": I64, "village_code": STR, "category": STR, "members": I64,
                   "annual_net_income_fen": I64, "is_excluded": I64},
    "persons": {"person_id": I64, "id_number": STR, "household_id": I64, "name": STR,
                "gender": STR, "birth_date": DATE, "labor_capacity": STR, "relation": STR},
    "medical_claims": {"person_id": I64, "claim_date": DATE, "total_cost_fen": I64,
                       "self_pay_fen": I64},
    "civil_affairs": {"person_id": I64, "kind": STR, "start_date": DATE, "amount_fen": I64},
    "disability": {"person_id": I64, "level": I64, "category": STR, "certified_date": DATE},
    "education": {"person_id": I64, "school_status": STR, "updated_date": DATE},
    "housing": {"household_id": I64, "safety_grade": STR, "assessed_date": DATE},
    "deaths": {"person_id": I64, "death_date": DATE},
}


def scan(input_dir, name):
    return pl.scan_csv(os.path.join(input_dir, name + ".csv"), schema=SCHEMAS[name],
                       quote_char=None)


def within(col, after, until):
    return (pl.col(col) > after) & (pl.col(col) <= until)


def main():
    input_dir, as_of, line_yuan, out = sys.argv[1:5]
    os.makedirs(out, exist_ok=True)
    line_fen = round(float(line_yuan) * 100)
    a = dt.date.fromisoformat(as_of)
    w12 = pl.lit(a).dt.offset_by("-12mo")
    w6 = pl.lit(a).dt.offset_by("-6mo")
    src = {name: scan(input_dir, name) for name in SCHEMAS}

    hh = src["households"]
    dead = src["deaths"].filter(pl.col("death_date") <= a).select("person_id").unique()
    member = (src["persons"].select("person_id", "household_id", "birth_date", "labor_capacity")
              .join(hh.select("household_id"), on="household_id", how="semi")
              .with_columns(pl.col("person_id").is_in(dead.collect()["person_id"].implode())
                            .alias("deceased"))
              .collect().lazy())
    living = member.filter(~pl.col("deceased"))
    sp = (src["medical_claims"].filter(within("claim_date", w12, a))
          .join(living, on="person_id")
          .group_by("household_id").agg(pl.col("self_pay_fen").sum().alias("sp12")))
    base = (hh.join(sp, on="household_id", how="left")
            .select("household_id",
                    pl.col("village_code").str.slice(0, 9).alias("town_code"),
                    "category",
                    (pl.col("is_excluded") == 0).alias("ex"),
                    pl.col("annual_net_income_fen").cast(pl.Int128).alias("inc"),
                    pl.col("sp12").fill_null(0).cast(pl.Int128).alias("sp12"),
                    (pl.col("members").cast(pl.Int128) * line_fen).alias("tm"))
            .collect().lazy())
    ex_ids = base.filter("ex").select("household_id")
    age = (pl.lit(a.year) - pl.col("birth_date").dt.year()
           - ((pl.col("birth_date").dt.month() > a.month)
              | ((pl.col("birth_date").dt.month() == a.month)
                 & (pl.col("birth_date").dt.day() > a.day))).cast(pl.Int32))
    reasons = [
        base.filter(pl.col("ex") & (pl.col("category") != "监测户") & (pl.col("inc") < pl.col("tm")))
            .select("household_id", pl.lit("income_below_line").alias("reason")),
        base.filter(pl.col("ex") & ((2 * pl.col("sp12") > pl.col("inc"))
                                    | (pl.col("sp12") > 2_000_000)))
            .select("household_id", pl.lit("medical_burden").alias("reason")),
        base.filter(pl.col("ex") & (pl.col("inc") >= pl.col("tm"))
                    & (pl.col("inc") - pl.col("sp12") < pl.col("tm")))
            .select("household_id", pl.lit("post_shock_income").alias("reason")),
        src["disability"].filter(pl.col("level").is_in([1, 2])
                                 & within("certified_date", w6, a))
            .join(living, on="person_id").join(ex_ids, on="household_id", how="semi")
            .select("household_id", pl.lit("new_disability").alias("reason")),
        src["education"].filter((pl.col("school_status") == "辍学") & (pl.col("updated_date") <= a))
            .join(living, on="person_id")
            .filter((pl.col("birth_date") <= a) & age.is_between(6, 15))
            .select("household_id", pl.lit("dropout").alias("reason")),
        src["housing"].filter(pl.col("safety_grade").is_in(["C", "D"])
                              & within("assessed_date", w12, a))
            .join(hh.select("household_id"), on="household_id", how="semi")
            .select("household_id", pl.lit("unsafe_housing").alias("reason")),
        src["deaths"].filter(within("death_date", w6, a))
            .join(member.filter(pl.col("labor_capacity") == "一般劳动力"), on="person_id")
            .join(ex_ids, on="household_id", how="semi")
            .select("household_id", pl.lit("labor_death").alias("reason")),
    ]
    warnings = pl.concat(reasons).unique().sort("household_id", "reason").collect()
    warnings.write_csv(os.path.join(out, "warnings.csv"), quote_style="never",
                       line_terminator="\n")
    summary = (warnings.lazy().join(base.select("household_id", "town_code"), on="household_id")
               .group_by("town_code", "reason").agg(pl.len().alias("households"))
               .sort("town_code", "reason").collect())
    summary.write_csv(os.path.join(out, "summary.csv"), quote_style="never",
                      line_terminator="\n")


if __name__ == "__main__":
    main()
