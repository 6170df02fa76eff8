//! Drawing the certificate with krilla: page 1 with the title, identity block and QR code,
//! the service table continued over as many pages as it needs (header repeated), the
//! issuer and certificate blocks after it, and a footer with the page numbers on every page.

use krilla::Document;
use krilla::action::LinkAction;
use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineJoin, Stroke};
use krilla::surface::Surface;
use krilla::text::Font;

use crate::font::Shaper;
use crate::format::{check_hours, date_long, date_short, hours};
use crate::layout::*;
use crate::qr::qr_path;
use crate::{Certificate, CertificateError, CjkFont};

/// The sentence above the place for the seal.
const STATEMENT: &str = "本证明依据志愿服务记录出具。扫描第 1 页二维码或访问其下方的网址，可核验本证明的真伪。";

/// Renders `certificate` as an A4 PDF in `font`.
///
/// Fails if an hour figure is negative or not a number, if the verification URL is empty
/// or too long for a QR code, or if the PDF writer fails.
pub fn render(certificate: &Certificate, font: &CjkFont) -> Result<Vec<u8>, CertificateError> {
    check(certificate)?;
    let pen = Pen {
        font: font.pdf_font().clone(),
        shaper: font.shaper()?,
    };
    let url = certificate.verify_url.trim();
    let url_lines = pen.wrap(url, QR_COLUMN_WIDTH, URL_SIZE, URL_MAX_LINES);
    let rows = table_rows(certificate, &pen);
    let closing = Closing {
        statement: pen.wrap(STATEMENT, CONTENT_WIDTH, TABLE_SIZE, 3),
    };
    let table_top = first_table_top(url_lines.len());
    let heights: Vec<f32> = rows.iter().map(|row| row.height).collect();
    let plan = paginate(
        &heights,
        CONTENT_BOTTOM - table_top - TABLE_HEADER_HEIGHT,
        CONTENT_BOTTOM - CONTINUED_TABLE_TOP - TABLE_HEADER_HEIGHT,
        closing.height(),
    );

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("志愿服务证明 {}", certificate.number))
            .language("zh-CN".to_owned())
            .creator("Zhiyuan".to_owned()),
    );
    for (index, page_plan) in plan.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| CertificateError::Pdf("invalid page size".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let mut y = if index == 0 {
            draw_first_page_head(&mut surface, &pen, certificate, url, &url_lines)?;
            table_top
        } else {
            draw_running_head(&mut surface, &pen, certificate);
            CONTINUED_TABLE_TOP
        };
        if page_plan.rows.is_empty() {
            y -= Closing::GAP;
        } else {
            y = draw_table(&mut surface, &pen, y, &rows[page_plan.rows.clone()]);
        }
        if page_plan.closing {
            closing.draw(&mut surface, &pen, certificate, y);
        }
        draw_footer(&mut surface, &pen, certificate, index + 1, plan.len());
        surface.finish();
        if index == 0 {
            let bottom = URL_FIRST_BASELINE + URL_LINE_HEIGHT * url_lines.len().saturating_sub(1) as f32 + 3.0;
            if let Some(rect) = Rect::from_ltrb(RIGHT - QR_COLUMN_WIDTH, QR_TOP, RIGHT, bottom) {
                let link = LinkAnnotation::new(rect, Target::Action(LinkAction::new(url.to_owned()).into()));
                page.add_annotation(Annotation::new_link(link, Some("扫码验证".to_owned())));
            }
        }
        page.finish();
    }
    document.finish().map_err(|e| CertificateError::Pdf(e.to_string()))
}

