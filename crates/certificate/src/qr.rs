//! The QR code on page 1 that opens the public verification page: encoding the URL and
//! turning the dark modules into one filled path.

use krilla::geom::{Path, PathBuilder, Rect};
use qrcode::{Color, EcLevel, QrCode};

use crate::CertificateError;

/// The QR code of `url` as a path of filled squares, `size` points wide with its top-left
/// corner at (`x`, `y`). Light modules are left unpainted (the paper is white); the space
/// around the code on the page is its quiet zone.
pub(crate) fn qr_path(url: &str, x: f32, y: f32, size: f32) -> Result<Path, CertificateError> {
    let (width, runs) = dark_runs(url)?;
    let module = size / width as f32;
    let mut builder = PathBuilder::new();
    for run in runs {
        let rect = Rect::from_xywh(
            x + run.column as f32 * module,
            y + run.row as f32 * module,
            run.length as f32 * module,
            module,
        );
        if let Some(rect) = rect {
            builder.push_rect(rect);
        }
    }
    builder
        .finish()
        .ok_or_else(|| CertificateError::QrCode("the code has no dark modules".to_owned()))
}

/// A horizontal run of dark modules; one rectangle per run keeps the path short.
#[derive(Debug, PartialEq)]
struct Run {
    row: usize,
    column: usize,
    length: usize,
}

/// The number of modules on a side of the QR code of `url`, and its dark runs.
fn dark_runs(url: &str) -> Result<(usize, Vec<Run>), CertificateError> {
    // Level M survives a crease or a stain and keeps the modules large for a short URL.
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| CertificateError::QrCode(e.to_string()))?;
    let width = code.width();
    let mut runs = Vec::new();
    for (row, line) in code.to_colors().chunks(width).enumerate() {
        let mut column = 0;
        while column < width {
            if line[column] != Color::Dark {
                column += 1;
                continue;
            }
            let start = column;
            while column < width && line[column] == Color::Dark {
                column += 1;
            }
            runs.push(Run {
                row,
                column: start,
                length: column - start,
            });
        }
    }
    Ok((width, runs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finder_patterns_are_in_three_corners() {
        let (width, runs) = dark_runs("https://zhiyuan.example.cn/verify/ZY3601112026110000123").unwrap();
        assert!(width >= 25);
        // The top row starts and ends with the 7-module tops of two finder patterns.
        let top: Vec<_> = runs.iter().filter(|run| run.row == 0).collect();
        assert_eq!(
            top.first(),
            Some(&&Run {
                row: 0,
                column: 0,
                length: 7
            })
        );
        assert_eq!(
            top.last(),
            Some(&&Run {
                row: 0,
                column: width - 7,
                length: 7
            })
        );
        assert!(runs.contains(&Run {
            row: width - 1,
            column: 0,
            length: 7
        }));
        assert!(qr_path("https://zhiyuan.example.cn/", 10.0, 20.0, 96.0).is_ok());
    }

    #[test]
    fn a_url_too_long_for_a_qr_code_is_an_error() {
        let url = format!("https://zhiyuan.example.cn/{}", "a".repeat(3000));
        assert!(matches!(
            qr_path(&url, 0.0, 0.0, 96.0),
            Err(CertificateError::QrCode(_))
        ));
    }
}
