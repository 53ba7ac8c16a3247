//! Splitting a line of delimited text into fields, and guessing the delimiter.

use std::ops::Range;

/// How fields are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delim {
    /// One byte (`,`, tab, `;`, …); quotes protect it.
    Byte(u8),
    /// Runs of spaces and tabs.
    Whitespace,
}

/// Splits `line` into field ranges (trimmed, outer quotes removed) into `out`.
pub(crate) fn split(line: &str, delim: Delim, out: &mut Vec<Range<usize>>) {
    out.clear();
    let b = line.as_bytes();
    match delim {
        Delim::Whitespace => {
            let mut i = 0;
            while i < b.len() {
                while i < b.len() && matches!(b[i], b' ' | b'\t') {
                    i += 1;
                }
                let start = i;
                while i < b.len() && !matches!(b[i], b' ' | b'\t') {
                    i += 1;
                }
                if i > start {
                    out.push(unquote(b, start..i));
                }
            }
        }
        Delim::Byte(d) => {
            let mut start = 0;
            let mut quoted = false;
            for (i, &c) in b.iter().enumerate() {
                if c == b'"' {
                    quoted = !quoted;
                } else if c == d && !quoted {
                    out.push(unquote(b, trim(b, start..i)));
                    start = i + 1;
                }
            }
            out.push(unquote(b, trim(b, start..b.len())));
        }
    }
}

/// `r` without leading and trailing spaces/tabs.
fn trim(b: &[u8], mut r: Range<usize>) -> Range<usize> {
    while r.start < r.end && matches!(b[r.start], b' ' | b'\t') {
        r.start += 1;
    }
    while r.end > r.start && matches!(b[r.end - 1], b' ' | b'\t') {
        r.end -= 1;
    }
    r
}

/// `r` without one pair of enclosing double quotes.
fn unquote(b: &[u8], r: Range<usize>) -> Range<usize> {
    if r.len() >= 2 && b[r.start] == b'"' && b[r.end - 1] == b'"' {
        r.start + 1..r.end - 1
    } else {
        r
    }
}

/// Cell texts read as missing values (compared case-insensitively), besides the empty cell.
const MISSING: [&str; 5] = ["NA", "N/A", "NaN", "null", "?"];

/// `true` when `cell` is empty or a missing-value marker.
pub(crate) fn is_missing(cell: &str) -> bool {
    cell.is_empty() || MISSING.iter().any(|m| m.eq_ignore_ascii_case(cell))
}

/// `true` when `cell` reads as data for header detection: a number or a missing-value
/// marker. A first line made only of such cells (`NA,1`) is a data row, never a header,
/// so it is not dropped silently: its missing values are then reported as errors.
pub(crate) fn is_data_cell(cell: &str) -> bool {
    cell.parse::<f64>().is_ok() || is_missing(cell) || is_decimal_comma(cell)
}

/// `true` when `cell` is a number written with a decimal comma (`1,5`, `-0,25`): one
/// comma, digits on both sides. Such a cell counts as data for header detection and
/// column classification, so a decimal-comma file gets a hint instead of a misread header.
pub fn is_decimal_comma(cell: &str) -> bool {
    match cell.split_once(',') {
        Some((a, b)) => {
            let a = a.strip_prefix(['-', '+']).unwrap_or(a);
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes()
                    .all(|c| c.is_ascii_digit() || matches!(c, b'e' | b'E' | b'-' | b'+'))
                && b.as_bytes()[0].is_ascii_digit()
        }
        None => false,
    }
}

/// The delimiter to use for a file whose first significant line is `first`.
pub(crate) fn detect_delimiter(first: &str) -> Delim {
    let mut best = (0usize, Delim::Whitespace);
    for d in [b',', b'\t', b';'] {
        let mut quoted = false;
        let mut n = 0;
        for &c in first.as_bytes() {
            if c == b'"' {
                quoted = !quoted;
            } else if c == d && !quoted {
                n += 1;
            }
        }
        if n > best.0 {
            best = (n, Delim::Byte(d));
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str, d: Delim) -> Vec<&str> {
        let mut r = Vec::new();
        split(line, d, &mut r);
        r.into_iter().map(|x| &line[x]).collect()
    }

    #[test]
    fn splitting() {
        let c = Delim::Byte(b',');
        assert_eq!(fields("1, 2 ,3", c), ["1", "2", "3"]);
        assert_eq!(fields("\"1.5\",\"a,b\",", c), ["1.5", "a,b", ""]);
        assert_eq!(fields("  1 \t 2   3 ", Delim::Whitespace), ["1", "2", "3"]);
        assert_eq!(fields("1\t2", Delim::Byte(b'\t')), ["1", "2"]);
        assert_eq!(fields(",1,", c), ["", "1", ""]);
        assert_eq!(fields("1\u{e9}2", Delim::Byte(0xe9)), ["1\u{e9}2"]);
    }

    #[test]
    fn delimiter_detection() {
        assert_eq!(detect_delimiter("1,2,3"), Delim::Byte(b','));
        assert_eq!(detect_delimiter("1\t2\t3"), Delim::Byte(b'\t'));
        assert_eq!(detect_delimiter("1;2;3"), Delim::Byte(b';'));
        assert_eq!(detect_delimiter("1 2  3"), Delim::Whitespace);
        assert_eq!(detect_delimiter("\"a;b\",c"), Delim::Byte(b','));
    }

    #[test]
    fn data_cells() {
        for c in ["1", "-2.5e3", "NA", "n/a", "", "?", "null", "nan", "inf"] {
            assert!(is_data_cell(c), "{c}");
        }
        for c in ["x", "NA1", "id", "1,,5", ",5", "a,5"] {
            assert!(!is_data_cell(c), "{c}");
        }
        for c in ["1,5", "-0,25", "12,0e3"] {
            assert!(is_data_cell(c) && is_decimal_comma(c), "{c}");
        }
        assert!(!is_decimal_comma("1.5"));
    }
}