/// Refuses data that cannot be printed.
fn check(certificate: &Certificate) -> Result<(), CertificateError> {
    check_hours(certificate.credit_hours, "credit_hours")?;
    check_hours(certificate.honor_hours, "honor_hours")?;
    check_hours(
        certificate.credit_hours + certificate.honor_hours,
        "credit_hours + honor_hours",
    )?;
    for (index, record) in certificate.records.iter().enumerate() {
        check_hours(
            record.hours,
            &format!("the hours of record {} ({})", index + 1, record.date),
        )?;
    }
    if certificate.verify_url.trim().is_empty() {
        return Err(CertificateError::InvalidData("verify_url is empty".to_owned()));
    }
    Ok(())
}

/// How a piece of text is set.
#[derive(Clone, Copy)]
enum Ink {
    Body,
    Muted,
    Bold,
}

/// Colours.
fn black() -> rgb::Color {
    rgb::Color::new(0, 0, 0)
}
fn body() -> rgb::Color {
    rgb::Color::new(34, 34, 34)
}
fn muted() -> rgb::Color {
    rgb::Color::new(110, 110, 110)
}
fn accent() -> rgb::Color {
    rgb::Color::new(168, 30, 36)
}
fn hairline() -> rgb::Color {
    rgb::Color::new(208, 208, 208)
}
fn header_background() -> rgb::Color {
    rgb::Color::new(242, 242, 242)
}

/// Measures and draws text in the certificate's font.
struct Pen<'a> {
    font: Font,
    shaper: Shaper<'a>,
}

impl Pen<'_> {
    fn width(&self, text: &str, size: f32) -> f32 {
        self.shaper.width(text, size)
    }

    /// `text` broken into at most `max_lines` lines of at most `width` points at `size`.
    fn wrap(&self, text: &str, width: f32, size: f32, max_lines: usize) -> Vec<String> {
        wrap(&one_line(text), width, max_lines, |ch| self.shaper.advance(ch) * size)
    }

    /// `text` on one line of at most `width` points, cut short with "…" if need be.
    fn fit(&self, text: &str, width: f32, size: f32) -> String {
        self.wrap(text, width, size, 1).into_iter().next().unwrap_or_default()
    }

    /// Draws `text` starting at `x` on `baseline`. Bold is faked by also stroking the outlines
    /// thinly, so that one font file is enough.
    fn draw(&self, surface: &mut Surface<'_>, x: f32, baseline: f32, size: f32, ink: Ink, text: &str) {
        if text.is_empty() {
            return;
        }
        let (color, bold) = match ink {
            Ink::Body => (body(), false),
            Ink::Muted => (muted(), false),
            Ink::Bold => (black(), true),
        };
        surface.set_fill(Some(Fill {
            paint: color.into(),
            ..Fill::default()
        }));
        surface.set_stroke(bold.then(|| Stroke {
            paint: color.into(),
            width: size * 0.03,
            line_join: LineJoin::Round,
            ..Stroke::default()
        }));
        let glyphs = self.shaper.glyphs(text);
        surface.draw_glyphs(
            Point::from_xy(x, baseline),
            &glyphs,
            self.font.clone(),
            text,
            size,
            false,
        );
        surface.set_stroke(None);
    }

    /// Draws `text` ending at `right`.
    fn draw_right(&self, surface: &mut Surface<'_>, right: f32, baseline: f32, size: f32, ink: Ink, text: &str) {
        self.draw(surface, right - self.width(text, size), baseline, size, ink, text);
    }

    /// Draws `text` centred on `center`.
    fn draw_centered(&self, surface: &mut Surface<'_>, center: f32, baseline: f32, size: f32, ink: Ink, text: &str) {
        self.draw(
            surface,
            center - self.width(text, size) / 2.0,
            baseline,
            size,
            ink,
            text,
        );
    }
}

/// Fills a rectangle (also used for rules: a rule is a thin rectangle).
fn fill_rect(surface: &mut Surface<'_>, x: f32, y: f32, width: f32, height: f32, color: rgb::Color) {
    let mut builder = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(x, y, width, height) {
        builder.push_rect(rect);
    }
    if let Some(path) = builder.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(Fill {
            paint: color.into(),
            ..Fill::default()
        }));
        surface.draw_path(&path);
    }
}

