//! `--report FILE.html`: one self-contained page, rendered in headless Chromium and checked
//! not to be blank (the test is skipped, saying so, when no Chromium is installed; CI
//! installs it).

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn ok(args: &[&str]) {
    let out = run(args);
    assert!(
        out.status.success(),
        "partitive {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Four blobs in 3-D (the report projects them by PCA).
fn blobs3(s: &Scratch) -> PathBuf {
    let mut t = String::from("alpha,beta,gamma\n");
    let mut state = 5u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    for _ in 0..60 {
        for (a, b, c) in [
            (0.0, 0.0, 0.0),
            (6.0, 0.0, 1.0),
            (0.0, 6.0, 2.0),
            (6.0, 6.0, 8.0),
        ] {
            t.push_str(&format!("{},{},{}\n", a + next(), b + next(), c + next()));
        }
    }
    s.write("b3.csv", t.as_bytes())
}

/// The static checks every report passes: one page, inline SVG, nothing fetched.
fn check_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"));
    let lower = html.to_ascii_lowercase();
    for bad in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!lower.contains(bad), "the report must not contain {bad}");
    }
    // The only URL is the SVG namespace, which is never fetched.
    assert_eq!(
        lower.matches("http").count(),
        lower.matches("http://www.w3.org/2000/svg").count()
    );
}

fn chromium() -> Option<String> {
    if let Ok(c) = std::env::var("PARTITIVE_CHROMIUM") {
        return Some(c);
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_string)
}

