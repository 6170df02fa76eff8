//! QR codes as SVG for the organizer's screen: dark modules drawn as one
//! path, with the four-module quiet zone the standard asks for.

use qrcode::{Color, EcLevel, QrCode};

/// The SVG of a QR code encoding `text` (error correction level M).
pub fn svg(text: &str) -> Result<String, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let width = code.width();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut path = String::new();
    for (index, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (index % width + quiet, index / width + quiet);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn svg_has_the_quiet_zone_and_modules() {
        let svg = super::svg("http://localhost/c/abc").unwrap();
        assert!(svg.starts_with("<svg"));
        // Version 2 (25 modules) plus 8 of quiet zone.
        assert!(svg.contains("viewBox=\"0 0 33 33\""), "{svg}");
        // The top-left finder pattern starts at the quiet zone's edge.
        assert!(svg.contains("M4 4h1v1h-1z"));
    }
}