/// A horizontal rule across the content width, centred on `y`.
fn rule(surface: &mut Surface<'_>, y: f32, thickness: f32, color: rgb::Color) {
    fill_rect(surface, LEFT, y - thickness / 2.0, CONTENT_WIDTH, thickness, color);
}

/// A block heading with a short accent bar before it; takes [`HEADING_HEIGHT`].
fn heading(surface: &mut Surface<'_>, pen: &Pen<'_>, top: f32, text: &str) {
    fill_rect(surface, LEFT, top + 3.0, 3.0, 12.0, accent());
    pen.draw(surface, LEFT + 8.0, top + 13.5, HEADING_SIZE, Ink::Bold, text);
}

/// One "label：value" line, the value cut short to the `width` given for both.
/// An empty value shows as a dash, so that a gap does not look like a printing fault.
fn field(surface: &mut Surface<'_>, pen: &Pen<'_>, x: f32, top: f32, width: f32, label: &str, value: &str) {
    let baseline = top + 14.0;
    pen.draw(surface, x, baseline, FIELD_SIZE, Ink::Muted, &format!("{label}："));
    let value = pen.fit(value, width - LABEL_WIDTH - 8.0, FIELD_SIZE);
    let value = if value.is_empty() { "—".to_owned() } else { value };
    pen.draw(surface, x + LABEL_WIDTH, baseline, FIELD_SIZE, Ink::Body, &value);
}

/// Page 1 above the table: title, identity block, QR code column, service summary.
fn draw_first_page_head(
    surface: &mut Surface<'_>,
    pen: &Pen<'_>,
    certificate: &Certificate,
    url: &str,
    url_lines: &[String],
) -> Result<(), CertificateError> {
    pen.draw_centered(
        surface,
        PAGE_WIDTH / 2.0,
        TITLE_BASELINE,
        TITLE_SIZE,
        Ink::Bold,
        "志愿服务证明",
    );
    rule(surface, TITLE_RULE, 1.2, accent());
    rule(surface, TITLE_RULE + 2.5, 0.4, accent());

    heading(surface, pen, IDENTITY_TOP, "志愿者信息");
    let holder = &certificate.holder;
    let fields = [
        ("姓名", &holder.name),
        ("证件类型", &holder.id_type),
        ("证件号码", &holder.masked_id),
        ("志愿者编号", &holder.volunteer_no),
    ];
    let fields_width = CONTENT_WIDTH - QR_COLUMN_WIDTH - 12.0;
    let mut top = IDENTITY_TOP + HEADING_HEIGHT;
    for (label, value) in fields {
        field(surface, pen, LEFT, top, fields_width, label, value);
        top += FIELD_HEIGHT;
    }

    let column_center = RIGHT - QR_COLUMN_WIDTH / 2.0;
    let qr = qr_path(url, column_center - QR_SIZE / 2.0, QR_TOP, QR_SIZE)?;
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: black().into(),
        ..Fill::default()
    }));
    surface.draw_path(&qr);
    pen.draw_centered(
        surface,
        column_center,
        QR_CAPTION_BASELINE,
        TABLE_SIZE,
        Ink::Bold,
        "扫码验证",
    );
    let mut baseline = URL_FIRST_BASELINE;
    for line in url_lines {
        pen.draw_centered(surface, column_center, baseline, URL_SIZE, Ink::Muted, line);
        baseline += URL_LINE_HEIGHT;
    }

    let top = service_top(url_lines.len());
    heading(surface, pen, top, "志愿服务信息");
    let baseline = top + HEADING_HEIGHT + 14.0;
    pen.draw(surface, LEFT, baseline, FIELD_SIZE, Ink::Muted, "总时长：");
    let total = hours(certificate.credit_hours + certificate.honor_hours);
    pen.draw(surface, LEFT + LABEL_WIDTH, baseline, FIELD_SIZE, Ink::Bold, &total);
    let parts = format!(
        "（信用时长 {}，荣誉时长 {}）",
        hours(certificate.credit_hours),
        hours(certificate.honor_hours)
    );
    let parts_x = LEFT + LABEL_WIDTH + pen.width(&total, FIELD_SIZE) + 2.0;
    pen.draw(surface, parts_x, baseline, FIELD_SIZE, Ink::Body, &parts);
    let count = format!("共 {} 条服务记录", certificate.records.len());
    pen.draw_right(surface, RIGHT, baseline, TABLE_SIZE, Ink::Muted, &count);
    Ok(())
}

