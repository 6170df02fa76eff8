//! Writing exports for both shells: rows arrive a page at a time through a
//! bounded channel, so memory holds a few pages whatever the number of
//! rows. CSV (UTF-8 with a byte-order mark, which spreadsheet programs in
//! China need) is streamed to the client while the pages are read; XLSX is
//! written by rust_xlsxwriter in constant-memory mode on a blocking thread
//! into a temporary file, which is then streamed with its length. Text
//! cells that a spreadsheet would take for a formula are neutralised.

use crate::error::{ApiError, ApiResult};
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use zhiyuan_domain::RuleError;

/// Pages of rows kept in the channel at once.
pub const PAGES_IN_FLIGHT: usize = 2;

/// Rows read per page.
pub const ROWS_PER_PAGE: i64 = 1_000;

/// An export's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(raw: Option<&str>) -> Result<Format, RuleError> {
        match raw.map(str::trim).unwrap_or("csv") {
            "csv" | "" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(RuleError::new(
                "export_format_invalid",
                format!("no export format {other:?}; csv or xlsx"),
            )
            .on("format")),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// One cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Real(f64),
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_string())
    }
}

impl From<i64> for Cell {
    fn from(value: i64) -> Self {
        Cell::Int(value)
    }
}

impl From<f64> for Cell {
    fn from(value: f64) -> Self {
        Cell::Real(value)
    }
}

/// A page of rows, or the failure that ended the export.
pub type RowPage = Result<Vec<Vec<Cell>>, ApiError>;

