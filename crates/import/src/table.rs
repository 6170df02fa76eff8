//! Reading an import file as a table: the format chosen by extension (`.csv`
//! or `.xlsx`), columns found by header name (any order, case and
//! surrounding blanks ignored, extra columns ignored), rows handed one at a
//! time to a callback so nothing holds the whole file.
//!
//! CSV is read record by record with the `csv` reader; a UTF-8 byte order
//! mark before the header is dropped. XLSX is read per sheet (only the first
//! one) through calamine's cell reader, which streams the sheet's cells;
//! the workbook's shared-string table is held in memory while it is read,
//! as the format requires.

use crate::report::RejectedRow;
use crate::{ImportError, Result};
use calamine::{Data, Reader, Xlsx};
use std::fs::File;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::path::Path;

/// A column an import file must or may have, named as in its header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub required: bool,
}

impl Column {
    pub const fn required(name: &'static str) -> Self {
        Self { name, required: true }
    }

    pub const fn optional(name: &'static str) -> Self {
        Self { name, required: false }
    }
}

/// One data row: its spreadsheet number (the header is row 1 in a CSV file;
/// in XLSX the sheet's own row number) and its trimmed values in the order
/// of the columns asked for; an optional column missing from the file reads
/// as empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<const N: usize> {
    pub number: u64,
    pub values: [String; N],
}

/// A data row as read: its values, or why they cannot be read.
pub type Line<const N: usize> = std::result::Result<Row<N>, RejectedRow>;

/// Reads `path` and calls `each` with every non-blank data row until the end
/// of the file or until `each` breaks. A missing required column, an
/// unreadable file or an unsupported extension is an error before any row.
pub fn read_table<const N: usize>(
    path: &Path,
    columns: &[Column; N],
    each: impl FnMut(Line<N>) -> ControlFlow<()>,
) -> Result<()> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let mut sink = Sink {
        path,
        columns,
        positions: None,
        each,
    };
    match extension.as_deref() {
        Some("csv") => read_csv(&mut sink)?,
        Some("xlsx") => read_xlsx(&mut sink)?,
        _ => {
            return Err(ImportError::UnsupportedFormat {
                path: path.to_path_buf(),
            });
        }
    }
    if sink.positions.is_none() {
        return Err(ImportError::NoHeader {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn read_csv<const N: usize, F: FnMut(Line<N>) -> ControlFlow<()>>(sink: &mut Sink<'_, N, F>) -> Result<()> {
    let path = sink.path;
    let file = File::open(path).map_err(|source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    let mut number = 0u64;
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|source| ImportError::Csv {
                path: path.to_path_buf(),
                source,
            })?;
        if !more {
            return Ok(());
        }
        number += 1;
        let raw: Vec<&[u8]> = record.iter().collect();
        if sink.take(number, &raw)?.is_break() {
            return Ok(());
        }
    }
}

fn read_xlsx<const N: usize, F: FnMut(Line<N>) -> ControlFlow<()>>(sink: &mut Sink<'_, N, F>) -> Result<()> {
    let path = sink.path;
    let xlsx_error = |source| ImportError::Xlsx {
        path: path.to_path_buf(),
        source,
    };
    let mut workbook: Xlsx<BufReader<File>> = calamine::open_workbook(path).map_err(xlsx_error)?;
    let Some(sheet) = workbook.sheet_names().into_iter().next() else {
        return Ok(());
    };
    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(xlsx_error)?;
    // Cells arrive row by row; collect one row's cells, then hand it over.
    let mut current: Option<u32> = None;
    let mut raw: Vec<String> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
        let (row, column) = cell.get_position();
        if current != Some(row) {
            if let Some(done) = current
                && sink.take_strings(u64::from(done) + 1, &raw)?.is_break()
            {
                return Ok(());
            }
            current = Some(row);
            raw.clear();
        }
        let column = column as usize;
        if raw.len() <= column {
            raw.resize(column + 1, String::new());
        }
        raw[column] = Data::from(cell.get_value().clone()).to_string();
    }
    match current {
        Some(done) => sink.take_strings(u64::from(done) + 1, &raw).map(|_| ()),
        None => Ok(()),
    }
}

/// Turns raw rows into header positions and then into [`Row`]s.
struct Sink<'a, const N: usize, F> {
    path: &'a Path,
    columns: &'a [Column; N],
    /// Where each asked-for column sits in the file, once the header is read.
    positions: Option<[Option<usize>; N]>,
    each: F,
}

