//! The Chinese font: finding it on a Debian system, loading and checking it, and shaping
//! text with it (one glyph per character, advances from the font's own metrics).
//!
//! The font is not shipped with the program; Debian's `fonts-noto-cjk` provides it.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::CertificateError;

/// Environment variable naming the font file to use instead of the usual places:
/// `PATH` or `PATH#FACE_INDEX` (the face inside a `.ttc` collection, 0 by default).
pub const FONT_ENV: &str = "ZHIYUAN_CJK_FONT";

/// Where Debian puts usable fonts, with the face index to use, in order of preference.
/// Face 2 of Noto Sans CJK is the Simplified Chinese one; face 0 of WenQuanYi Micro Hei is
/// the proportional one.
const DEBIAN_FONTS: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
];

/// Characters the font must have to be accepted (the title of the certificate).
const REQUIRED_CHARACTERS: &str = "志愿服务证明";

/// A loaded font face that covers Chinese, ready to render certificates with.
///
/// Loading reads the whole file (about 20 MB for Noto Sans CJK), so load it once and
/// share it; it is cheap to clone.
#[derive(Clone)]
pub struct CjkFont {
    path: PathBuf,
    index: u32,
    data: Arc<Vec<u8>>,
    pdf_font: Font,
}

impl fmt::Debug for CjkFont {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CjkFont")
            .field("path", &self.path)
            .field("index", &self.index)
            .finish()
    }
}

impl CjkFont {
    /// Finds a Chinese font on the system.
    ///
    /// If `ZHIYUAN_CJK_FONT` is set (and not empty), that file is used and nothing else is
    /// tried: a setting that does not work is an error, not silently replaced. Otherwise the
    /// first existing file of Debian's `fonts-noto-cjk`
    /// (`/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc`, face 2) and
    /// `fonts-wqy-microhei` (`/usr/share/fonts/truetype/wqy/wqy-microhei.ttc`) is used.
    pub fn find() -> Result<CjkFont, CertificateError> {
        match std::env::var_os(FONT_ENV) {
            Some(setting) if !setting.is_empty() => {
                let (path, index) = parse_setting(&setting);
                CjkFont::from_file(&path, index)
            }
            _ => find_in(DEBIAN_FONTS),
        }
    }

    /// Loads face `index` of the font file at `path` (0 for a file that is not a collection)
    /// and checks that it can render Chinese.
    pub fn from_file(path: &Path, index: u32) -> Result<CjkFont, CertificateError> {
        let data = std::fs::read(path).map_err(|source| CertificateError::FontRead {
            path: path.to_owned(),
            source,
        })?;
        let unusable = |reason: String| CertificateError::FontUnusable {
            path: path.to_owned(),
            index,
            reason,
        };
        {
            let face = FontRef::from_index(&data, index).map_err(|e| unusable(e.to_string()))?;
            let charmap = face.charmap();
            let missing: String = REQUIRED_CHARACTERS
                .chars()
                .filter(|c| charmap.map(*c).is_none())
                .collect();
            if !missing.is_empty() {
                return Err(unusable(format!("it has no glyphs for {missing}")));
            }
        }
        let data = Arc::new(data);
        let pdf_font = Font::new(data.clone().into(), index)
            .ok_or_else(|| unusable("the PDF writer cannot read it".to_owned()))?;
        Ok(CjkFont {
            path: path.to_owned(),
            index,
            data,
            pdf_font,
        })
    }

    /// The file the font was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The face index inside the file.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The font as the PDF writer uses it.
    pub(crate) fn pdf_font(&self) -> &Font {
        &self.pdf_font
    }

    /// A shaper that measures and lays out text in this font.
    pub(crate) fn shaper(&self) -> Result<Shaper<'_>, CertificateError> {
        let face = FontRef::from_index(&self.data, self.index).map_err(|e| CertificateError::FontUnusable {
            path: self.path.clone(),
            index: self.index,
            reason: e.to_string(),
        })?;
        let units_per_em = f32::from(face.metrics(Size::unscaled(), LocationRef::default()).units_per_em);
        Ok(Shaper {
            charmap: face.charmap(),
            metrics: face.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em: units_per_em.max(1.0),
        })
    }
}