/// A text cell as written: one that begins with `=`, `+`, `-` or `@` (or a
/// tab or carriage return, which some programs skip before them) gets a
/// leading apostrophe, so no spreadsheet runs it as a formula.
pub fn neutralised(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// What an export is called and what its columns are.
pub struct Sheet {
    /// The file name without extension (ASCII).
    pub file_stem: String,
    pub columns: Vec<&'static str>,
}

/// The response carrying the rows that arrive on `pages`.
pub async fn respond(format: Format, sheet: Sheet, pages: mpsc::Receiver<RowPage>) -> ApiResult<Response> {
    let disposition = format!("attachment; filename=\"{}.{}\"", sheet.file_stem, format.extension());
    let (body, length) = match format {
        Format::Csv => (csv_body(sheet.columns, pages), None),
        Format::Xlsx => {
            let (body, length) = xlsx_body(sheet.columns, pages).await?;
            (body, Some(length))
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The CSV of one page (with the header and byte-order mark first).
fn csv_chunk(header: Option<&[&str]>, rows: &[Vec<Cell>]) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    if header.is_some() {
        bytes.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut writer = csv::Writer::from_writer(bytes);
    let failed = |error: csv::Error| ApiError::internal(format!("writing CSV: {error}"));
    if let Some(header) = header {
        writer.write_record(header).map_err(failed)?;
    }
    for row in rows {
        let fields: Vec<Cow<'_, str>> = row
            .iter()
            .map(|cell| match cell {
                Cell::Text(text) => neutralised(text),
                Cell::Int(value) => Cow::Owned(value.to_string()),
                Cell::Real(value) => Cow::Owned(value.to_string()),
            })
            .collect();
        writer.write_record(fields.iter().map(|f| f.as_ref())).map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|error| ApiError::internal(format!("writing CSV: {error}")))
}

fn csv_body(columns: Vec<&'static str>, pages: mpsc::Receiver<RowPage>) -> Body {
    let first = csv_chunk(Some(&columns), &[]);
    let stream = futures_util::stream::unfold((Some(first), pages), |(first, mut pages)| async move {
        // A failure after the first bytes can only end the download early.
        let ended = |error: ApiError| std::io::Error::other(format!("{}: {}", error.code, error.detail));
        if let Some(first) = first {
            return Some((first.map_err(ended), (None, pages)));
        }
        let page = pages.recv().await?;
        let chunk = page.and_then(|rows| csv_chunk(None, &rows));
        Some((chunk.map_err(ended), (None, pages)))
    });
    Body::from_stream(stream)
}

/// Rows per worksheet: the format's limit, less the header row.
const ROWS_PER_WORKSHEET: u32 = 1_048_575;

async fn xlsx_body(columns: Vec<&'static str>, mut pages: mpsc::Receiver<RowPage>) -> ApiResult<(Body, u64)> {
    let file = tokio::task::spawn_blocking(move || write_workbook(&columns, &mut pages))
        .await
        .map_err(|error| ApiError::internal(format!("the workbook writer stopped: {error}")))??;
    let length = file
        .as_file()
        .metadata()
        .map_err(|error| ApiError::internal(format!("reading the workbook: {error}")))?
        .len();
    let reader = tokio::fs::File::from_std(
        file.reopen()
            .map_err(|error| ApiError::internal(format!("reading the workbook: {error}")))?,
    );
    // The temporary file is deleted when the stream ends and drops it.
    let stream = futures_util::stream::unfold((reader, file), |(mut reader, file)| async move {
        let mut chunk = vec![0u8; 64 * 1024];
        match reader.read(&mut chunk).await {
            Ok(0) => None,
            Ok(read) => {
                chunk.truncate(read);
                Some((Ok::<_, std::io::Error>(chunk), (reader, file)))
            }
            Err(error) => Some((Err(error), (reader, file))),
        }
    });
    Ok((Body::from_stream(stream), length))
}

/// Writes the pages into a workbook in a temporary file.
fn write_workbook(columns: &[&str], pages: &mut mpsc::Receiver<RowPage>) -> ApiResult<tempfile::NamedTempFile> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let failed = |error: rust_xlsxwriter::XlsxError| ApiError::internal(format!("writing the workbook: {error}"));
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let mut worksheet = workbook.add_worksheet_with_constant_memory().map_err(failed)?;
    let mut next_row: u32 = 0;
    let write_header = |worksheet: &mut rust_xlsxwriter::Worksheet| -> Result<(), rust_xlsxwriter::XlsxError> {
        for (column, title) in columns.iter().enumerate() {
            worksheet.write_string_with_format(0, column as u16, *title, &bold)?;
        }
        Ok(())
    };
    write_header(worksheet).map_err(failed)?;
    while let Some(page) = pages.blocking_recv() {
        for row in page? {
            if next_row == ROWS_PER_WORKSHEET {
                worksheet = workbook.add_worksheet_with_constant_memory().map_err(failed)?;
                write_header(worksheet).map_err(failed)?;
                next_row = 0;
            }
            next_row += 1;
            for (column, cell) in row.iter().enumerate() {
                let column = column as u16;
                match cell {
                    Cell::Text(text) => worksheet.write_string(next_row, column, neutralised(text).as_ref()),
                    Cell::Int(value) => worksheet.write_number(next_row, column, *value as f64),
                    Cell::Real(value) => worksheet.write_number(next_row, column, *value),
                }
                .map_err(failed)?;
            }
        }
    }
    let file =
        tempfile::NamedTempFile::new().map_err(|error| ApiError::internal(format!("a temporary file: {error}")))?;
    workbook.save(file.path()).map_err(failed)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_neutralised() {
        for dangerous in ["=1+1", "+86", "-2", "@SUM(A1)", "\t=cmd", "\r=x"] {
            assert!(neutralised(dangerous).starts_with('\''), "{dangerous:?}");
        }
        assert_eq!(neutralised("王芳"), "王芳");
        assert_eq!(neutralised("1-2"), "1-2");
    }

    #[test]
    fn a_csv_page_quotes_and_neutralises_its_cells() {
        let rows = vec![vec![
            Cell::from("=HYPERLINK(\"x\")"),
            Cell::from(-3_i64),
            Cell::from("a,b"),
        ]];
        let text = String::from_utf8(csv_chunk(Some(&["名称", "数", "备注"]), &rows).unwrap()).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\",-3,\"a,b\""), "{text}");
    }

    #[test]
    fn formats_are_csv_or_xlsx() {
        assert_eq!(Format::parse(None), Ok(Format::Csv));
        assert_eq!(Format::parse(Some("xlsx")), Ok(Format::Xlsx));
        assert_eq!(Format::parse(Some("pdf")).unwrap_err().code, "export_format_invalid");
    }
}