/// The head of every page after the first.
fn draw_running_head(surface: &mut Surface<'_>, pen: &Pen<'_>, certificate: &Certificate) {
    pen.draw(
        surface,
        LEFT,
        RUNNING_HEAD_BASELINE,
        HEADING_SIZE,
        Ink::Bold,
        "志愿服务证明（续）",
    );
    let holder = pen.fit(
        &format!("持证人：{}", certificate.holder.name),
        CONTENT_WIDTH / 2.0,
        TABLE_SIZE,
    );
    pen.draw_right(surface, RIGHT, RUNNING_HEAD_BASELINE, TABLE_SIZE, Ink::Muted, &holder);
    rule(surface, RUNNING_HEAD_RULE, 0.6, accent());
}

/// The footer of every page: certificate number and page numbers.
fn draw_footer(surface: &mut Surface<'_>, pen: &Pen<'_>, certificate: &Certificate, page: usize, pages: usize) {
    rule(surface, FOOTER_RULE, 0.4, hairline());
    let number = pen.fit(
        &format!("证明编号：{}", certificate.number),
        CONTENT_WIDTH * 0.7,
        SMALL_SIZE,
    );
    pen.draw(surface, LEFT, FOOTER_BASELINE, SMALL_SIZE, Ink::Muted, &number);
    let numbering = format!("第 {page} 页 / 共 {pages} 页");
    pen.draw_right(surface, RIGHT, FOOTER_BASELINE, SMALL_SIZE, Ink::Muted, &numbering);
}

/// One row of the service table, its text already broken into lines per column.
struct Row {
    cells: [Vec<String>; COLUMNS.len()],
    height: f32,
}

/// The rows of the service table; a single "no records" row if there are none.
fn table_rows(certificate: &Certificate, pen: &Pen<'_>) -> Vec<Row> {
    if certificate.records.is_empty() {
        let mut cells: [Vec<String>; COLUMNS.len()] = Default::default();
        cells[1] = vec!["暂无服务记录".to_owned()];
        return vec![Row {
            cells,
            height: row_height(1),
        }];
    }
    certificate
        .records
        .iter()
        .map(|record| {
            let (date, hours) = (date_short(record.date), hours(record.hours));
            let texts = [&date, &record.activity, &record.content, &record.organization, &hours];
            let cells: [Vec<String>; COLUMNS.len()] = std::array::from_fn(|column| {
                let Column { width, max_lines, .. } = COLUMNS[column];
                pen.wrap(texts[column], width - 2.0 * CELL_PADDING_X, TABLE_SIZE, max_lines)
            });
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
            Row {
                cells,
                height: row_height(lines),
            }
        })
        .collect()
}

/// Draws the table header and `rows` from `top`; returns the bottom of the table.
fn draw_table(surface: &mut Surface<'_>, pen: &Pen<'_>, top: f32, rows: &[Row]) -> f32 {
    fill_rect(
        surface,
        LEFT,
        top,
        CONTENT_WIDTH,
        TABLE_HEADER_HEIGHT,
        header_background(),
    );
    rule(surface, top, 0.8, body());
    draw_cells(surface, pen, top + 13.5, Ink::Bold, |column| {
        std::slice::from_ref(&COLUMNS[column].title)
    });
    let mut y = top + TABLE_HEADER_HEIGHT;
    rule(surface, y, 0.5, body());
    for (index, row) in rows.iter().enumerate() {
        draw_cells(surface, pen, y + CELL_BASELINE, Ink::Body, |column| &row.cells[column]);
        y += row.height;
        if index + 1 < rows.len() {
            rule(surface, y, 0.3, hairline());
        }
    }
    rule(surface, y, 0.8, body());
    y
}

