//! Page geometry and the layout decisions that do not draw anything: cleaning and wrapping
//! text to a width, and splitting the service table over pages.
//!
//! Coordinates are PDF points (1/72 inch), measured from the top-left corner of the page.

use std::ops::Range;

/// A4 portrait.
pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
pub(crate) const LEFT: f32 = 56.0;
pub(crate) const RIGHT: f32 = PAGE_WIDTH - 56.0;
pub(crate) const CONTENT_WIDTH: f32 = RIGHT - LEFT;
pub(crate) const TOP: f32 = 50.0;
/// Nothing but the footer goes below this line.
pub(crate) const CONTENT_BOTTOM: f32 = PAGE_HEIGHT - 64.0;

/// Font sizes.
pub(crate) const TITLE_SIZE: f32 = 22.0;
pub(crate) const HEADING_SIZE: f32 = 12.0;
pub(crate) const FIELD_SIZE: f32 = 10.5;
pub(crate) const TABLE_SIZE: f32 = 9.0;
pub(crate) const SMALL_SIZE: f32 = 8.0;
pub(crate) const URL_SIZE: f32 = 7.0;

/// A block heading ("一、志愿者信息") takes this much height, its baseline 13 pt down.
pub(crate) const HEADING_HEIGHT: f32 = 24.0;
/// One "label: value" line of a block, its baseline 14 pt down.
pub(crate) const FIELD_HEIGHT: f32 = 20.0;
/// Width reserved for a field label such as "志愿者编号：".
pub(crate) const LABEL_WIDTH: f32 = 68.0;

/// Page 1: title, then the identity block with the QR code column on its right.
pub(crate) const TITLE_BASELINE: f32 = TOP + 26.0;
pub(crate) const TITLE_RULE: f32 = TOP + 40.0;
pub(crate) const IDENTITY_TOP: f32 = TOP + 56.0;
pub(crate) const QR_COLUMN_WIDTH: f32 = 150.0;
pub(crate) const QR_SIZE: f32 = 96.0;
pub(crate) const QR_TOP: f32 = IDENTITY_TOP + 4.0;
pub(crate) const QR_CAPTION_BASELINE: f32 = QR_TOP + QR_SIZE + 12.0;
pub(crate) const URL_FIRST_BASELINE: f32 = QR_CAPTION_BASELINE + 11.0;
pub(crate) const URL_LINE_HEIGHT: f32 = 9.0;
/// A longer URL is cut short under the QR code (the QR code and the link hold all of it).
pub(crate) const URL_MAX_LINES: usize = 4;
pub(crate) const IDENTITY_FIELDS: usize = 4;

/// Pages after the first: a running head, then the table.
pub(crate) const RUNNING_HEAD_BASELINE: f32 = TOP + 12.0;
pub(crate) const RUNNING_HEAD_RULE: f32 = TOP + 22.0;
pub(crate) const CONTINUED_TABLE_TOP: f32 = TOP + 34.0;

/// The footer: a rule and one line of small text.
pub(crate) const FOOTER_RULE: f32 = PAGE_HEIGHT - 50.0;
pub(crate) const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 36.0;

/// The service table.
pub(crate) const TABLE_HEADER_HEIGHT: f32 = 20.0;
pub(crate) const CELL_PADDING_X: f32 = 4.0;
pub(crate) const CELL_PADDING_Y: f32 = 4.0;
pub(crate) const TABLE_LINE_HEIGHT: f32 = 12.0;
/// The baseline of a cell's first line, below the top of its row.
pub(crate) const CELL_BASELINE: f32 = CELL_PADDING_Y + 9.5;

/// One column of the service table.
pub(crate) struct Column {
    pub title: &'static str,
    pub width: f32,
    /// Longer text is wrapped to this many lines, the last one ending in "…".
    pub max_lines: usize,
    /// Numbers are set flush right.
    pub right_aligned: bool,
}

/// 日期, 活动, 服务内容, 组织, 时长; together exactly the content width.
pub(crate) const COLUMNS: [Column; 5] = [
    Column {
        title: "日期",
        width: 62.0,
        max_lines: 1,
        right_aligned: false,
    },
    Column {
        title: "活动",
        width: 116.0,
        max_lines: 2,
        right_aligned: false,
    },
    Column {
        title: "服务内容",
        width: 150.0,
        max_lines: 3,
        right_aligned: false,
    },
    Column {
        title: "组织",
        width: CONTENT_WIDTH - 62.0 - 116.0 - 150.0 - 56.0,
        max_lines: 2,
        right_aligned: false,
    },
    Column {
        title: "时长",
        width: 56.0,
        max_lines: 1,
        right_aligned: true,
    },
];

