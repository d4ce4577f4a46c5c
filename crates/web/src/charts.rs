//! Charts (图表) drawn as SVG on the server: no script, readable on a phone (they scale to
//! the screen's width), printable, and every mark a link to the list it counts.

use std::fmt::Write;

/// Text for SVG: the chart is markup, so labels are escaped here, not by the template.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One mark: what it is, how much, where a click goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub label: String,
    pub value: i64,
    pub href: String,
}

/// The palette: distinguishable in print as grey levels too.
const COLOURS: [&str; 8] = [
    "#1f5fa8", "#d9822b", "#2e8b57", "#b03a48", "#6a4c93", "#8c8c2b", "#3a9bb0", "#7a5230",
];

const WIDTH: i64 = 360;

/// Horizontal bars, one row per mark, longest scaled to the width.
pub fn bars(title: &str, marks: &[Mark]) -> String {
    let row = 26;
    let label_w = 104;
    let value_w = 52;
    let height = row * i64::try_from(marks.len()).unwrap_or(0) + 8;
    let max = marks.iter().map(|m| m.value).max().unwrap_or(0).max(1);
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(title)
    );
    for (i, m) in marks.iter().enumerate() {
        let y = row * i64::try_from(i).unwrap_or(0) + 4;
        let w = (WIDTH - label_w - value_w) * m.value / max;
        let _ = write!(
            s,
            r#"<a href="{href}"><title>{label}：{v}</title><text x="{lx}" y="{ty}" text-anchor="end" class="label">{label}</text><rect x="{label_w}" y="{ry}" width="{w}" height="16" rx="2" fill="{c}"/><text x="{vx}" y="{ty}" class="value">{v}</text></a>"#,
            href = esc(&m.href),
            label = esc(&m.label),
            v = m.value,
            lx = label_w - 6,
            ty = y + 13,
            ry = y + 1,
            w = w.max(1),
            c = COLOURS[0],
            vx = label_w + w.max(1) + 4,
        );
    }
    s.push_str("</svg>");
    s
}

/// Two monthly series as lines with a dot per month (each dot a link); month labels below.
pub fn lines(title: &str, months: &[String], series: &[(&str, Vec<Mark>)]) -> String {
    let (left, right, top, bottom) = (30, 10, 22, 26);
    let height = 200;
    let n = i64::try_from(months.len()).unwrap_or(0).max(1);
    let max = series
        .iter()
        .flat_map(|(_, m)| m.iter().map(|m| m.value))
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let x = |i: usize| left + plot_w * i64::try_from(i).unwrap_or(0) / (n - 1).max(1);
    let y = |v: i64| top + plot_h - plot_h * v / max;
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(title)
    );
    let _ = write!(
        s,
        r#"<line x1="{left}" y1="{b}" x2="{r}" y2="{b}" class="axis"/><text x="{lt}" y="{ty}" text-anchor="end" class="label">{max}</text><text x="{lt}" y="{b}" text-anchor="end" class="label">0</text>"#,
        b = top + plot_h,
        r = WIDTH - right,
        lt = left - 4,
        ty = top + 4,
    );
    for (i, m) in months.iter().enumerate() {
        // Every other month is labelled, so twelve fit a phone.
        if i % 2 == months.len() % 2 || i + 1 == months.len() {
            let _ = write!(
                s,
                r#"<text x="{}" y="{}" text-anchor="middle" class="label">{}</text>"#,
                x(i),
                height - 8,
                esc(m.get(2..).unwrap_or(m))
            );
        }
    }
    for (k, (name, marks)) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let points: Vec<String> = marks
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{},{}", x(i), y(m.value)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            points.join(" ")
        );
        for (i, m) in marks.iter().enumerate() {
            let _ = write!(
                s,
                r#"<a href="{}"><title>{} {}：{}</title><circle cx="{}" cy="{}" r="4" fill="{colour}"/></a>"#,
                esc(&m.href),
                esc(&m.label),
                esc(name),
                m.value,
                x(i),
                y(m.value)
            );
        }
        let lx = left + 8 + 120 * i64::try_from(k).unwrap_or(0);
        let _ = write!(
            s,
            r#"<rect x="{lx}" y="6" width="10" height="10" fill="{colour}"/><text x="{}" y="15" class="label">{}</text>"#,
            lx + 14,
            esc(name)
        );
    }
    s.push_str("</svg>");
    s
}