/// Splits a `ZHIYUAN_CJK_FONT` value into the path and the face index.
/// A `#` followed by anything but a number is taken as part of the path.
fn parse_setting(setting: &OsStr) -> (PathBuf, u32) {
    if let Some((path, index)) = setting.to_str().and_then(|s| s.rsplit_once('#'))
        && let Ok(index) = index.parse()
    {
        return (PathBuf::from(path), index);
    }
    (PathBuf::from(setting), 0)
}

/// Loads the first of `candidates` that exists.
fn find_in(candidates: &[(&str, u32)]) -> Result<CjkFont, CertificateError> {
    match candidates.iter().find(|(path, _)| Path::new(path).is_file()) {
        Some((path, index)) => CjkFont::from_file(Path::new(path), *index),
        None => Err(CertificateError::FontNotFound {
            searched: candidates.iter().map(|(path, _)| *path).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Turns text into positioned glyphs: one glyph per character, no kerning or ligatures,
/// which is how Chinese is set. Text given to it must not contain control characters.
pub(crate) struct Shaper<'a> {
    charmap: Charmap<'a>,
    metrics: GlyphMetrics<'a>,
    units_per_em: f32,
}

impl Shaper<'_> {
    /// The glyph of `ch` (the "missing glyph" box if the font lacks it) and its advance in em.
    fn glyph(&self, ch: char) -> (GlyphId, f32) {
        let glyph = self.charmap.map(ch).unwrap_or(skrifa::GlyphId::NOTDEF);
        let advance = self.metrics.advance_width(glyph).unwrap_or(0.0) / self.units_per_em;
        (GlyphId::new(glyph.to_u32()), advance)
    }

    /// The advance of `ch` in em (multiply by the font size for points).
    pub(crate) fn advance(&self, ch: char) -> f32 {
        self.glyph(ch).1
    }

    /// The width of `text` in points at font size `size`.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|ch| self.advance(ch)).sum::<f32>() * size
    }

    /// The glyphs of `text`, each mapped back to its character so that the PDF's text can be
    /// searched and copied.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(start, ch)| {
                let (glyph, advance) = self.glyph(ch);
                KrillaGlyph::new(glyph, advance, 0.0, 0.0, 0.0, start..start + ch.len_utf8(), None)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_may_carry_a_face_index() {
        assert_eq!(parse_setting(OsStr::new("/f/a.ttc#2")), (PathBuf::from("/f/a.ttc"), 2));
        assert_eq!(parse_setting(OsStr::new("/f/a.ttf")), (PathBuf::from("/f/a.ttf"), 0));
        assert_eq!(
            parse_setting(OsStr::new("/f/#x/a.ttf")),
            (PathBuf::from("/f/#x/a.ttf"), 0)
        );
    }

    #[test]
    fn no_candidate_names_the_package() {
        let error = find_in(&[("/nonexistent/zhiyuan/a.ttc", 2)]).unwrap_err().to_string();
        assert!(error.contains("fonts-noto-cjk"), "{error}");
        assert!(error.contains("/nonexistent/zhiyuan/a.ttc"), "{error}");
    }

    #[test]
    fn a_file_that_is_no_font_is_refused() {
        // Read at run time: a build reused from another checkout of the
        // repository must not point at that checkout's files.
        let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR for tests");
        let error = CjkFont::from_file(&Path::new(&manifest_dir).join("Cargo.toml"), 0)
            .unwrap_err()
            .to_string();
        assert!(error.contains("not a usable Chinese font"), "{error}");
        assert!(error.contains("fonts-noto-cjk"), "{error}");
    }

    #[test]
    fn shaper_measures_chinese_as_full_width() {
        let font = CjkFont::find().unwrap();
        let shaper = font.shaper().unwrap();
        assert!((shaper.width("志愿", 10.0) - 20.0).abs() < 0.5);
        let glyphs = shaper.glyphs("张a");
        assert_eq!(glyphs.len(), 2);
        assert_eq!(glyphs[1].text_range, 3..4);
        assert_ne!(glyphs[0].glyph_id, GlyphId::new(0));
    }
}
