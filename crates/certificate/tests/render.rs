//! Renders certificates with the system's Chinese font and reads the PDFs back (through the
//! ToUnicode maps the PDF writer embeds) to check what they say and how they are paged.
//! Needs the Debian package fonts-noto-cjk (scripts/test-deps.sh installs it).

use std::path::Path;

use chrono::NaiveDate;
use zhiyuan_certificate::{Certificate, CertificateError, CjkFont, Holder, Issuer, RecordLine, render};

const NUMBER: &str = "ZY3601112026110000123";
const MASKED_ID: &str = "360111********123X";
const URL: &str = "https://zhiyuan.example.cn/verify/ZY3601112026110000123";

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
}

fn record(activity: String, hours: f64) -> RecordLine {
    RecordLine {
        date: date(1),
        activity,
        content: "垃圾分类宣传".to_owned(),
        organization: "青山湖区志愿服务队".to_owned(),
        hours,
    }
}

fn certificate(records: Vec<RecordLine>) -> Certificate {
    Certificate {
        number: NUMBER.to_owned(),
        issued_on: date(29),
        holder: Holder {
            name: "张三丰".to_owned(),
            id_type: "居民身份证".to_owned(),
            masked_id: MASKED_ID.to_owned(),
            volunteer_no: "V360111000042".to_owned(),
        },
        records,
        credit_hours: 32.0,
        honor_hours: 8.5,
        issuer: Issuer {
            name: "南昌市青山湖区新时代文明实践中心".to_owned(),
            person_in_charge: "李四".to_owned(),
            handling_officer: "王五".to_owned(),
            contact: "0791-88888888".to_owned(),
        },
        verify_url: URL.to_owned(),
    }
}

fn font() -> CjkFont {
    CjkFont::find().expect("a Chinese font (install fonts-noto-cjk)")
}

/// The text of each page.
fn pages(pdf: &[u8]) -> Vec<String> {
    let document = lopdf::Document::load_mem(pdf).unwrap();
    document
        .get_pages()
        .keys()
        .map(|page| document.extract_text(&[*page]).unwrap())
        .collect()
}

#[test]
fn a_short_certificate_fits_on_one_page_with_all_four_blocks() {
    let records = vec![
        record("社区环境清扫".to_owned(), 12.5),
        record("敬老院陪伴".to_owned(), 10.0),
        record("图书馆整理".to_owned(), 9.5),
    ];
    let pdf = render(&certificate(records), &font()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let pages = pages(&pdf);
    assert_eq!(pages.len(), 1);
    let text = &pages[0];
    for expected in [
        "志愿服务证明",
        // identity
        "张三丰",
        "居民身份证",
        MASKED_ID,
        "V360111000042",
        // service
        "40.5 小时",
        "信用时长 32 小时，荣誉时长 8.5 小时",
        "共 3 条服务记录",
        "服务内容",
        "社区环境清扫",
        "12.5 小时",
        "2026-11-01",
        // issuer
        "南昌市青山湖区新时代文明实践中心",
        "李四",
        "王五",
        "0791-88888888",
        // certificate
        NUMBER,
        "2026年11月29日",
        "扫码验证",
        "第 1 页 / 共 1 页",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    // The URL under the QR code may be broken over lines.
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(compact.contains(URL), "{URL} missing from {text}");
}

#[test]
fn a_long_certificate_continues_over_numbered_pages() {
    let records = (1..=80).map(|n| record(format!("活动第{n:03}场"), 2.0)).collect();
    let pdf = render(&certificate(records), &font()).unwrap();
    let pages = pages(&pdf);
    // 22 rows on page 1, 33 on page 2, 23 on page 3, and the last 2 rows go with the
    // issuer and certificate blocks to page 4.
    assert_eq!(pages.len(), 4);
    for (index, text) in pages.iter().enumerate() {
        assert!(
            text.contains(&format!("第 {} 页 / 共 4 页", index + 1)),
            "page {}: {text}",
            index + 1
        );
        assert!(text.contains("服务内容"), "table header missing on page {}", index + 1);
        assert!(text.contains(NUMBER), "number missing on page {}", index + 1);
        let closing = text.contains("出具单位（盖章）");
        assert_eq!(closing, index == 3, "closing blocks on page {}", index + 1);
    }
    assert!(pages[1].contains("志愿服务证明（续）") && pages[1].contains("张三丰"));
    let all = pages.concat();
    for n in 1..=80 {
        assert_eq!(all.matches(&format!("活动第{n:03}场")).count(), 1, "record {n}");
    }
    assert!(pages[3].contains("活动第080场"));
}

#[test]
fn long_text_is_cut_short_and_a_missing_record_list_is_said() {
    let long = "关爱留守儿童暑期课业辅导与心理陪伴".repeat(6);
    let pdf = render(&certificate(vec![record(long.clone(), 3.0)]), &font()).unwrap();
    let pages = pages(&pdf);
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains('…'));
    assert!(!pages[0].contains(&long));

    let pdf = render(&certificate(Vec::new()), &font()).unwrap();
    assert!(pages_text_contains(&pdf, "暂无服务记录"));
}

fn pages_text_contains(pdf: &[u8], expected: &str) -> bool {
    pages(pdf).iter().any(|text| text.contains(expected))
}

#[test]
fn hours_that_are_no_number_are_refused() {
    let mut certificate = certificate(Vec::new());
    certificate.honor_hours = f64::NAN;
    let error = render(&certificate, &font()).unwrap_err();
    assert!(matches!(error, CertificateError::InvalidData(_)), "{error}");
}

#[test]
fn a_missing_font_file_names_the_debian_package() {
    let error = CjkFont::from_file(Path::new("/nonexistent/NotoSansCJK-Regular.ttc"), 2).unwrap_err();
    assert!(matches!(error, CertificateError::FontRead { .. }));
    assert!(error.to_string().contains("fonts-noto-cjk"), "{error}");
}

#[test]
fn a_font_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>(_: &T) {}
    shareable(&font());
}