/// Height of a table row whose tallest cell has `lines` lines.
pub(crate) fn row_height(lines: usize) -> f32 {
    2.0 * CELL_PADDING_Y + TABLE_LINE_HEIGHT * lines.max(1) as f32
}

/// Where the service block starts on page 1, below the identity block and the QR column
/// (whose height depends on how many lines the URL takes).
pub(crate) fn service_top(url_lines: usize) -> f32 {
    let fields_bottom = IDENTITY_TOP + HEADING_HEIGHT + FIELD_HEIGHT * IDENTITY_FIELDS as f32;
    let qr_column_bottom = URL_FIRST_BASELINE + URL_LINE_HEIGHT * url_lines.saturating_sub(1) as f32 + 4.0;
    fields_bottom.max(qr_column_bottom) + 14.0
}

/// Where the table starts on page 1: below the service heading and the hours summary line.
pub(crate) fn first_table_top(url_lines: usize) -> f32 {
    service_top(url_lines) + HEADING_HEIGHT + FIELD_HEIGHT + 8.0
}

/// Text as one line: every run of whitespace or control characters becomes one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Breaks `text` (already [`one_line`]) into at most `max_lines` lines no wider than `width`,
/// `advance` giving each character's width. Chinese breaks between any two characters;
/// runs of ASCII letters and digits are kept together where they fit on a line. If text is
/// left over, the last line ends in "…".
pub(crate) fn wrap(text: &str, width: f32, max_lines: usize, advance: impl Fn(char) -> f32) -> Vec<String> {
    let max_lines = max_lines.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0;
    let mut cut_short = false;
    'units: for unit in units(text) {
        let unit_width: f32 = unit.chars().map(&advance).sum();
        if line_width + unit_width <= width {
            line.push_str(unit);
            line_width += unit_width;
            continue;
        }
        if !line.is_empty() && unit_width <= width {
            // The unit starts the next line.
            lines.push(line.trim_end().to_owned());
            if lines.len() == max_lines {
                cut_short = true;
                break;
            }
            line.clear();
            line_width = 0.0;
            if unit != " " {
                line.push_str(unit);
                line_width = unit_width;
            }
            continue;
        }
        // Wider than a whole line: break it between characters.
        for ch in unit.chars() {
            let ch_width = advance(ch);
            if line_width + ch_width > width && !line.is_empty() {
                lines.push(line.trim_end().to_owned());
                if lines.len() == max_lines {
                    cut_short = true;
                    break 'units;
                }
                line.clear();
                line_width = 0.0;
            }
            line.push(ch);
            line_width += ch_width;
        }
    }
    if !cut_short && !line.trim().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    if cut_short && let Some(last) = lines.last_mut() {
        end_with_ellipsis(last, width, &advance);
    }
    lines
}

/// Shortens `line` until "…" fits after it within `width`, and appends it.
fn end_with_ellipsis(line: &mut String, width: f32, advance: &impl Fn(char) -> f32) {
    let ellipsis = '…';
    let mut line_width: f32 = line.chars().map(advance).sum();
    while line_width + advance(ellipsis) > width
        && let Some(ch) = line.pop()
    {
        line_width -= advance(ch);
    }
    line.truncate(line.trim_end().len());
    line.push(ellipsis);
}

/// Splits text into the pieces that wrapping keeps together: runs of ASCII letters and
/// digits, and single other characters.
fn units(text: &str) -> Vec<&str> {
    let mut units = Vec::new();
    let mut word_start = None;
    for (at, ch) in text.char_indices() {
        if ch.is_ascii_alphanumeric() {
            word_start.get_or_insert(at);
            continue;
        }
        if let Some(start) = word_start.take() {
            units.push(&text[start..at]);
        }
        units.push(&text[at..at + ch.len_utf8()]);
    }
    if let Some(start) = word_start {
        units.push(&text[start..]);
    }
    units
}

/// What one page holds of the service table, and whether the closing blocks (issuer and
/// certificate) come after it on that page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PagePlan {
    pub rows: Range<usize>,
    pub closing: bool,
}

/// How many table rows go along with the closing blocks to a new page.
const ROWS_KEPT_WITH_CLOSING: usize = 2;