/// Draws one table row's lines, `lines(column)` giving each column's lines.
fn draw_cells<'r, T: AsRef<str> + 'r>(
    surface: &mut Surface<'_>,
    pen: &Pen<'_>,
    first_baseline: f32,
    ink: Ink,
    lines: impl Fn(usize) -> &'r [T],
) {
    let mut x = LEFT;
    for (index, column) in COLUMNS.iter().enumerate() {
        let mut baseline = first_baseline;
        for line in lines(index) {
            if column.right_aligned {
                pen.draw_right(
                    surface,
                    x + column.width - CELL_PADDING_X,
                    baseline,
                    TABLE_SIZE,
                    ink,
                    line.as_ref(),
                );
            } else {
                pen.draw(surface, x + CELL_PADDING_X, baseline, TABLE_SIZE, ink, line.as_ref());
            }
            baseline += TABLE_LINE_HEIGHT;
        }
        x += column.width;
    }
}

/// The issuer and certificate blocks and the place for the seal, after the table.
struct Closing {
    statement: Vec<String>,
}

impl Closing {
    /// Space between the table and the closing blocks.
    const GAP: f32 = 18.0;
    const STATEMENT_LINE_HEIGHT: f32 = 14.0;
    const SEAL_HEIGHT: f32 = 72.0;

    fn height(&self) -> f32 {
        Self::GAP
            + HEADING_HEIGHT
            + 3.0 * FIELD_HEIGHT
            + 10.0
            + HEADING_HEIGHT
            + FIELD_HEIGHT
            + 8.0
            + Self::STATEMENT_LINE_HEIGHT * self.statement.len() as f32
            + Self::SEAL_HEIGHT
    }

    fn draw(&self, surface: &mut Surface<'_>, pen: &Pen<'_>, certificate: &Certificate, top: f32) {
        let issuer = &certificate.issuer;
        let half = CONTENT_WIDTH / 2.0;
        let mut y = top + Self::GAP;
        heading(surface, pen, y, "出具单位信息");
        y += HEADING_HEIGHT;
        field(surface, pen, LEFT, y, CONTENT_WIDTH, "出具单位", &issuer.name);
        y += FIELD_HEIGHT;
        field(surface, pen, LEFT, y, half, "负责人", &issuer.person_in_charge);
        field(surface, pen, LEFT + half, y, half, "经办人", &issuer.handling_officer);
        y += FIELD_HEIGHT;
        field(surface, pen, LEFT, y, CONTENT_WIDTH, "联系方式", &issuer.contact);
        y += FIELD_HEIGHT + 10.0;

        heading(surface, pen, y, "证明信息");
        y += HEADING_HEIGHT;
        let issued_on = date_long(certificate.issued_on);
        field(surface, pen, LEFT, y, half, "证明编号", &certificate.number);
        field(surface, pen, LEFT + half, y, half, "出具日期", &issued_on);
        y += FIELD_HEIGHT + 8.0;

        for line in &self.statement {
            pen.draw(surface, LEFT, y + 10.0, TABLE_SIZE, Ink::Muted, line);
            y += Self::STATEMENT_LINE_HEIGHT;
        }
        let seal_center = RIGHT - 80.0;
        pen.draw_centered(
            surface,
            seal_center,
            y + 36.0,
            FIELD_SIZE,
            Ink::Body,
            "出具单位（盖章）",
        );
        pen.draw_centered(surface, seal_center, y + 58.0, FIELD_SIZE, Ink::Body, &issued_on);
    }
}
