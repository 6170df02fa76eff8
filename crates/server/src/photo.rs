//! Photos of stories as the server keeps them: a JPEG or PNG of at most
//! 5 MB (the domain's checks), decoded within bounds (no image may ask for
//! more than 12,000 px a side or 256 MB to decode), turned upright by its
//! EXIF orientation, resized to at most 1600 px a side and written as a new
//! JPEG, which carries no EXIF or other metadata (no place, no camera).

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::story::{self, MAX_DECODED_SIDE, PhotoFormat};

/// Quality of the stored JPEG.
const JPEG_QUALITY: u8 = 85;
/// The most memory one decode may take.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

fn unreadable() -> RuleError {
    RuleError::new("photo_invalid", "the photo could not be read as a JPEG or PNG image").on("photos")
}

/// The photo as stored: checked, upright, resized, re-encoded without metadata.
pub fn prepare(bytes: &[u8]) -> Result<Vec<u8>, RuleError> {
    let format = match story::check_photo(bytes)? {
        PhotoFormat::Jpeg => ImageFormat::Jpeg,
        PhotoFormat::Png => ImageFormat::Png,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| unreadable())?;
    let orientation = decoder.orientation().map_err(|_| unreadable())?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| unreadable())?;
    image.apply_orientation(orientation);
    let (width, height) = story::stored_size(image.width(), image.height());
    if (width, height) != (image.width(), image.height()) {
        image = image.resize_exact(width, height, FilterType::Triangle);
    }
    let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
    let mut out = Vec::new();
    rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        .map_err(|_| unreadable())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, RgbImage};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .write_image(&image, width, height, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    /// The JPEG with an EXIF segment (APP1) carrying a place, right after SOI.
    fn with_exif(jpeg: &[u8]) -> Vec<u8> {
        let payload = b"Exif\0\0GPS 28.68N 115.95E";
        let length = (payload.len() + 2) as u16;
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn photos_are_resized_and_lose_their_exif() {
        let original = with_exif(&jpeg(2400, 1200));
        assert!(original.windows(4).any(|w| w == b"Exif"));
        let stored = prepare(&original).unwrap();
        assert!(!stored.windows(4).any(|w| w == b"Exif"), "no EXIF kept");
        assert!(!stored.windows(3).any(|w| w == b"GPS"), "no place kept");
        let decoded = image::load_from_memory(&stored).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (1600, 800));
        let small = prepare(&jpeg(640, 480)).unwrap();
        let decoded = image::load_from_memory(&small).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (640, 480));
    }

    #[test]
    fn what_is_not_a_readable_image_is_refused() {
        assert_eq!(prepare(b"GIF89a....").unwrap_err().code, "photo_invalid");
        // A JPEG header over garbage.
        assert_eq!(
            prepare(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).unwrap_err().code,
            "photo_invalid"
        );
        // A PNG that claims to be 100,000 px wide.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&100_000_u32.to_be_bytes());
        png.extend_from_slice(&10_u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(prepare(&png).unwrap_err().code, "photo_invalid");
    }
}
