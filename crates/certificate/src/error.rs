//! The one error type of this crate: what can go wrong finding the font and rendering.

use std::io;
use std::path::PathBuf;

/// Why a font could not be loaded or a certificate could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// None of the usual font files exists and `ZHIYUAN_CJK_FONT` is not set.
    #[error(
        "no Chinese font found (looked for {searched}); install the Debian package fonts-noto-cjk, \
         or set ZHIYUAN_CJK_FONT to a font file (PATH or PATH#FACE_INDEX)"
    )]
    FontNotFound {
        /// The paths that were looked at, comma-separated.
        searched: String,
    },
    /// The font file could not be read.
    #[error("cannot read the font file {}: {source}; install the Debian package fonts-noto-cjk", path.display())]
    FontRead {
        /// The font file.
        path: PathBuf,
        /// Why reading failed.
        source: io::Error,
    },
    /// The font file was read but is no usable Chinese font.
    #[error(
        "{} (face {index}) is not a usable Chinese font: {reason}; install the Debian package fonts-noto-cjk",
        path.display()
    )]
    FontUnusable {
        /// The font file.
        path: PathBuf,
        /// The face index inside a font collection (0 for a single font).
        index: u32,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate data cannot be printed (e.g. negative or NaN hours, empty URL).
    #[error("invalid certificate data: {0}")]
    InvalidData(String),
    /// The verification URL does not fit in a QR code.
    #[error("the verification URL cannot be encoded as a QR code: {0}")]
    QrCode(String),
    /// The PDF writer failed.
    #[error("could not write the PDF: {0}")]
    Pdf(String),
}
