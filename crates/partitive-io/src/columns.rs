//! Which fields of a table become features, which one is the ID, which are skipped:
//! [`plan_fields`], shared by the text and Parquet readers.

use std::path::Path;

use crate::error::{IoError, IoErrorKind};
use crate::options::{resolve_columns, resolve_named, ReadOptions};
use crate::table::SkippedColumn;

/// The fields a reader keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldPlan {
    /// Feature fields, in output order.
    pub keep: Vec<usize>,
    /// The ID field.
    pub id: Option<usize>,
    /// The ID is the unnamed first column (not asked for).
    pub unnamed_first: bool,
    /// Fields left out as non-numeric.
    pub skipped: Vec<SkippedColumn>,
}

/// A non-numeric cell seen in a field: its text and 1-based line (when known).
pub(crate) type TextCell = Option<(String, Option<usize>)>;

fn label(names: Option<&[String]>, i: usize) -> String {
    match names {
        Some(n) => format!("'{}'", n[i]),
        None => format!("#{}", i + 1),
    }
}

/// Plans the fields of a table with `n_fields` fields named `names`. `text(i)` is a
/// non-numeric cell of field `i`, if one was seen (text) or its type is not numeric
/// (Parquet).
///
/// # Errors
/// Bad `id_column`, `exclude` or `columns` selections; `columns` naming the ID, an excluded
/// or a non-numeric field; no feature left.
pub(crate) fn plan_fields(
    path: &Path,
    opts: &ReadOptions,
    names: Option<&[String]>,
    n_fields: usize,
    text: &dyn Fn(usize) -> TextCell,
) -> Result<FieldPlan, IoError> {
    let param = |name, msg: String| IoError::param(path, name, msg);
    let selects_first = |cols: &[String]| {
        resolve_columns(path, cols, names, n_fields).is_ok_and(|k| k.contains(&0))
    };
    let (id, unnamed_first) = match &opts.id_column {
        Some(spec) => {
            let i = resolve_named(
                path,
                "id_column",
                std::slice::from_ref(spec),
                names,
                n_fields,
            )?;
            (Some(i[0]), false)
        }
        None => {
            let unnamed = names.is_some_and(|n| n[0].is_empty() || n[0] == "Unnamed: 0");
            let wanted = opts.columns.as_deref().is_some_and(selects_first);
            if unnamed && n_fields > 1 && !wanted {
                (Some(0), true)
            } else {
                (None, false)
            }
        }
    };
    let excluded = if opts.exclude.is_empty() {
        Vec::new()
    } else {
        resolve_named(path, "exclude", &opts.exclude, names, n_fields)?
    };
    if let (Some(i), true) = (id, excluded.contains(&id.unwrap_or(usize::MAX))) {
        return Err(param(
            "exclude",
            format!(
                "column {} is the ID column (it is never a feature anyway)",
                label(names, i)
            ),
        ));
    }
    let mut skipped = Vec::new();
    let keep = match &opts.columns {
        Some(specs) => {
            let keep = resolve_columns(path, specs, names, n_fields)?;
            for &k in &keep {
                if Some(k) == id {
                    return Err(param(
                        "columns",
                        format!(
                            "column {} is the ID column; an ID is never a feature",
                            label(names, k)
                        ),
                    ));
                }
                if excluded.contains(&k) {
                    return Err(param(
                        "columns",
                        format!("column {} is both selected and excluded", label(names, k)),
                    ));
                }
            }
            let bad: Vec<String> = keep
                .iter()
                .filter_map(|&k| {
                    text(k).map(|(v, line)| match line {
                        Some(l) => format!("{} ('{v}' on line {l})", label(names, k)),
                        None => format!("{} ({v})", label(names, k)),
                    })
                })
                .collect();
            if !bad.is_empty() {
                return Err(param(
                    "columns",
                    format!(
                        "not numeric: {} (an identifier belongs in the ID column; text categories need Gower's dissimilarity)",
                        bad.join(", ")
                    ),
                ));
            }
            keep
        }
        None => {
            let mut keep = Vec::with_capacity(n_fields);
            for i in 0..n_fields {
                if Some(i) == id || excluded.contains(&i) {
                    continue;
                }
                match text(i).filter(|_| opts.skip_text_columns) {
                    Some((example, line)) => skipped.push(SkippedColumn {
                        index: i,
                        name: names.map(|n| n[i].clone()),
                        example,
                        line,
                    }),
                    None => keep.push(i),
                }
            }
            keep
        }
    };
    if keep.is_empty() {
        let mut why = Vec::new();
        if !skipped.is_empty() {
            let l: Vec<String> = skipped.iter().map(SkippedColumn::label).collect();
            why.push(format!("non-numeric: {}", l.join(", ")));
        }
        if let Some(i) = id {
            why.push(format!("ID: {}", label(names, i)));
        }
        if !excluded.is_empty() {
            let l: Vec<String> = excluded.iter().map(|&i| label(names, i)).collect();
            why.push(format!("excluded: {}", l.join(", ")));
        }
        let e = IoError::new(IoErrorKind::NoColumns, path);
        return Err(if why.is_empty() {
            e
        } else {
            e.with_detail(format!(
                "no numeric feature column left ({})",
                why.join("; ")
            ))
        });
    }
    Ok(FieldPlan {
        keep,
        id,
        unnamed_first,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn text_in(cols: &'static [usize]) -> impl Fn(usize) -> TextCell {
        move |i| cols.contains(&i).then(|| ("abc".to_string(), Some(2)))
    }

    #[test]
    fn id_exclude_and_skip() {
        let p = Path::new("t.csv");
        let names = s(&["id", "a", "name", "b"]);
        let opts = ReadOptions {
            id_column: Some("id".into()),
            exclude: s(&["b"]),
            skip_text_columns: true,
            ..ReadOptions::default()
        };
        let plan = plan_fields(p, &opts, Some(&names), 4, &text_in(&[0, 2])).unwrap();
        assert_eq!(plan.keep, [1]);
        assert_eq!(plan.id, Some(0));
        assert_eq!(plan.skipped.len(), 1);
        assert_eq!(plan.skipped[0].label(), "'name'");
        // without skipping, a text column stays (and fails when parsed)
        let opts = ReadOptions {
            skip_text_columns: false,
            ..opts
        };
        let plan = plan_fields(p, &opts, Some(&names), 4, &text_in(&[0, 2])).unwrap();
        assert_eq!(plan.keep, [1, 2]);
    }

    #[test]
    fn unnamed_first_column_is_the_id() {
        let p = Path::new("t.csv");
        let names = s(&["", "a", "b"]);
        let plan = plan_fields(p, &ReadOptions::default(), Some(&names), 3, &|_| None).unwrap();
        assert_eq!(
            (plan.id, plan.unnamed_first, plan.keep.clone()),
            (Some(0), true, vec![1, 2])
        );
        let opts = ReadOptions {
            columns: Some(s(&["0", "a"])),
            ..ReadOptions::default()
        };
        let plan = plan_fields(p, &opts, Some(&names), 3, &|_| None).unwrap();
        assert_eq!((plan.id, plan.keep), (None, vec![0, 1]));
        let plan = plan_fields(p, &ReadOptions::default(), None, 3, &|_| None).unwrap();
        assert_eq!(plan.id, None);
    }

    #[test]
    fn errors_name_the_columns() {
        let p = Path::new("t.csv");
        let names = s(&["id", "a", "name"]);
        let with = |cols: &[&str], id: Option<&str>, ex: &[&str]| ReadOptions {
            columns: (!cols.is_empty()).then(|| s(cols)),
            id_column: id.map(String::from),
            exclude: s(ex),
            skip_text_columns: true,
            ..ReadOptions::default()
        };
        let t = text_in(&[0, 2]);
        for (opts, needle) in [
            (
                with(&["a", "name"], Some("id"), &[]),
                "not numeric: 'name' ('abc' on line 2)",
            ),
            (with(&["id", "a"], Some("id"), &[]), "'id' is the ID column"),
            (
                with(&["a"], None, &["a"]),
                "'a' is both selected and excluded",
            ),
            (
                with(&[], Some("id"), &["id"]),
                "exclude: column 'id' is the ID column",
            ),
            (
                with(&[], Some("nope"), &[]),
                "invalid id_column: no column named 'nope'",
            ),
            (
                with(&[], Some("id"), &["a"]),
                "no numeric feature column left (non-numeric: 'name'; ID: 'id'; excluded: 'a')",
            ),
        ] {
            let e = plan_fields(p, &opts, Some(&names), 3, &t).unwrap_err();
            assert!(e.to_string().contains(needle), "{e} lacks {needle}");
        }
    }
}