/// A donut: each mark a slice (a link), the total in the middle, a legend beside.
pub fn donut(title: &str, centre: &str, marks: &[Mark]) -> String {
    let total: i64 = marks.iter().map(|m| m.value.max(0)).sum();
    let legend_rows = i64::try_from(marks.len()).unwrap_or(0);
    let height = (legend_rows * 22 + 10).max(170);
    // A circle of circumference 100 lets dash lengths be percentages.
    let r = 15.915_494_309_189_533_f64;
    let mut s = format!(
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><g transform="translate(10 5) scale(4)"><circle cx="20" cy="20" r="{r}" fill="none" stroke="#e5e5e5" stroke-width="6"/>"##,
        esc(title)
    );
    let mut offset = 25_i64 * 1000; // start at twelve o'clock, in thousandths
    for (i, m) in marks.iter().enumerate() {
        if total == 0 || m.value <= 0 {
            continue;
        }
        let len = m.value * 100_000 / total;
        let _ = write!(
            s,
            r#"<a href="{}"><title>{}：{}</title><circle cx="20" cy="20" r="{r}" fill="none" stroke="{}" stroke-width="6" stroke-dasharray="{}.{:03} {}.{:03}" stroke-dashoffset="{}.{:03}"/></a>"#,
            esc(&m.href),
            esc(&m.label),
            m.value,
            COLOURS[i % COLOURS.len()],
            len / 1000,
            len % 1000,
            (100_000 - len) / 1000,
            (100_000 - len) % 1000,
            offset.rem_euclid(100_000) / 1000,
            offset.rem_euclid(100_000) % 1000,
        );
        offset -= len;
    }
    let _ = write!(
        s,
        r#"<text x="20" y="21.5" text-anchor="middle" class="centre">{}</text></g>"#,
        esc(centre)
    );
    for (i, m) in marks.iter().enumerate() {
        let y = 12 + 22 * i64::try_from(i).unwrap_or(0);
        let _ = write!(
            s,
            r#"<a href="{}"><rect x="184" y="{y}" width="12" height="12" fill="{}"/><text x="202" y="{}" class="label">{}：{}</text></a>"#,
            esc(&m.href),
            COLOURS[i % COLOURS.len()],
            y + 11,
            esc(&m.label),
            m.value
        );
    }
    s.push_str("</svg>");
    s
}

/// A tile of the division grid: a map-like overview, one square per division, shaded by a
/// share (tenths of a percent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    pub name: String,
    pub value: i64,
    pub share: Option<i64>,
    pub share_text: String,
    pub href: String,
}

/// Tiles in rows of three, darker for a higher share.
pub fn grid(title: &str, tiles: &[Tile]) -> String {
    let cols = 3_i64;
    let (w, h, gap) = (116_i64, 58_i64, 6_i64);
    let rows = (i64::try_from(tiles.len()).unwrap_or(0) + cols - 1) / cols;
    let height = rows.max(1) * (h + gap);
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(title)
    );
    for (i, t) in tiles.iter().enumerate() {
        let i = i64::try_from(i).unwrap_or(0);
        let (x, y) = ((i % cols) * (w + gap), (i / cols) * (h + gap));
        // Light (no share yet) to dark blue; text turns white on the dark half.
        let shade = t.share.map_or(0, |p| p.clamp(0, 1000));
        let fill = format!(
            "rgb({},{},{})",
            235 - shade * 204 / 1000,
            240 - shade * 145 / 1000,
            248 - shade * 80 / 1000
        );
        let ink = if shade > 500 { "#fff" } else { "#1a1a1a" };
        let _ = write!(
            s,
            r#"<a href="{href}"><title>{name}：{v}户，风险消除占比{share}</title><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="4" fill="{fill}"/><text x="{tx}" y="{y1}" text-anchor="middle" fill="{ink}" class="tile-name">{name}</text><text x="{tx}" y="{y2}" text-anchor="middle" fill="{ink}" class="tile-value">{v}户 · {share}</text></a>"#,
            href = esc(&t.href),
            name = esc(&t.name),
            v = t.value,
            share = esc(&t.share_text),
            tx = x + w / 2,
            y1 = y + 24,
            y2 = y + 44,
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(label: &str, value: i64) -> Mark {
        Mark {
            label: label.into(),
            value,
            href: format!("/cases?x={value}&y=<1>"),
        }
    }

    #[test]
    fn labels_and_links_are_escaped_and_every_mark_links() {
        let svg = bars("t", &[mark("因病<script>", 3), mark("因学", 0)]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("因病&lt;script&gt;"));
        assert!(svg.contains(r#"href="/cases?x=3&amp;y=&lt;1&gt;""#));
        assert_eq!(svg.matches("<a ").count(), 2);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn donut_slices_add_up_to_the_whole_circle() {
        let svg = donut("t", "9", &[mark("a", 1), mark("b", 2), mark("c", 0)]);
        // a third and two thirds of 100: 33.333 and 66.666.
        assert!(svg.contains(r#"stroke-dasharray="33.333 66.667""#), "{svg}");
        assert!(svg.contains(r#"stroke-dasharray="66.666 33.334""#), "{svg}");
        // A zero slice is not drawn but stays in the legend.
        assert_eq!(svg.matches("stroke-dasharray").count(), 2);
        assert!(svg.contains("c：0"));
    }

    #[test]
    fn a_line_has_one_linked_dot_per_month() {
        let months: Vec<String> = (1..=12).map(|m| format!("2026-{m:02}")).collect();
        let a: Vec<Mark> = (0..12).map(|v| mark("m", v)).collect();
        let svg = lines("t", &months, &[("新识别", a.clone()), ("风险消除", a)]);
        assert_eq!(svg.matches("<circle").count(), 24);
        assert_eq!(svg.matches("<polyline").count(), 2);
    }

    #[test]
    fn grid_shades_by_share_and_lays_out_in_rows_of_three() {
        let tile = |share| Tile {
            name: "石桥镇".into(),
            value: 5,
            share,
            share_text: "x".into(),
            href: "/d".into(),
        };
        let svg = grid(
            "t",
            &[tile(None), tile(Some(1000)), tile(Some(500)), tile(None)],
        );
        assert!(svg.contains("rgb(235,240,248)"));
        assert!(svg.contains("rgb(31,95,168)"));
        assert!(svg.contains(r#"viewBox="0 0 360 128""#));
    }
}