/// Splits table rows of `heights` over pages: `first` and `rest` are the heights available
/// for rows below the table header on page 1 and on later pages; the closing blocks need
/// `closing` below the last row, or go to a new page together with the last rows of the
/// table. Every page holds at least one row, except where a single row could not be kept
/// with the closing blocks.
pub(crate) fn paginate(heights: &[f32], first: f32, rest: f32, closing: f32) -> Vec<PagePlan> {
    let mut pages = Vec::new();
    let mut start = 0;
    let mut available = first;
    loop {
        let mut used = 0.0;
        let mut end = start;
        while end < heights.len() && (end == start || used + heights[end] <= available) {
            used += heights[end];
            end += 1;
        }
        if end == heights.len() {
            if available - used >= closing {
                pages.push(PagePlan {
                    rows: start..end,
                    closing: true,
                });
            } else {
                // Carry the last rows over, so that the closing blocks do not stand alone.
                let carried = (end - start).saturating_sub(1).min(ROWS_KEPT_WITH_CLOSING);
                pages.push(PagePlan {
                    rows: start..end - carried,
                    closing: false,
                });
                pages.push(PagePlan {
                    rows: end - carried..end,
                    closing: true,
                });
            }
            return pages;
        }
        pages.push(PagePlan {
            rows: start..end,
            closing: false,
        });
        start = end;
        available = rest;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chinese characters 1 wide, everything else 0.5.
    fn advance(ch: char) -> f32 {
        if ch.is_ascii() { 0.5 } else { 1.0 }
    }

    #[test]
    fn columns_fill_the_content_width() {
        let total: f32 = COLUMNS.iter().map(|c| c.width).sum();
        assert!((total - CONTENT_WIDTH).abs() < 0.01);
    }

    #[test]
    fn one_line_collapses_whitespace_and_controls() {
        assert_eq!(one_line("  社区\n\t清扫 \u{7}活动 "), "社区 清扫 活动");
    }

    #[test]
    fn short_text_stays_on_one_line() {
        assert_eq!(wrap("社区清扫", 10.0, 2, advance), vec!["社区清扫"]);
        assert!(wrap("", 10.0, 2, advance).is_empty());
    }

    #[test]
    fn chinese_breaks_anywhere_and_ends_in_an_ellipsis() {
        assert_eq!(wrap("一二三四五六七", 3.0, 5, advance), vec!["一二三", "四五六", "七"]);
        assert_eq!(wrap("一二三四五六七", 3.0, 2, advance), vec!["一二三", "四五…"]);
    }

    #[test]
    fn latin_words_are_kept_together() {
        assert_eq!(wrap("ab cd efgh", 3.0, 3, advance), vec!["ab cd", "efgh"]);
        // A word longer than a line is broken.
        assert_eq!(wrap("abcdefghij", 2.0, 3, advance), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn urls_break_at_punctuation() {
        let lines = wrap("https://zy.example.cn/verify/ZY3601", 8.0, 4, advance);
        assert_eq!(lines.concat(), "https://zy.example.cn/verify/ZY3601");
        assert!(lines.iter().all(|l| l.chars().map(advance).sum::<f32>() <= 8.0));
    }

    #[test]
    fn rows_are_split_over_pages() {
        let heights = [10.0; 7];
        let plan = paginate(&heights, 30.0, 40.0, 15.0);
        assert_eq!(
            plan,
            vec![
                PagePlan {
                    rows: 0..3,
                    closing: false
                },
                PagePlan {
                    rows: 3..5,
                    closing: false
                },
                PagePlan {
                    rows: 5..7,
                    closing: true
                },
            ]
        );
        let plan = paginate(&heights, 30.0, 60.0, 15.0);
        assert_eq!(
            plan.last(),
            Some(&PagePlan {
                rows: 3..7,
                closing: true
            })
        );
        assert_eq!(
            paginate(&[10.0], 100.0, 100.0, 15.0),
            vec![PagePlan {
                rows: 0..1,
                closing: true
            }]
        );
    }

    #[test]
    fn a_row_taller_than_a_page_still_gets_a_page() {
        let plan = paginate(&[50.0, 50.0], 40.0, 40.0, 0.0);
        let rows: Vec<_> = plan.iter().map(|page| page.rows.clone()).collect();
        assert_eq!(rows, vec![0..1, 1..2, 2..2]);
    }
}
