//! The pack's rules for cadres around villages (`[cadres]`): what the 五级书记遍访 asks of the
//! county secretary each year, which designations make a town or village key-assisted for it,
//! and how many monitoring information officers (防止返贫监测信息员) each level staffs. Used by
//! `crate::cadres`.

use serde::Deserialize;

/// The pack's rules for cadres (`[cadres]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CadreRules {
    /// Key-assisted towns the county secretary visits each year (铜梁: 5).
    pub county_key_towns: u32,
    /// Key-assisted villages the county secretary visits each year (铜梁: 7).
    pub county_key_villages: u32,
    /// The designation (`codes.designation`) that makes a town key-assisted.
    pub key_town: String,
    /// The designation that makes a village key-assisted.
    pub key_village: String,
    /// Information officers the county, each town and each village staff (铜梁: 2, 2, 1).
    pub county_officers: u32,
    pub town_officers: u32,
    pub village_officers: u32,
}

impl CadreRules {
    /// Problems in the section: `(field, message)` for each.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (field, n, what) in [
            (
                "county_key_towns",
                self.county_key_towns,
                "县委书记每年遍访的重点帮扶乡镇数",
            ),
            (
                "county_key_villages",
                self.county_key_villages,
                "县委书记每年遍访的重点帮扶村数",
            ),
        ] {
            if n > 1000 {
                out.push((field, format!("{what}{n}无效：应为0到1000")));
            }
        }
        for (field, n, what) in [
            ("county_officers", self.county_officers, "县级信息员人数"),
            ("town_officers", self.town_officers, "乡镇信息员人数"),
            ("village_officers", self.village_officers, "村级信息员人数"),
        ] {
            if n > 50 {
                out.push((field, format!("{what}{n}无效：应为0到50")));
            }
        }
        for (field, code) in [
            ("key_town", &self.key_town),
            ("key_village", &self.key_village),
        ] {
            if code.trim().is_empty() {
                out.push((
                    field,
                    "应填写认定类别代码（codes.designation 中的代码）".into(),
                ));
            }
        }
        out
    }
}
