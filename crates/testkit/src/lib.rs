//! Shared fixtures of dixian's tests (测试夹具), so every crate's tests set up the same way:
//! a store on SQLite or on a fresh PostgreSQL database, a field cipher, the demo county with
//! its accounts, and a router with signed-in clients. Test-only: nothing here ships.
// Fixtures fail the test that uses them, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod pg;
pub mod web;

use chrono::NaiveDate;
use dixian_app::demo;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_gm::FieldCipher;
use dixian_store_sql::SqlStore;
use std::sync::Arc;

/// A field cipher with a key made for this test run.
pub fn cipher() -> Arc<FieldCipher> {
    Arc::new(FieldCipher::ephemeral().unwrap())
}

/// A fresh, migrated SQLite store in a temporary directory (kept while the guard lives).
pub async fn sqlite() -> (tempfile::TempDir, SqlStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_sqlite(&dir.path().join("t.db"), cipher())
        .await
        .unwrap();
    (dir, store)
}

/// The system itself, as tests act when no account is meant.
pub fn sys() -> Actor {
    Actor::system("test")
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn code(text: &str) -> DivisionCode {
    DivisionCode::parse(text).unwrap()
}

/// The demo county's registry of `households` households, generated with `seed` as of `as_of`.
pub async fn load_demo(s: &SqlStore, households: u32, seed: u64, as_of: NaiveDate) {
    demo::load(
        s,
        &sys(),
        demo::DemoOptions {
            households,
            seed,
            as_of,
        },
        |_, _| {},
    )
    .await
    .unwrap();
}

/// A 0.3 MB XLSX whose shared strings inflate to `megabytes` MB — the spreadsheet bomb of
/// the hostile review — with a sheet that refers to them, as Excel would write it.
pub fn spreadsheet_bomb(megabytes: usize) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
    ];
    let write = |w: &mut zip::ZipWriter<&mut std::io::Cursor<Vec<u8>>>, name: &str, text: &[u8]| {
        w.start_file(name, opts).expect("zip part");
        w.write_all(text).expect("zip write");
    };
    for (name, text) in parts {
        write(&mut w, name, text.as_bytes());
    }
    write(
        &mut w,
        "xl/worksheets/sheet1.xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#,
    );
    w.start_file("xl/sharedStrings.xml", opts)
        .expect("zip part");
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#)
        .expect("zip write");
    let item = b"<si><t>a</t></si>";
    let block: Vec<u8> = item
        .iter()
        .copied()
        .cycle()
        .take(item.len() * 4096)
        .collect();
    let mut written = 0;
    while written < megabytes << 20 {
        w.write_all(&block).expect("zip write");
        written += block.len();
    }
    w.write_all(b"</sst>").expect("zip write");
    w.finish().expect("zip finish");
    out.into_inner()
}

/// A real (small) phone photo as JPEG bytes: uploads are decoded before they are kept.
pub fn photo_jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    let pixels: Vec<u8> = (0..32 * 24 * 3).map(|i| (i % 251) as u8).collect();
    jpeg_encoder::Encoder::new(&mut out, 80)
        .encode(&pixels, 32, 24, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// A real (small) PNG image.
pub fn photo_png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 16, 12);
    encoder.set_color(png::ColorType::Rgb);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[120; 16 * 12 * 3]).unwrap();
    writer.finish().unwrap();
    out
}

/// A security administrator approves every pending account request (三员分立), as the
/// second administrator would: the accounts a test's administrator created become usable.
pub async fn approve_pending(store: &dyn dixian_store::Store) {
    let security = Actor {
        user_id: Some(i64::MAX),
        name: "安全管理员（测试）".into(),
        scope: dixian_domain::access::Scope::Everything,
        source: None,
        role: Some(dixian_domain::access::Role::SecurityAdmin),
    };
    for r in store.account_requests(&security).await.unwrap() {
        if r.status == "pending" {
            store
                .decide_account_request(
                    &security,
                    r.id,
                    &dixian_store::AccountDecision {
                        approve: true,
                        note: String::new(),
                        password_hash: r
                            .change
                            .sets_password()
                            .then(|| "$argon2id$unusable".to_string()),
                    },
                )
                .await
                .unwrap();
        }
    }
}

/// A household of two as rows of the household import file (农户导入), in the template's
/// column order, with household code `code`: the template itself has no example row.
pub fn two_person_rows(code: &str) -> [String; 2] {
    [
        "CODE,1,青山县石桥镇石桥村一组3号,13800138000,6217000012345678901,脱贫户,否,是,否,否,张三,11010519491231002X,,户主,普通劳动力,健康,,,非在校生,是,是,10,县内,否,在户,2025,12000,3000,0,1200,0,0,0,0,500,800,0,是,B级,是,是,是,是,",
        "CODE,1,青山县石桥镇石桥村一组3号,13800138000,6217000012345678901,脱贫户,否,是,否,否,李四,110105194912310046,,配偶,弱劳动力或半劳动力,长期慢性病,,,非在校生,是,是,0,,否,在户,,,,,,,,,,,,,是,B级,是,是,是,是,",
    ]
    .map(|r| r.replace("CODE", code))
}