/// Renders `html` to a PNG with headless Chromium; `None` when no Chromium is installed.
pub fn screenshot(html: &Path, png: &Path, height: u32) -> Option<()> {
    let browser = chromium()?;
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size=1200,{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        png.exists(),
        "chromium made no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(())
}

/// Share of non-white pixels and number of distinct colours of a PNG.
fn ink(png: &Path) -> (f64, usize) {
    let pix = resvg::tiny_skia::Pixmap::load_png(png).expect("a PNG");
    let mut colours = std::collections::HashSet::new();
    let mut non_white = 0usize;
    for p in pix.pixels() {
        let c = (p.red(), p.green(), p.blue());
        if c != (255, 255, 255) {
            non_white += 1;
        }
        colours.insert(c);
    }
    (non_white as f64 / pix.pixels().len() as f64, colours.len())
}

#[test]
fn reports_are_self_contained_and_render() {
    let s = Scratch::new();
    let input = blobs3(&s);
    let mixed = s.write(
        "mixed.csv",
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mixed.csv"))
            .unwrap(),
    );
    let reports = [
        ("auto", vec!["auto", p(&input), "--scale", "standard"]),
        ("kmeans", vec!["kmeans", p(&input), "-k", "4"]),
        (
            "gmm",
            vec![
                "gmm",
                p(&input),
                "--k-range",
                "2..6",
                "--covariance",
                "full,diag",
            ],
        ),
        (
            "gower",
            vec!["kmedoids", p(&mixed), "-k", "3", "--metric", "gower"],
        ),
    ];
    let mut pages = Vec::new();
    for (tag, mut args) in reports {
        let html = s.path(&format!("{tag}.html"));
        let hs = html.display().to_string();
        args.extend(["--report", &hs, "--quiet"]);
        ok(&args);
        let text = std::fs::read_to_string(&html).unwrap();
        check_self_contained(&text);
        assert!(
            text.contains("Cluster profiles") && text.contains("Standardised means"),
            "{tag}"
        );
        assert!(text.contains("Silhouette"), "{tag}");
        assert!(text.contains("input_sha256"), "{tag}");
        pages.push((tag, html, text));
    }
    let auto = &pages[0].2;
    assert!(auto.contains("Components and merges") && auto.contains("Choosing k"));
    assert!(
        auto.contains("PC 1") && auto.contains("cluster 3 (n = 60)"),
        "legend with sizes"
    );
    assert!(pages[2].2.contains("BIC by k"));
    // Rendering: a blank or broken page has almost no ink and few colours.
    let mut rendered = 0;
    for (tag, html, _) in &pages {
        let png = s.path(&format!("{tag}.png"));
        if screenshot(html, &png, 2600).is_none() {
            eprintln!("SKIPPED: rendering the report needs Chromium (apt-get install chromium); only the static checks ran");
            return;
        }
        let (share, colours) = ink(&png);
        assert!(
            share > 0.03,
            "{tag}: {:.1}% non-white: blank?",
            share * 100.0
        );
        assert!(colours >= 8, "{tag}: {colours} colours: no clusters drawn?");
        rendered += 1;
    }
    assert_eq!(rendered, 4);
}

#[test]
fn report_must_be_html() {
    let s = Scratch::new();
    let input = blobs3(&s);
    assert_user_error(
        &run(&[
            "kmeans",
            p(&input),
            "-k",
            "2",
            "--report",
            p(&s.path("r.pdf")),
        ]),
        &["--report", "r.pdf", "HTML"],
    );
}

/// A long uniform strip (several Gaussian components, merged) beside a round blob.
fn strip(s: &Scratch) -> PathBuf {
    let mut t = String::from("length,width\n");
    let mut state = 11u64;
    let mut u = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for _ in 0..600 {
        t.push_str(&format!("{},{}\n", 40.0 * u(), u()));
    }
    for _ in 0..200 {
        let (a, b) = (u() + u() + u() - 1.5, u() + u() + u() - 1.5);
        t.push_str(&format!("{},{}\n", 20.0 + 2.0 * a, 30.0 + 2.0 * b));
    }
    s.write("strip.csv", t.as_bytes())
}

#[test]
fn auto_report_shows_the_components_and_their_merges() {
    let s = Scratch::new();
    let input = strip(&s);
    let (html, tree) = (s.path("auto.html"), s.path("tree.json"));
    ok(&[
        "auto",
        p(&input),
        "--report",
        p(&html),
        "--tree-out",
        p(&tree),
        "--quiet",
    ]);
    let text = std::fs::read_to_string(&html).unwrap();
    check_self_contained(&text);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&tree).unwrap()).unwrap();
    let forest = t["merge_forest"].as_array().unwrap();
    let merged = forest.iter().filter(|n| !n["parent"].is_null()).count();
    assert!(t["k"].as_u64().unwrap() >= 2);
    assert!(
        forest.len() > t["k"].as_u64().unwrap() as usize && merged > 0,
        "the strip's components should be merged"
    );
    // The components scatter: one legend entry per component, with its cluster and the
    // rows whose most probable component it is (they add up to n).
    assert!(text.contains(&format!("Before merging: {} components", forest.len())));
    let mut total = 0;
    for n in forest {
        let head = format!(
            "component {} → cluster {} (n = ",
            n["component"], n["cluster"]
        );
        let at = text
            .find(&head)
            .unwrap_or_else(|| panic!("no legend entry {head}"));
        let rest = &text[at + head.len()..];
        total += rest[..rest.find(')').unwrap()].parse::<usize>().unwrap();
    }
    assert_eq!(total, 800);
    // The merge diagram: a node per component, an arrow per merge.
    assert_eq!(text.matches("class=\"component\"").count(), forest.len());
    assert_eq!(text.matches("class=\"merge\"").count(), merged);
    assert!(text.contains("How the components were merged"));
    // Rendered: the diagram alone, each component's colour is on the screen.
    let start = text.find("<svg").unwrap();
    let diagram_at = text.find("How the components were merged").unwrap();
    let svg_start = text[..diagram_at].rfind("<svg").unwrap();
    assert!(svg_start > start);
    let svg_end = svg_start + text[svg_start..].find("</svg>").unwrap() + 6;
    let page = s.write(
        "diagram.html",
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\">{}</body></html>",
            &text[svg_start..svg_end]
        )
        .as_bytes(),
    );
    let png = s.path("diagram.png");
    if screenshot(&page, &png, 700).is_none() {
        eprintln!("SKIPPED: rendering the report needs Chromium (apt-get install chromium); only the static checks ran");
        return;
    }
    let pix = resvg::tiny_skia::Pixmap::load_png(&png).expect("a PNG");
    let seen: std::collections::HashSet<(u8, u8, u8)> = pix
        .pixels()
        .iter()
        .map(|q| (q.red(), q.green(), q.blue()))
        .collect();
    const PALETTE: [(u8, u8, u8); 4] = [
        (0x00, 0x72, 0xB2),
        (0xE6, 0x9F, 0x00),
        (0x00, 0x9E, 0x73),
        (0xD5, 0x5E, 0x00),
    ];
    for n in forest {
        let c = n["component"].as_u64().unwrap() as usize;
        if c < PALETTE.len() {
            assert!(seen.contains(&PALETTE[c]), "component {c}'s node not drawn");
        }
    }
}