impl<const N: usize, F: FnMut(Line<N>) -> ControlFlow<()>> Sink<'_, N, F> {
    fn take_strings(&mut self, number: u64, raw: &[String]) -> Result<ControlFlow<()>> {
        let raw: Vec<&[u8]> = raw.iter().map(String::as_bytes).collect();
        self.take(number, &raw)
    }

    /// Takes one raw row: the header when none was seen yet, else data.
    /// Rows whose every cell is blank are skipped.
    fn take(&mut self, number: u64, raw: &[&[u8]]) -> Result<ControlFlow<()>> {
        if raw.iter().all(|cell| cell.trim_ascii().is_empty()) {
            return Ok(ControlFlow::Continue(()));
        }
        let Some(positions) = &self.positions else {
            self.positions = Some(self.header(raw)?);
            return Ok(ControlFlow::Continue(()));
        };
        let mut values: [String; N] = std::array::from_fn(|_| String::new());
        for ((value, position), column) in values.iter_mut().zip(positions).zip(self.columns) {
            let Some(cell) = position.and_then(|p| raw.get(p)) else {
                continue;
            };
            match std::str::from_utf8(cell) {
                Ok(text) => *value = text.trim().to_string(),
                Err(_) => {
                    return Ok((self.each)(Err(RejectedRow {
                        row: number,
                        column: column.name,
                        code: "encoding_invalid",
                        detail: "this cell is not UTF-8 text; save the file as \"CSV UTF-8\"".into(),
                    })));
                }
            }
        }
        Ok((self.each)(Ok(Row { number, values })))
    }

    fn header(&self, raw: &[&[u8]]) -> Result<[Option<usize>; N]> {
        let mut names = Vec::with_capacity(raw.len());
        for cell in raw {
            let text = std::str::from_utf8(cell).map_err(|_| ImportError::NotUtf8 {
                path: self.path.to_path_buf(),
            })?;
            names.push(text.trim_start_matches('\u{feff}').trim().to_lowercase());
        }
        let mut positions = [None; N];
        for (position, column) in positions.iter_mut().zip(self.columns) {
            let mut found = names.iter().enumerate().filter(|(_, name)| *name == column.name);
            *position = found.next().map(|(index, _)| index);
            if found.next().is_some() {
                return Err(ImportError::DuplicateColumn {
                    path: self.path.to_path_buf(),
                    column: column.name,
                });
            }
        }
        let missing: Vec<&'static str> = positions
            .iter()
            .zip(self.columns)
            .filter(|(position, column)| position.is_none() && column.required)
            .map(|(_, column)| column.name)
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::MissingColumns {
                path: self.path.to_path_buf(),
                missing,
                expected: self.columns.iter().map(|c| c.name).collect(),
            });
        }
        Ok(positions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const COLUMNS: [Column; 3] = [Column::required("a"), Column::required("b"), Column::optional("c")];

    fn read(contents: &[u8]) -> Result<Vec<Line<3>>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        File::create(&path).unwrap().write_all(contents).unwrap();
        let mut lines = Vec::new();
        read_table(&path, &COLUMNS, |line| {
            lines.push(line);
            ControlFlow::Continue(())
        })?;
        Ok(lines)
    }

    #[test]
    fn columns_by_name_in_any_order_with_bom() {
        let lines = read("\u{feff}B , x, A\n 2 ,y,1\n,,\n4,z\n".as_bytes()).unwrap();
        assert_eq!(
            lines,
            vec![
                Ok(Row {
                    number: 2,
                    values: ["1".into(), "2".into(), "".into()]
                }),
                Ok(Row {
                    number: 4,
                    values: ["".into(), "4".into(), "".into()]
                }),
            ]
        );
    }

    #[test]
    fn header_problems_are_file_errors() {
        assert!(matches!(read(b"a,c\n1,2\n"), Err(ImportError::MissingColumns { missing, .. }) if missing == ["b"]));
        assert!(matches!(
            read(b"a,b,a\n"),
            Err(ImportError::DuplicateColumn { column: "a", .. })
        ));
        assert!(matches!(read(b""), Err(ImportError::NoHeader { .. })));
        assert!(matches!(read(b"a,\xff\n"), Err(ImportError::NotUtf8 { .. })));
    }

    #[test]
    fn bad_bytes_refuse_the_row_only() {
        let lines = read(b"a,b\n1,\xc3\n3,4\n").unwrap();
        assert_eq!(lines[0].as_ref().unwrap_err().code, "encoding_invalid");
        assert_eq!(lines[0].as_ref().unwrap_err().column, "b");
        assert_eq!(lines[1].as_ref().unwrap().number, 3);
    }

    #[test]
    fn other_extensions_are_refused() {
        let result = read_table(Path::new("x.txt"), &COLUMNS, |_| ControlFlow::Continue(()));
        assert!(matches!(result, Err(ImportError::UnsupportedFormat { .. })));
    }
}
