//! Volunteer-service certificates (志愿服务证明) as PDF in Chinese.
//!
//! A certificate has the four blocks of the national guidance: the volunteer's identity,
//! the service (total hours, split into credit and honor hours, and one table line per
//! service record), the issuer, and the certificate itself (number and date). Page 1 carries
//! a QR code of the public verification URL. A4 portrait; a long service table continues on
//! further pages with its header repeated, and every page is numbered "第 1 页 / 共 N 页".
//!
//! This crate only renders: it does not read the database, decide what a certificate holds
//! or mask ID numbers. It needs a Chinese font from the system (see [`CjkFont::find`]).
//!
//! ```no_run
//! # fn main() -> Result<(), zhiyuan_certificate::CertificateError> {
//! # let certificate: zhiyuan_certificate::Certificate = todo!();
//! let font = zhiyuan_certificate::CjkFont::find()?; // once, at start-up
//! let pdf: Vec<u8> = zhiyuan_certificate::render(&certificate, &font)?;
//! # Ok(()) }
//! ```

mod error;
mod font;
mod format;
mod layout;
mod qr;
mod render;

use chrono::NaiveDate;

pub use error::CertificateError;
pub use font::{CjkFont, FONT_ENV};
pub use render::render;

/// What a certificate states.
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    /// The certificate number, e.g. `ZY3601112026110000123`.
    pub number: String,
    /// The day it is issued.
    pub issued_on: NaiveDate,
    /// Whom it is for.
    pub holder: Holder,
    /// One table line per service record, in the order given (may be hundreds).
    pub records: Vec<RecordLine>,
    /// 信用时长: hours from attendance.
    pub credit_hours: f64,
    /// 荣誉时长: hours entered by hand.
    pub honor_hours: f64,
    /// Who issues it.
    pub issuer: Issuer,
    /// Absolute URL of the public verification page, encoded in the QR code on page 1.
    pub verify_url: String,
}

/// The identity block.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    /// 姓名.
    pub name: String,
    /// 证件类型, e.g. "居民身份证".
    pub id_type: String,
    /// 证件号码, already masked by the caller.
    pub masked_id: String,
    /// 志愿者编号.
    pub volunteer_no: String,
}

/// One service record as a line of the service table.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordLine {
    /// 日期.
    pub date: NaiveDate,
    /// 活动.
    pub activity: String,
    /// 服务内容.
    pub content: String,
    /// 组织.
    pub organization: String,
    /// 时长, in hours.
    pub hours: f64,
}

/// The issuer block.
#[derive(Debug, Clone, PartialEq)]
pub struct Issuer {
    /// 出具单位.
    pub name: String,
    /// 负责人.
    pub person_in_charge: String,
    /// 经办人.
    pub handling_officer: String,
    /// 联系方式.
    pub contact: String,
}
