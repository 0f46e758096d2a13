//! Small SVG charts drawn by the app itself (no chart library to download): the biggest
//! repositories of a project, and image sizes across a repository's recent tags.

use leptos::prelude::*;

use crate::dates::{format_bytes, format_datetime};

/// Horizontal bars: (label, bytes), biggest first.
#[component]
pub fn BiggestRepositories(rows: Vec<(String, i64)>) -> impl IntoView {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let height = rows.len() * 28 + 4;
    let bars = rows
        .into_iter()
        .enumerate()
        .map(|(i, (label, bytes))| {
            let y = i * 28 + 2;
            let width = (bytes as f64 / max as f64 * 300.0).max(2.0);
            let text = format!("{label} — {}", format_bytes(bytes));
            view! {
                <g>
                    <title>{text.clone()}</title>
                    <rect x="0" y=y.to_string() width=format!("{width:.1}") height="18" rx="3" class="bar"/>
                    <text x=format!("{:.1}", width + 6.0) y=(y + 13).to_string() class="bar-label">{text}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" role="img" aria-label="Biggest image repositories by storage" viewBox=format!("0 0 720 {height}") width="100%" height=height.to_string() data-testid="storage-chart">
            {bars}
        </svg>
    }
}

/// Vertical bars of image size per tag, oldest to newest, so growth stands out.
#[component]
pub fn TagSizeChart(points: Vec<(String, i64, i64)>) -> impl IntoView {
    let max = points.iter().map(|p| p.2).max().unwrap_or(0).max(1);
    let n = points.len().max(1);
    let slot = 720.0 / n as f64;
    let bars = points
        .into_iter()
        .enumerate()
        .map(|(i, (name, at, size))| {
            let h = (size as f64 / max as f64 * 100.0).max(1.0);
            let text = format!("{name}: {} · {}", format_bytes(size), format_datetime(at));
            view! {
                <rect x=format!("{:.1}", i as f64 * slot + 1.0) y=format!("{:.1}", 110.0 - h) width=format!("{:.1}", (slot - 2.0).max(1.0)) height=format!("{h:.1}") class="bar">
                    <title>{text}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <figure class="chart-figure">
            <svg class="chart" role="img" aria-label="Image size of recent tags, oldest to newest" viewBox="0 0 720 112" width="100%" height="112" data-testid="size-chart">
                <line x1="0" y1="110.5" x2="720" y2="110.5" class="axis"/>
                {bars}
            </svg>
            <figcaption class="muted">"Image size of the most recent tags, oldest to newest (largest: " {format_bytes(max)} ")"</figcaption>
        </figure>
    }
}
