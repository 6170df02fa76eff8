//! Charts drawn on the server as SVG (no chart script, nothing from a
//! CDN): a trend line and a bar of shares. Each carries its title and a
//! description for screen readers; the pages print the numbers as a table
//! beside them too. Every text put into the SVG is escaped here.

use std::fmt::Write;

/// The drawing area of a trend line, in SVG units (the chart scales to its box).
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

/// `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The smallest "round" number (1, 2 or 5 times a power of ten) at or above `value`.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|step| step * power)
        .find(|candidate| *candidate >= value)
        .unwrap_or(10.0 * power)
}

/// A number as a label: whole numbers without decimals, others with at most two.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A line through `points` (label, value), from left to right, with the
/// value axis from 0 to a round number above the largest value. `id`
/// names the chart's title and description for `aria-labelledby`.
pub fn line_chart(id: &str, title: &str, description: &str, points: &[(String, f64)]) -> String {
    let top_value = nice_ceiling(points.iter().map(|(_, v)| *v).fold(0.0, f64::max));
    let (plot_width, plot_height) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x = |index: usize| {
        if points.len() <= 1 {
            LEFT + plot_width / 2.0
        } else {
            LEFT + plot_width * index as f64 / (points.len() - 1) as f64
        }
    };
    let y = |value: f64| TOP + plot_height * (1.0 - value.max(0.0) / top_value);
    let (id, title, description) = (escape(id), escape(title), escape(description));
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart line\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" preserveAspectRatio=\"xMidYMid meet\">\
         <title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{description}</desc>"
    );
    // Grid lines and value labels at 0, half and the top.
    for fraction in [0.0, 0.5, 1.0] {
        let value = top_value * fraction;
        let line_y = y(value);
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{line_y:.1}\" x2=\"{:.1}\" y2=\"{line_y:.1}\"/>\
             <text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            line_y + 4.0,
            number(value)
        );
    }
    if !points.is_empty() {
        let path: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(index, (_, value))| format!("{:.1},{:.1}", x(index), y(*value)))
            .collect();
        let _ = write!(svg, "<polyline class=\"trend\" points=\"{}\"/>", path.join(" "));
        // Labels under the first, the middle and the last point.
        let mut labelled = vec![0, points.len() / 2, points.len() - 1];
        labelled.dedup();
        for index in labelled {
            // The first label starts at its point and the last ends at it, so neither leaves the box.
            let anchor = match index {
                0 if points.len() > 1 => "start",
                last if last + 1 == points.len() && points.len() > 1 => "end",
                _ => "middle",
            };
            let _ = write!(
                svg,
                "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                x(index),
                HEIGHT - 12.0,
                escape(&points[index].0)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One part of a bar of shares: its label, value and CSS class (its colour).
pub struct Part<'a> {
    pub label: &'a str,
    pub value: f64,
    pub class: &'a str,
}

/// A horizontal bar split into `parts` in proportion to their values, each
/// part labelled with its share in per cent below the bar.
pub fn share_bar(id: &str, title: &str, parts: &[Part<'_>]) -> String {
    let total: f64 = parts.iter().map(|p| p.value.max(0.0)).sum();
    let (width, bar_height) = (WIDTH, 28.0);
    let described: Vec<String> = parts
        .iter()
        .map(|p| format!("{} {}%", p.label, number(percent(p.value, total))))
        .collect();
    let (id, title) = (escape(id), escape(title));
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart shares\" viewBox=\"0 0 {width} 64\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" preserveAspectRatio=\"xMidYMid meet\">\
         <title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(&described.join(", "))
    );
    let mut left = 0.0;
    for (index, part) in parts.iter().enumerate() {
        let part_width = if total > 0.0 {
            width * part.value.max(0.0) / total
        } else {
            0.0
        };
        let _ = write!(
            svg,
            "<rect class=\"{}\" x=\"{left:.1}\" y=\"0\" width=\"{part_width:.1}\" height=\"{bar_height}\"/>\
             <text class=\"axis\" x=\"{:.1}\" y=\"52\">{}</text>",
            escape(part.class),
            width * index as f64 / parts.len().max(1) as f64,
            escape(&described[index])
        );
        left += part_width;
    }
    if total == 0.0 {
        let _ = write!(
            svg,
            "<rect class=\"empty\" x=\"0\" y=\"0\" width=\"{width}\" height=\"{bar_height}\"/>"
        );
    }
    svg.push_str("</svg>");
    svg
}

fn percent(value: f64, total: f64) -> f64 {
    if total > 0.0 {
        (value.max(0.0) / total * 1000.0).round() / 10.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_a_chart_is_escaped() {
        let chart = line_chart("trend", "<script>alert(1)</script>", "a & b", &[("<b>".into(), 1.0)]);
        assert!(!chart.contains("<script>"));
        assert!(chart.contains("&lt;script&gt;"));
        assert!(chart.contains("a &amp; b"));
        assert!(chart.contains("&lt;b&gt;"));
    }

    #[test]
    fn the_value_axis_ends_at_a_round_number_above_the_largest_value() {
        assert_eq!(nice_ceiling(7.3), 10.0);
        assert_eq!(nice_ceiling(12.0), 20.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(500.0), 500.0);
        let chart = line_chart(
            "t",
            "hours",
            "",
            &[("1".into(), 0.0), ("2".into(), 42.0), ("3".into(), 7.0)],
        );
        // The highest point touches the top of the plot at 50.
        assert!(chart.contains(">50</text>"), "{chart}");
        assert!(chart.contains("<polyline"));
    }

    #[test]
    fn an_empty_series_draws_axes_only() {
        let chart = line_chart("t", "hours", "none", &[]);
        assert!(!chart.contains("<polyline"));
        assert!(chart.ends_with("</svg>"));
    }

    #[test]
    fn shares_are_proportional_and_described_in_per_cent() {
        let bar = share_bar(
            "kinds",
            "hour kinds",
            &[
                Part {
                    label: "credit",
                    value: 3.0,
                    class: "a",
                },
                Part {
                    label: "honor",
                    value: 1.0,
                    class: "b",
                },
            ],
        );
        assert!(bar.contains("credit 75%, honor 25%"), "{bar}");
        assert!(bar.contains("width=\"480.0\""), "{bar}");
        let empty = share_bar(
            "kinds",
            "hour kinds",
            &[Part {
                label: "credit",
                value: 0.0,
                class: "a",
            }],
        );
        assert!(empty.contains("class=\"empty\""));
    }

    #[test]
    fn numbers_drop_needless_decimals() {
        assert_eq!(number(12.0), "12");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(0.126), "0.13");
    }
}
